//! Server functions of the QR pages: each page's data (/me/qr, /me/qr/checks, /me/qr/card, /counter/scan), "lost
//! phone", issuing and revoking the printed card, and the counter's forms (checking a pasted code, registering a
//! place). The image, the token for scripts and the offline batch stay plain handlers in `web.rs` (they are files,
//! not pages); so does the counter's photo upload (multipart, `counter.rs`).
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use super::{CardNotice, CardPageData, ChecksPageData, CounterOutcome, CounterPageData, CounterProblem, QrPageData};
use crate::web::Refusal;

/// Why a counter form gave no verdict or registered no place: the caller, nothing to check, or the place's name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum CounterError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Nothing could be checked (no code, no readable picture); nothing was recorded.
    #[error("nothing to check: {0:?}")]
    Problem(CounterProblem),
    /// A place name of 2 to 100 characters is needed.
    #[error("the place name is not valid")]
    PlaceNameInvalid,
    /// The organization already has a place of that name.
    #[error("the place name is taken")]
    PlaceNameTaken,
}

crate::form_error!(CounterError);

/// The flash of /me/qr ("lost phone" failed) and of /me/qr/card (what the last card form did).
#[cfg(feature = "ssr")]
const FLASH: &str = "qr";
#[cfg(feature = "ssr")]
const CARD_FLASH: &str = "qr_card";

/// The /me/qr page's data: the chosen preset and how often the codes were checked, for the caller or, with `for`,
/// someone whose data the caller manages (the view is recorded in their "who saw my data").
#[server(prefix = "/api", endpoint = "qr/page", input = GetUrl)]
pub async fn qr_page(
    #[server(default)] preset: String,
    #[server(rename = "for")] #[server(default)] for_id: String,
) -> Result<QrPageData, Refusal> {
    use crate::family::service::Access;
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let citizen: caller::Citizen = caller::caller(&state).await?;
    let subject = crate::family::web::subject_for(&state, &citizen, &for_id, Access::Manage).await?;
    reply::no_store();
    let now = crate::identity::web::now();
    crate::privacy::service::record(&state.db, &subject, crate::privacy::SeenWhat::Qr, "", now)
        .await
        .map_err(|e| Refusal::unavailable("recording a QR view", e))?;
    let failed = if subject.is_self() {
        flash::take::<Result<(), Refusal>>(&state, FLASH).await.is_some_and(|kept| kept.is_err())
    } else {
        false
    };
    Ok(QrPageData {
        preset: super::Preset::parse(&preset).unwrap_or(super::Preset::Basic),
        verified_count: super::service::verification_count(&state.db, subject.id()).await.unwrap_or(0),
        acting: subject.acting(),
        failed,
    })
}

/// "Lost phone": every QR code issued so far stops verifying, every session ends, and this device is signed out
/// (`/signin?signed_out=lost`, where the device also forgets the codes it kept). Only the person themselves.
#[server(prefix = "", endpoint = "me/qr/revoke")]
pub async fn revoke_codes() -> Result<(), Refusal> {
    use crate::web::{caller, reply};
    let state = caller::state()?;
    let result: Result<(), Refusal> = async {
        let citizen: caller::Citizen = caller::caller(&state).await?;
        let now = crate::identity::web::now();
        super::service::revoke_all(&state.db, &citizen.account_id, now)
            .await
            .map_err(|e| Refusal::unavailable("revoking QR codes", e))?;
        crate::access::service::audit(&state.db, Some(&citizen.account_id), "qr_revoked", Some(&citizen.account_id), "", now)
            .await
            .ok();
        Ok(())
    }
    .await;
    if result.is_ok() {
        reply::append_cookie(&crate::identity::web::session_cookie(&state, "", 0));
        reply::see_other("/signin?signed_out=lost");
    } else {
        reply::finish_form(&state, "/me/qr", FLASH, &result, &result).await;
    }
    result
}

/// The /me/qr/checks page's data: every check of the caller's QR codes, newest first.
#[server(prefix = "/api", endpoint = "qr/checks", input = GetUrl)]
pub async fn qr_checks() -> Result<ChecksPageData, Refusal> {
    use super::{CheckLine, Direction, Preset, Purpose, Reason};
    use crate::web::{caller, reply};
    let state = caller::state()?;
    let citizen: caller::Citizen = caller::caller(&state).await?;
    reply::no_store();
    let rows = super::service::checks_of(&state.db, &citizen.account_id, 200)
        .await
        .map_err(|e| Refusal::unavailable("reading QR checks", e))?;
    let parse_reason = |r: &str| serde_json::from_value::<Reason>(serde_json::Value::String(r.to_owned())).ok();
    Ok(ChecksPageData {
        checks: rows
            .into_iter()
            .map(|r| CheckLine {
                at: crate::identity::web::format_time(r.at),
                preset: Preset::parse(&r.preset),
                card: r.preset == super::card::CHECK_LABEL,
                valid: r.valid,
                reason: r.reason.as_deref().and_then(parse_reason),
                organization: r.organization,
                purpose: r.purpose.as_deref().and_then(Purpose::parse),
                passage: r.place.zip(r.direction.as_deref().and_then(Direction::parse)),
            })
            .collect(),
    })
}

