//! File formats shared by the slices: CSV (reading uploads, writing downloads), ZIP (the data export) and XLSX
//! (statistics tables, on the ZIP writer).
pub mod csv;
pub mod xlsx;
pub mod zip;

/// One cell of a table downloaded as CSV or XLSX.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// A fraction (0.0..=1.0) shown as a percentage with one decimal: 0.4567 reads 45.7%.
    Percent(f64),
}
