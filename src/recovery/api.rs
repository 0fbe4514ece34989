//! Server functions of moving an account to a new number and of recovery codes. Each move page loads what its
//! last form answered; each form, posted by a browser without JavaScript, sends it back (303) to its page with what
//! was typed, each problem, the notice and the step it reached (a step's token travels in the form, as before) kept
//! in the flash. A move that happened ends every session: the person is sent to sign in (`/signin?moved=1`). A new
//! set of recovery codes is shown once, on the page the browser is sent to after the post (a reload shows the
//! codes left, never a second new set).
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use super::{
    AssistMoveInput, AssistMovePageData, CancelPageData, ChangePageData, CodesPageData, MoveField, MoveNotice,
    MoveProblem, RecoverPageData,
};
use crate::web::Refusal;

/// Why a move form did not (yet) move anything: the caller, fields that break a rule, or a notice about the whole
/// form (a code's answer, a number already taken, a step that is over, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum MoveFormError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Fields that break a rule, each with why.
    #[error("some fields break a rule")]
    Invalid { problems: Vec<(MoveField, MoveProblem)> },
    #[error("refused: {0:?}")]
    Notice(MoveNotice),
}

crate::form_error!(MoveFormError);


#[cfg(feature = "ssr")]
impl MoveFormError {
    /// What this answer shows on the form's page: the problems next to their fields, or a notice.
    fn shown(&self) -> (Vec<(MoveField, MoveProblem)>, Option<MoveNotice>) {
        match self {
            MoveFormError::Invalid { problems } => (problems.clone(), None),
            MoveFormError::Notice(notice) => (Vec::new(), Some(notice.clone())),
            MoveFormError::Refused(_) => (Vec::new(), Some(MoveNotice::Failed)),
        }
    }
}

/// What a form's answer shows on its page: the notice of a step done, or the failure's.
#[cfg(feature = "ssr")]
fn shown(result: &Result<MoveNotice, MoveFormError>) -> (Vec<(MoveField, MoveProblem)>, Option<MoveNotice>) {
    match result {
        Ok(notice) => (Vec::new(), Some(notice.clone())),
        Err(e) => e.shown(),
    }
}

/// The account moved and every session ended: this browser is signed out, and the sign-in page says why.
#[cfg(feature = "ssr")]
fn moved(state: &crate::web::AppState) {
    use crate::web::reply;
    reply::append_cookie(&crate::identity::web::session_cookie(state, "", 0));
    reply::see_other("/signin?moved=1");
}

/// The flash's form names: a set of codes just made, and each move page's last answer.
#[cfg(feature = "ssr")]
const CODES_FLASH: &str = "recovery_codes";
#[cfg(feature = "ssr")]
const CHANGE_FLASH: &str = "move_change";
#[cfg(feature = "ssr")]
const RECOVER_FLASH: &str = "move_recover";
#[cfg(feature = "ssr")]
const ASSIST_FLASH: &str = "move_assist";
#[cfg(feature = "ssr")]
const CANCEL_FLASH: &str = "move_cancel";

// ---- recovery codes ------------------------------------------------------------------------------------------

/// The page's data: how many codes are left, and a set just made (once).
#[server(prefix = "/api", endpoint = "recovery/codes", input = GetUrl)]
pub async fn recovery_codes_page() -> Result<CodesPageData, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let citizen: caller::Citizen = caller::caller(&state).await?;
    reply::no_store();
    let made: Option<Result<Vec<String>, Refusal>> = flash::take(&state, CODES_FLASH).await;
    let (left, made_on) = super::service::codes_left(&state.db, &citizen.account_id)
        .await
        .map_err(|e| Refusal::unavailable("reading recovery codes", e))?;
    Ok(CodesPageData {
        left,
        made_on: made_on.map(|t| crate::identity::domain::Date::from_unix_vietnam(t).dmy()),
        fresh: made.as_ref().and_then(|m| m.as_ref().ok()).cloned().unwrap_or_default(),
        failed: made.is_some_and(|m| m.is_err()),
    })
}

/// A new set of ten codes ("ABCDE-FGHJK"); the old set stops working.
#[server(prefix = "", endpoint = "me/recovery")]
pub async fn make_recovery_codes() -> Result<Vec<String>, Refusal> {
    use crate::web::{caller, reply};
    let state = caller::state()?;
    let result = async {
        let citizen: caller::Citizen = caller::caller(&state).await?;
        let codes = super::service::new_set(&state.db, &state.secret, &citizen.account_id, crate::identity::web::now())
            .await
            .map_err(|e| Refusal::unavailable("making recovery codes", e))?;
        Ok::<_, Refusal>(codes.iter().map(super::domain::RecoveryCode::display).collect::<Vec<String>>())
    }
    .await;
    reply::finish_form(&state, "/me/recovery", CODES_FLASH, &result, &result).await;
    result
}

