//! Why a request was refused before a slice's own rules were even asked: the request is malformed, the caller is
//! not signed in or may not do this, there is no such thing, or our side failed. Every slice's error can carry one,
//! so the answer (status, page, translated message) is decided once, here.
use serde::{Deserialize, Serialize};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Refusal {
    /// Arguments missing or malformed (400): the caller's fault, never a 500.
    #[error("the request was malformed")]
    BadRequest,
    /// Not signed in, or the session ended (401; pages send the person to sign in).
    #[error("not signed in")]
    SignIn,
    /// A staff role needs the authenticator app in this session.
    #[error("the second factor is needed")]
    SecondFactor,
    /// Signed in, but not allowed this (403), the same whether the thing exists or not.
    #[error("not allowed")]
    Forbidden,
    /// Nothing there (404).
    #[error("not found")]
    NotFound,
    /// Our side failed (503); the cause went to the log when this was made.
    #[error("unavailable")]
    Unavailable,
}

impl Refusal {
    /// Logs what failed and why (the person only learns that it did), and answers 503.
    #[cfg(feature = "ssr")]
    pub fn unavailable(what: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "{what} failed");
        Refusal::Unavailable
    }

    /// The HTTP status of this refusal.
    pub fn status(self) -> u16 {
        match self {
            Refusal::BadRequest => 400,
            Refusal::SignIn => 401,
            Refusal::SecondFactor | Refusal::Forbidden => 403,
            Refusal::NotFound => 404,
            Refusal::Unavailable => 503,
        }
    }

    /// Where a browser is sent instead of the page it asked for (None: the page answers with this status itself).
    pub fn page(self) -> Option<&'static str> {
        match self {
            Refusal::SignIn => Some("/signin"),
            Refusal::SecondFactor => Some("/me/security?required=1"),
            Refusal::Forbidden => Some("/forbidden"),
            Refusal::BadRequest | Refusal::NotFound | Refusal::Unavailable => None,
        }
    }
}

/// As a plain handler's answer (a file download, an upload): sign in and the second factor are a 303 to their
/// page; the rest a status with a short message in both languages. The response carries the refusal (an
/// extension), so the server can answer a browser that asked for a page with the translated 403 page instead.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for Refusal {
    fn into_response(self) -> axum::response::Response {
        use axum::http::{StatusCode, header};
        if let Some(page) = self.page().filter(|_| matches!(self, Refusal::SignIn | Refusal::SecondFactor)) {
            return (StatusCode::SEE_OTHER, [(header::LOCATION, page)]).into_response();
        }
        let text = match self {
            Refusal::BadRequest => "Yêu cầu không hợp lệ / Bad request",
            Refusal::Forbidden => "Bạn không có quyền này / Forbidden",
            Refusal::NotFound => "Không tìm thấy / Not found",
            _ => "Hệ thống đang bận, vui lòng thử lại / Please try again",
        };
        let mut response =
            (StatusCode::from_u16(self.status()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE), text).into_response();
        response.extensions_mut().insert(self);
        response
    }
}

impl From<ServerFnErrorErr> for Refusal {
    /// A server function's transport failures: bad arguments are the caller's (400, and the status is set here,
    /// where the response is still being made); anything else is ours.
    fn from(e: ServerFnErrorErr) -> Self {
        let refusal = match e {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) | ServerFnErrorErr::Deserialization(_) => {
                Refusal::BadRequest
            }
            _ => Refusal::Unavailable,
        };
        #[cfg(feature = "ssr")]
        {
            if refusal == Refusal::Unavailable {
                tracing::error!(error = %e, "a server function failed");
            }
            reply::set_status(refusal.status());
        }
        refusal
    }
}

#[cfg(feature = "ssr")]
use super::reply;

impl FromServerFnError for Refusal {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(e: ServerFnErrorErr) -> Self {
        e.into()
    }
}

/// A form's failure: either a refusal of the caller, or the form's own problems (shown next to its fields).
pub trait FormFailure {
    fn refusal(&self) -> Option<Refusal>;

    /// The status a script (an island's action) gets: the refusal's, or 422 for the form's own problems.
    fn status(&self) -> u16 {
        self.refusal().map(Refusal::status).unwrap_or(422)
    }
}

/// What a slice's form error needs to cross the wire as JSON and be answered: transport failures become its
/// `Refused(Refusal)` variant (which the enum must have), and that variant is the refusal [`FormFailure`] reports.
#[macro_export]
macro_rules! form_error {
    ($ty:ident) => {
        impl ::leptos::server_fn::error::FromServerFnError for $ty {
            type Encoder = ::leptos::server_fn::codec::JsonEncoding;

            fn from_server_fn_error(e: ::leptos::server_fn::error::ServerFnErrorErr) -> Self {
                $ty::Refused(e.into())
            }
        }

        impl $crate::web::FormFailure for $ty {
            fn refusal(&self) -> Option<$crate::web::Refusal> {
                match self {
                    $ty::Refused(r) => Some(*r),
                    _ => None,
                }
            }
        }
    };
}

impl FormFailure for Refusal {
    fn refusal(&self) -> Option<Refusal> {
        Some(*self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_arguments_are_the_callers_fault() {
        for e in [
            ServerFnErrorErr::Args("x".into()),
            ServerFnErrorErr::MissingArg("for".into()),
            ServerFnErrorErr::Deserialization("x".into()),
        ] {
            assert_eq!(Refusal::from(e), Refusal::BadRequest);
        }
        assert_eq!(Refusal::from(ServerFnErrorErr::ServerError("db".into())), Refusal::Unavailable);
        assert_eq!(Refusal::BadRequest.status(), 400);
    }

    #[test]
    fn a_refused_browser_goes_where_the_page_would_send_it() {
        assert_eq!(Refusal::SignIn.page(), Some("/signin"));
        assert_eq!(Refusal::Forbidden.page(), Some("/forbidden"));
        assert_eq!(Refusal::NotFound.page(), None);
        assert_eq!(Refusal::Forbidden.status(), 403);
    }
}
