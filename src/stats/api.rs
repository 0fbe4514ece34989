//! Server functions of the statistics pages: each page's data (drawn for the caller's scope, around what the last
//! form answered), the population form, and the monthly report's forms (save the draft, submit it, start a
//! correction). Each obtains its guard from the caller first; the service checks the rule again by the write.
//! A ward report's URL has path parameters, so its forms post to fixed addresses with the month and the ward as
//! fields, and the browser is sent back to the report's own address.
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, JsonEncoding};
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use super::{PopulationInput, ReportsPageData, StatsNotice, StatsPageData, WardReportPageData};
use crate::web::{FormFailure, Refusal};

/// Why a statistics form changed nothing: the caller, or the form's own problem (the notice says which).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum StatsError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// A field that is wrong, a report submitted already, a correction without its reason, a text too long.
    #[error("refused: {0:?}")]
    Notice(StatsNotice),
}

impl FromServerFnError for StatsError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(e: ServerFnErrorErr) -> Self {
        StatsError::Refused(e.into())
    }
}

impl FormFailure for StatsError {
    fn refusal(&self) -> Option<Refusal> {
        match self {
            StatsError::Refused(r) => Some(*r),
            StatsError::Notice(_) => None,
        }
    }

    /// A script gets what the plain forms answered before: 422 for a wrong value, 409 for a report that cannot
    /// change (submitted already, or a correction under way).
    fn status(&self) -> u16 {
        match self {
            StatsError::Refused(r) => r.status(),
            StatsError::Notice(StatsNotice::PopulationInvalid(_) | StatsNotice::ImportRefused(_)) => 422,
            StatsError::Notice(_) => 409,
        }
    }
}

/// The dashboard's data: the wards in the caller's scope (ranked by `sort`), the charts, and what the last
/// population form or file answered.
#[server(prefix = "/api", endpoint = "stats/page", input = GetUrl)]
pub async fn stats_page(#[server(default)] sort: String) -> Result<StatsPageData, Refusal> {
    use crate::access::guard::Principal;
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let principal: Principal = caller::caller(&state).await?;
    let granter = principal.granter()?;
    reply::no_store();
    let kept: super::StatsFlash = flash::take(&state, super::web::DASHBOARD_FLASH).await.unwrap_or_default();
    super::web::dashboard(&state, &granter, super::domain::Ranking::parse(&sort), kept).await
}

/// One ward's denominators (city administrator): every field checked; with a problem nothing is saved.
#[server(prefix = "", endpoint = "stats/population")]
pub async fn save_population(#[server(flatten)] input: PopulationInput) -> Result<StatsNotice, StatsError> {
    use crate::web::{caller, reply};
    let state = caller::state()?;
    let result = super::web::save_population(&state, &input).await;
    let kept = super::StatsFlash {
        notice: Some(super::web::notice_of(&result)),
        input: if result.is_err() { input } else { PopulationInput::default() },
    };
    // saved: back to the section; refused: to the top, where the notice says what is wrong
    let back = if result.is_ok() { "/stats#population" } else { "/stats" };
    reply::finish_form(&state, back, super::web::DASHBOARD_FLASH, &result, kept).await;
    result
}

/// The month's reports (`month` is `yyyy-mm`; the newest month when empty or unknown), and what the last import of
/// earlier figures answered.
#[server(prefix = "/api", endpoint = "stats/reports/page", input = GetUrl)]
pub async fn reports_page(#[server(default)] month: String) -> Result<ReportsPageData, Refusal> {
    use crate::access::guard::Principal;
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let principal: Principal = caller::caller(&state).await?;
    let granter = principal.granter()?;
    reply::no_store();
    let notice: Option<StatsNotice> = flash::take(&state, super::web::REPORTS_FLASH).await;
    super::web::reports(&state, &granter, &month, notice).await
}

/// One ward's report for a month with its versions. Another ward's report and one that does not exist are both
/// "not found".
#[server(prefix = "/api", endpoint = "stats/reports/ward", input = GetUrl)]
pub async fn ward_report_page(
    #[server(default)] month: String,
    #[server(default)] ward: String,
) -> Result<WardReportPageData, Refusal> {
    use crate::access::guard::Principal;
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let principal: Principal = caller::caller(&state).await?;
    let granter = principal.granter()?;
    reply::no_store();
    let month = super::domain::Month::parse(&month).ok_or(Refusal::NotFound)?;
    let kept: super::ReportFlash = flash::take(&state, &super::web::report_flash(month, &ward)).await.unwrap_or_default();
    super::web::ward_report(&state, &granter, month, &ward, kept).await
}

/// Saves the officer's comment on the newest draft (the ward's own officer only).
#[server(prefix = "", endpoint = "stats/reports/save")]
pub async fn save_report(
    #[server(default)] month: String,
    #[server(default)] ward: String,
    #[server(default)] comment: String,
) -> Result<StatsNotice, StatsError> {
    let state = crate::web::caller::state()?;
    let result = super::web::write_report(&state, &month, &ward, &comment, false).await;
    super::web::finish_report(&state, &month, &ward, &result, (comment, String::new())).await;
    result
}

/// Submits the newest draft to the steering committee with its comment (the comment as the page showed it, the
/// draft as saved): afterwards it never changes. A report submitted already is refused, changing nothing.
#[server(prefix = "", endpoint = "stats/reports/submit")]
pub async fn submit_report(
    #[server(default)] month: String,
    #[server(default)] ward: String,
    comment: String,
) -> Result<StatsNotice, StatsError> {
    let state = crate::web::caller::state()?;
    let result = super::web::write_report(&state, &month, &ward, &comment, true).await;
    super::web::finish_report(&state, &month, &ward, &result, (comment, String::new())).await;
    result
}

/// Starts a correction of a submitted report: a new draft version with the same frozen figures, and the reason.
#[server(prefix = "", endpoint = "stats/reports/correct")]
pub async fn correct_report(
    #[server(default)] month: String,
    #[server(default)] ward: String,
    #[server(default)] reason: String,
) -> Result<StatsNotice, StatsError> {
    let state = crate::web::caller::state()?;
    let result = super::web::correct_report(&state, &month, &ward, &reason).await;
    super::web::finish_report(&state, &month, &ward, &result, (String::new(), reason)).await;
    result
}