// ---- path 1: the old phone still works (`/me/phone`) ----------------------------------------------------------

/// The change page's data: the account's number now, and what its last form answered.
#[server(prefix = "/api", endpoint = "recovery/phone", input = GetUrl)]
pub async fn change_phone_page() -> Result<ChangePageData, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let citizen: caller::Citizen = caller::caller(&state).await?;
    reply::no_store();
    let kept: Option<ChangePageData> = flash::take(&state, CHANGE_FLASH).await;
    let current = super::web::own_phone(&state, &citizen.account_id).await?;
    Ok(ChangePageData { current: current.national(), ..kept.unwrap_or_default() })
}

/// A code to the account's number and one to the new number.
#[server(prefix = "", endpoint = "me/phone")]
pub async fn send_change_codes(#[server(default)] new_phone: String) -> Result<MoveNotice, MoveFormError> {
    let state = crate::web::caller::state()?;
    let mut page = ChangePageData { new_phone: new_phone.clone(), ..ChangePageData::default() };
    let result = super::web::change_send(&state, &new_phone, &mut page).await;
    (page.problems, page.notice) = shown(&result);
    crate::web::reply::finish_form(&state, "/me/phone", CHANGE_FLASH, &result, page).await;
    result
}

/// Both codes: the account moves to the new number and every session ends.
#[server(prefix = "", endpoint = "me/phone/confirm")]
pub async fn confirm_change(
    #[server(default)] new_phone: String,
    #[server(default)] code_old: String,
    #[server(default)] code_new: String,
) -> Result<(), MoveFormError> {
    use crate::web::reply;
    let state = crate::web::caller::state()?;
    let mut page = ChangePageData { new_phone: new_phone.clone(), sent: true, ..ChangePageData::default() };
    let result = super::web::change_confirm(&state, &new_phone, &code_old, &code_new, &mut page).await;
    match &result {
        Ok(()) => moved(&state),
        // the step's number is none (the form was not this page's): the page afresh
        Err(MoveFormError::Refused(Refusal::BadRequest)) => reply::see_other("/me/phone"),
        Err(e) => {
            (page.problems, page.notice) = e.shown();
            reply::finish_form(&state, "/me/phone", CHANGE_FLASH, &result, page).await;
        }
    }
    result
}

/// The owner, signed in, cancels the assisted move waiting on their account (the button on `/me`). True: there
/// was one.
#[server(prefix = "", endpoint = "me/phone/cancel")]
pub async fn cancel_own_move() -> Result<bool, Refusal> {
    use crate::web::reply;
    let state = crate::web::caller::state()?;
    let result = super::web::cancel_own(&state).await;
    match &result {
        Ok(true) => reply::see_other("/me?move=cancelled"),
        Ok(false) => reply::see_other("/me"),
        Err(refusal) => match refusal.page() {
            Some(page) => reply::see_other(page),
            None => reply::set_status(refusal.status()),
        },
    }
    result
}

// ---- path 2: a recovery code and the new phone's code (`/recover`, signed out) --------------------------------

/// The recover page's data: what its last form answered, or nothing.
#[server(prefix = "/api", endpoint = "recovery/recover", input = GetUrl)]
pub async fn recover_page() -> Result<RecoverPageData, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    reply::no_store();
    let kept: Option<RecoverPageData> = flash::take(&state, RECOVER_FLASH).await;
    Ok(kept.unwrap_or_default())
}

/// The account's number, a recovery code and the new number; then a code to the new number (the second step).
#[server(prefix = "", endpoint = "recover")]
pub async fn start_recovery(
    #[server(default)] phone: String,
    #[server(default)] recovery_code: String,
    #[server(default)] new_phone: String,
) -> Result<MoveNotice, MoveFormError> {
    let state = crate::web::caller::state()?;
    // the recovery code is never shown back
    let mut page = RecoverPageData { phone: phone.clone(), new_phone: new_phone.clone(), ..RecoverPageData::default() };
    let result = super::web::recover_start(&state, &phone, &recovery_code, &new_phone, &mut page).await;
    (page.problems, page.notice) = shown(&result);
    crate::web::reply::finish_form(&state, "/recover", RECOVER_FLASH, &result, page).await;
    result
}

/// The new number's code: the account moves and every session ends.
#[server(prefix = "", endpoint = "recover/confirm")]
pub async fn confirm_recovery(
    #[server(default)] token: String,
    #[server(default)] code: String,
) -> Result<(), MoveFormError> {
    let state = crate::web::caller::state()?;
    let mut page = RecoverPageData::default();
    let result = super::web::recover_confirm(&state, &token, &code, &mut page).await;
    match &result {
        Ok(()) => moved(&state),
        Err(e) => {
            (page.problems, page.notice) = e.shown();
            crate::web::reply::finish_form(&state, "/recover", RECOVER_FLASH, &result, page).await;
        }
    }
    result
}

