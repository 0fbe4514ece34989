//! Value types used across slices. Each parses untrusted input once, at the edge.
pub mod text;