/// The /me/qr/card page's data: the caller's printed card (drawn on the server), or the number of the revoked
/// one, and what the last card form did.
#[server(prefix = "/api", endpoint = "qr/card", input = GetUrl)]
pub async fn qr_card() -> Result<CardPageData, Refusal> {
    use super::card::Status;
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let citizen: caller::Citizen = caller::caller(&state).await?;
    reply::no_store();
    let status = super::card::status(&state.db, &state.qr_keys, &citizen.account_id)
        .await
        .map_err(|e| Refusal::unavailable("reading the printed card", e))?;
    let kept = flash::take::<Result<Option<CardNotice>, Refusal>>(&state, CARD_FLASH).await;
    let mut page = CardPageData {
        failed: kept.as_ref().is_some_and(|k| k.is_err()),
        notice: kept.and_then(Result::ok).flatten(),
        ..CardPageData::default()
    };
    match status {
        Status::None => {}
        Status::Revoked(number) => page.revoked = Some(number),
        Status::Active(c) => {
            page.card = Some(super::CardView {
                qr_svg: super::web::qr_svg(&c.text),
                number: c.number,
                issued_on: crate::identity::domain::Date::from_unix_vietnam(c.issued_at).dmy(),
                full_name: c.full_name,
                code: c.code,
            })
        }
    }
    Ok(page)
}

/// Issues a printed card (the next number; an earlier card stops working).
#[server(prefix = "", endpoint = "me/qr/card/issue")]
pub async fn issue_card() -> Result<Option<CardNotice>, Refusal> {
    use crate::web::{caller, reply};
    let state = caller::state()?;
    let result: Result<Option<CardNotice>, Refusal> = async {
        let citizen: caller::Citizen = caller::caller(&state).await?;
        let now = crate::identity::web::now();
        super::card::issue(&state.db, &citizen.account_id, now)
            .await
            .map_err(|e| Refusal::unavailable("issuing a printed card", e))?;
        crate::access::service::audit(&state.db, Some(&citizen.account_id), "qr_card_issued", Some(&citizen.account_id), "", now)
            .await
            .ok();
        Ok(Some(CardNotice::Issued))
    }
    .await;
    reply::finish_form(&state, "/me/qr/card", CARD_FLASH, &result, &result).await;
    result
}

/// The card is lost: every copy stops working (None: there was no card to revoke, nothing changed).
#[server(prefix = "", endpoint = "me/qr/card/revoke")]
pub async fn revoke_card() -> Result<Option<CardNotice>, Refusal> {
    use crate::web::{caller, reply};
    let state = caller::state()?;
    let result: Result<Option<CardNotice>, Refusal> = async {
        let citizen: caller::Citizen = caller::caller(&state).await?;
        let now = crate::identity::web::now();
        let revoked = super::card::revoke(&state.db, &citizen.account_id, now)
            .await
            .map_err(|e| Refusal::unavailable("revoking a printed card", e))?;
        if !revoked {
            return Ok(None);
        }
        crate::access::service::audit(&state.db, Some(&citizen.account_id), "qr_card_revoked", Some(&citizen.account_id), "", now)
            .await
            .ok();
        Ok(Some(CardNotice::Revoked))
    }
    .await;
    reply::finish_form(&state, "/me/qr/card", CARD_FLASH, &result, &result).await;
    result
}

// ---- the counter (/counter/scan): staff with the service-operator role --------------------------------------------

/// The counter page's data: the operator's organizations and their places, and what the last form answered (the
/// verdict, shown once: a reload shows the form afresh, and the copy kept for use without network never has it).
#[server(prefix = "/api", endpoint = "counter/page", input = GetUrl)]
pub async fn counter_page() -> Result<CounterPageData, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let operator = super::counter::operator(&state).await?;
    reply::no_store();
    let kept: Option<CounterPageData> = flash::take(&state, super::counter::FLASH).await;
    if kept.is_some() {
        reply::not_kept_offline();
    }
    super::counter::page(&state, &operator, kept).await
}

/// Checks a pasted code (or the one the camera read, which the island `counter_scan::CounterCheck` sends) for the
/// operator's organization and purpose, at a place when one is chosen, and records the check. The text box is empty
/// again after a check. A photo is sent by the form's other button, to [`check_photo`](super::counter::check_photo).
#[server(prefix = "", endpoint = "counter/scan")]
pub async fn check_code(
    #[server(default)] token: String,
    #[server(default)] organization: String,
    #[server(default)] purpose: String,
    #[server(default)] place: String,
    #[server(default)] direction: String,
    // a file field posted without multipart: only its file name, which says a photo was chosen
    #[server(default)] photo: String,
) -> Result<CounterOutcome, CounterError> {
    use super::counter::{self, CheckInput};
    let state = crate::web::caller::state()?;
    let input = CheckInput { token, organization, purpose, place, direction };
    let read = input.typed_code(!photo.is_empty());
    let (result, page) = counter::check_as_caller(&state, &input, read).await;
    crate::web::reply::finish_form(&state, counter::BACK, counter::FLASH, &result, page).await;
    result
}

/// Registers a place with entry control for one of the operator's organizations.
#[server(prefix = "", endpoint = "counter/places")]
pub async fn add_place(
    #[server(default)] name: String,
    #[server(default)] organization: String,
) -> Result<(), CounterError> {
    use super::counter;
    let state = crate::web::caller::state()?;
    let mut page = CounterPageData::default();
    let result = match counter::operator(&state).await {
        Ok(operator) => counter::register_place(&state, &operator, &organization, &name, &mut page).await,
        Err(refusal) => {
            page.failed = true;
            Err(refusal.into())
        }
    };
    crate::web::reply::finish_form(&state, counter::BACK, counter::FLASH, &result, page).await;
    result
}