/// The new number's code again (after the wait), on the same step: no second recovery code is asked for.
#[server(prefix = "", endpoint = "recover/resend")]
pub async fn resend_recovery_code(#[server(default)] token: String) -> Result<MoveNotice, MoveFormError> {
    let state = crate::web::caller::state()?;
    let mut page = RecoverPageData::default();
    let result = super::web::recover_resend(&state, &token, &mut page).await;
    (page.problems, page.notice) = shown(&result);
    crate::web::reply::finish_form(&state, "/recover", RECOVER_FLASH, &result, page).await;
    result
}

// ---- path 3: assisted, by a ward officer or a community team member (`/assist/move`) --------------------------

/// The assisted move page's data, for helpers only: what its last form answered, or nothing.
#[server(prefix = "/api", endpoint = "recovery/assist", input = GetUrl)]
pub async fn assist_move_page() -> Result<AssistMovePageData, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    super::web::helper(&state).await?;
    reply::no_store();
    let kept: Option<AssistMovePageData> = flash::take(&state, ASSIST_FLASH).await;
    Ok(kept.unwrap_or_default())
}

/// The card's details (an active account of the helper's wards, and at level 2 the population registry's) and the
/// new number; then a code to the new number, which the person reads out.
#[server(prefix = "", endpoint = "assist/move")]
pub async fn start_assisted_move(#[server(flatten)] input: AssistMoveInput) -> Result<MoveNotice, MoveFormError> {
    let state = crate::web::caller::state()?;
    let mut page = AssistMovePageData { input: input.clone(), ..AssistMovePageData::default() };
    let result = super::web::assist_start(&state, &input, &mut page).await;
    (page.problems, page.notice) = shown(&result);
    crate::web::reply::finish_form(&state, "/assist/move", ASSIST_FLASH, &result, page).await;
    result
}

/// The new number's code, read out by the person: the move waits its period, and the old number gets a link to
/// cancel it.
#[server(prefix = "", endpoint = "assist/move/confirm")]
pub async fn confirm_assisted_move(
    #[server(default)] token: String,
    #[server(default)] code: String,
) -> Result<MoveNotice, MoveFormError> {
    let state = crate::web::caller::state()?;
    let mut page = AssistMovePageData::default();
    let result = super::web::assist_confirm(&state, &token, &code, &mut page).await;
    (page.problems, page.notice) = shown(&result);
    crate::web::reply::finish_form(&state, "/assist/move", ASSIST_FLASH, &result, page).await;
    result
}

/// The new number's code again (after the wait), on the same step.
#[server(prefix = "", endpoint = "assist/move/resend")]
pub async fn resend_assisted_code(#[server(default)] token: String) -> Result<MoveNotice, MoveFormError> {
    let state = crate::web::caller::state()?;
    let mut page = AssistMovePageData::default();
    let result = super::web::assist_resend(&state, &token, &mut page).await;
    (page.problems, page.notice) = shown(&result);
    crate::web::reply::finish_form(&state, "/assist/move", ASSIST_FLASH, &result, page).await;
    result
}

// ---- the old number cancels an assisted move (`/move/cancel/{token}`, the link in the message) ------------------

/// The cancel link's page data: the move waiting (or nothing, any more), and what its button just did. No sign-in:
/// the link is the proof.
#[server(prefix = "/api", endpoint = "recovery/cancel", input = GetUrl)]
pub async fn cancel_move_page(#[server(default)] token: String) -> Result<CancelPageData, Refusal> {
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    reply::no_store();
    let kept: Option<Result<bool, Refusal>> = flash::take(&state, CANCEL_FLASH).await;
    let page = super::web::cancel_page(&state, &super::web::link_token(&token)).await?;
    Ok(CancelPageData { cancelled: matches!(kept, Some(Ok(true))), failed: matches!(kept, Some(Err(_))), ..page })
}

/// Cancels the move the link names (true: there was one waiting). Back to the link's page, which says so.
#[server(prefix = "", endpoint = "move/cancel")]
pub async fn cancel_move(#[server(default)] token: String) -> Result<bool, Refusal> {
    let state = crate::web::caller::state()?;
    let token = super::web::link_token(&token);
    let result = super::web::cancel_link(&state, &token).await;
    crate::web::reply::finish_form(&state, &format!("/move/cancel/{token}"), CANCEL_FLASH, &result, &result).await;
    result
}
