//! The pages of moving an account: change the number (old phone works), recovery codes, recovering with a code,
//! the helper's assisted move, and the cancel link sent to the old number. Plain forms; no script needed, but for
//! the optional card scan on the helper's page (an island, [`CardScan`]).
use leptos::prelude::*;

use super::api::{
    CancelMove, ConfirmAssistedMove, ConfirmChange, ConfirmRecovery, MakeRecoveryCodes, ResendAssistedCode,
    ResendRecoveryCode, SendChangeCodes, StartAssistedMove, StartRecovery,
};
use super::domain::{IdentityCheck, RecoveryCodeError};
use super::{
    AssistMovePageData, CancelPageData, ChangePageData, CodesPageData, MoveField, MoveNotice, MoveProblem, RecoverPageData,
    problem_of,
};
use crate::family::ui::radios;
use crate::i18n::*;
use crate::identity::ui::{NoticeBox, problem_text};
use crate::qr::card_scan::{CardScan, CardScanText};
use crate::shell::{ErrorNotice, Input, code_input, input, notice, optional_text};

type I18n = leptos_i18n::I18nContext<Locale>;

fn move_problem_text(i18n: I18n, p: MoveProblem) -> &'static str {
    match p {
        MoveProblem::Identity(p) => problem_text(i18n, p),
        MoveProblem::RecoveryCode(RecoveryCodeError::Empty) => t_string!(i18n, recovery.err_code_empty),
        MoveProblem::RecoveryCode(RecoveryCodeError::Format) => t_string!(i18n, recovery.err_code_format),
        MoveProblem::SamePhone => t_string!(i18n, recovery.err_same_phone),
    }
}

fn field_name(i18n: I18n, f: &str) -> &'static str {
    match f {
        "full_name" => t_string!(i18n, me.field_full_name),
        "birth_date" => t_string!(i18n, me.field_birth_date),
        _ => t_string!(i18n, recovery.field_sex),
    }
}

/// The notice of a move page; a code's answer is worded as on the sign-in pages.
fn show_notice(i18n: I18n, n: Option<MoveNotice>) -> impl IntoView {
    let s = |t: &str| t.to_owned();
    n.map(|n| {
        let (text, error) = match n {
            MoveNotice::Code(code) => return view! { <NoticeBox notice=Some(code) /> }.into_any(),
            MoveNotice::CodeOld(code) => {
                return view! { <p class="meta">{t!(i18n, recovery.about_old_code)}</p> <NoticeBox notice=Some(code) /> }
                    .into_any();
            }
            MoveNotice::CodeNew(code) => {
                return view! { <p class="meta">{t!(i18n, recovery.about_new_code)}</p> <NoticeBox notice=Some(code) /> }
                    .into_any();
            }
            MoveNotice::CodesSent => (s(t_string!(i18n, recovery.codes_sent)), false),
            MoveNotice::CodeSentToNew => (s(t_string!(i18n, recovery.code_sent_new)), false),
            MoveNotice::PhoneTaken => (s(t_string!(i18n, recovery.phone_taken)), true),
            MoveNotice::WrongRecovery => (s(t_string!(i18n, recovery.wrong_recovery)), true),
            MoveNotice::Locked => (s(t_string!(i18n, recovery.locked)), true),
            MoveNotice::StepOver => (s(t_string!(i18n, recovery.step_over)), true),
            MoveNotice::NotInWard => (s(t_string!(i18n, recovery.not_in_ward)), true),
            MoveNotice::Mismatch(fields) => {
                let names = fields.iter().map(|f| field_name(i18n, f)).collect::<Vec<_>>().join(", ");
                (t_string!(i18n, recovery.mismatch).replace("%fields%", &names), true)
            }
            MoveNotice::RegistryMismatch => (s(t_string!(i18n, recovery.registry_mismatch)), true),
            MoveNotice::RegistryUnavailable => (s(t_string!(i18n, recovery.registry_unavailable)), true),
            MoveNotice::HelperLimit => (s(t_string!(i18n, recovery.helper_limit)), true),
            MoveNotice::Scheduled { to, due } => {
                (t_string!(i18n, recovery.scheduled).replace("%to%", &to).replace("%due%", &due), false)
            }
            MoveNotice::Failed => (s(t_string!(i18n, recovery.failed)), true),
        };
        notice(text, error).into_any()
    })
}

fn phone_input(id: &'static str, label: &'static str, value: String, error: Option<&'static str>) -> impl IntoView {
    input(Input {
        id,
        label,
        hint: None,
        value,
        error,
        input_type: "tel",
        autocomplete: "off",
        inputmode: Some("tel"),
        required: true,
    })
}

/// GET /me/phone: loads its data through [`change_phone_page`](super::api::change_phone_page) before it answers.
#[component]
pub fn ChangePhonePage() -> impl IntoView {
    crate::shell::loaded((), |_| super::api::change_phone_page(), change_view)
}

fn change_view(state: ChangePageData) -> impl IntoView {
    let i18n = use_i18n();
    let err = |f| problem_of(&state.problems, f).map(|p| move_problem_text(i18n, p));
    let current = state.current.clone();
    let send_form = view! {
        {phone_input("new_phone", t_string!(i18n, recovery.new_phone_label), state.new_phone.clone(), err(MoveField::NewPhone))}
        <button type="submit" class="button" class:button--secondary=state.sent>{t!(i18n, recovery.send_both)}</button>
    };
    let confirm_form = state.sent.then(|| {
        let fields = view! {
            <input type="hidden" name="new_phone" value=state.new_phone.clone() />
            {code_input("code_old", t_string!(i18n, recovery.code_old_label), None)}
            {code_input("code_new", t_string!(i18n, recovery.code_new_label), None)}
            <p class="hint">{t!(i18n, recovery.change_effect)}</p>
            <button type="submit" class="button">{t!(i18n, recovery.change_button)}</button>
        };
        view! {
            <ActionForm action={ServerAction::<ConfirmChange>::new()} attr:class="card" attr:novalidate=true>
                {fields}
            </ActionForm>
        }
    });
    view! {
        <h1>{t!(i18n, recovery.change_title)}</h1>
        <p>{t!(i18n, recovery.change_intro, phone = move || current.clone())}</p>
        {show_notice(i18n, state.notice.clone())}
        <ActionForm action={ServerAction::<SendChangeCodes>::new()} attr:class="card" attr:novalidate=true>
            {send_form}
        </ActionForm>
        {confirm_form}
        <p><a href="/me">{t!(i18n, recovery.back)}</a></p>
    }
}

/// GET /me/recovery
#[component]
pub fn RecoveryCodesPage() -> impl IntoView {
    crate::shell::loaded((), |_| super::api::recovery_codes_page(), codes_view)
}

fn codes_view(state: CodesPageData) -> impl IntoView {
    let i18n = use_i18n();
    let left = state.left;
    let made = state.made_on.clone().unwrap_or_default();
    let fresh = state.fresh.clone();
    let make_form = view! {
        {(left > 0 || !fresh.is_empty()).then(|| view! { <p class="hint">{t!(i18n, recovery.codes_replace)}</p> })}
        <button type="submit" class="button" class:button--secondary=!fresh.is_empty()>{t!(i18n, recovery.codes_make)}</button>
    };
    view! {
        <h1>{t!(i18n, recovery.codes_title)}</h1>
        <p>{t!(i18n, recovery.codes_intro)}</p>
        {state.failed.then(|| view! { <ErrorNotice /> })}
        {(!fresh.is_empty()).then(|| view! {
            <section class="card codes" aria-labelledby="codes-new" data-testid="recovery-codes">
                <h2 id="codes-new">{t!(i18n, recovery.codes_new)}</h2>
                <p class="notice notice--error" role="status">{t!(i18n, recovery.codes_once)}</p>
                <ol class="code-list">
                    {fresh.iter().map(|c| view! { <li><code>{c.clone()}</code></li> }).collect_view()}
                </ol>
                <p class="hint">{t!(i18n, recovery.codes_keep)}</p>
            </section>
        })}
        {fresh.is_empty().then(|| view! {
            <section class="card">
                {if left > 0 {
                    view! { <p data-testid="codes-left">{t_string!(i18n, recovery.codes_left).replace("%n%", &left.to_string()).replace("%date%", &made)}</p> }.into_any()
                } else {
                    view! { <p class="notice notice--error" role="status" data-testid="codes-left">{t!(i18n, recovery.codes_none)}</p> }.into_any()
                }}
            </section>
        })}
        <ActionForm action={ServerAction::<MakeRecoveryCodes>::new()} attr:class="card">
            {make_form}
        </ActionForm>
        <p><a href="/me">{t!(i18n, recovery.back)}</a></p>
    }
}

/// GET /recover: the old phone is lost. Loads what its last form answered through
/// [`recover_page`](super::api::recover_page).
#[component]
pub fn RecoverPage() -> impl IntoView {
    crate::shell::loaded((), |_| super::api::recover_page(), recover_view)
}

fn recover_view(state: RecoverPageData) -> impl IntoView {
    let i18n = use_i18n();
    let err = |f| problem_of(&state.problems, f).map(|p| move_problem_text(i18n, p));
    let step = match state.token.clone() {
        None => {
            let fields = view! {
                {phone_input("phone", t_string!(i18n, recovery.old_phone_label), state.phone.clone(), err(MoveField::Phone))}
                {input(Input {
                    id: "recovery_code",
                    label: t_string!(i18n, recovery.recovery_code_label),
                    hint: Some(t_string!(i18n, recovery.recovery_code_hint)),
                    value: String::new(),
                    error: err(MoveField::RecoveryCode),
                    input_type: "text",
                    autocomplete: "off",
                    inputmode: None,
                    required: true,
                })}
                {phone_input("new_phone", t_string!(i18n, recovery.new_phone_label), state.new_phone.clone(), err(MoveField::NewPhone))}
                <button type="submit" class="button">{t!(i18n, recovery.recover_button)}</button>
            };
            view! {
                <ActionForm action={ServerAction::<StartRecovery>::new()} attr:class="card" attr:novalidate=true>
                    {fields}
                </ActionForm>
                <section class="card">
                    <h2>{t!(i18n, recovery.no_codes_title)}</h2>
                    <p>{t!(i18n, recovery.no_codes_body)}</p>
                </section>
            }
            .into_any()
        }
        Some(token) => {
            let to = state.new_phone.clone();
            let confirm_fields = view! {
                <input type="hidden" name="token" value=token.clone() />
                <p>{t!(i18n, recovery.code_went_to, phone = move || to.clone())}</p>
                {code_input("code", t_string!(i18n, recovery.code_new_label), None)}
                <p class="hint">{t!(i18n, recovery.change_effect)}</p>
                <button type="submit" class="button">{t!(i18n, recovery.change_button)}</button>
            };
            let resend_fields = view! {
                <input type="hidden" name="token" value=token />
                <p class="hint">{t!(i18n, recovery.resend_hint)}</p>
                <button type="submit" class="button button--secondary">{t!(i18n, auth.resend)}</button>
            };
            view! {
                <ActionForm action={ServerAction::<ConfirmRecovery>::new()} attr:class="card" attr:novalidate=true>
                    {confirm_fields}
                </ActionForm>
                <ActionForm action={ServerAction::<ResendRecoveryCode>::new()} attr:class="resend">
                    {resend_fields}
                </ActionForm>
            }
            .into_any()
        }
    };
    view! {
        <h1>{t!(i18n, recovery.recover_title)}</h1>
        <p>{t!(i18n, recovery.recover_intro)}</p>
        {show_notice(i18n, state.notice.clone())}
        {step}
    }
}

fn check_choices(i18n: I18n) -> Vec<(&'static str, &'static str)> {
    IdentityCheck::ALL
        .into_iter()
        .map(|c| {
            let label = match c {
                IdentityCheck::CardInPerson => t_string!(i18n, recovery.check_card),
                IdentityCheck::CardChip => t_string!(i18n, recovery.check_chip),
                IdentityCheck::Vneid => t_string!(i18n, recovery.check_vneid),
            };
            (c.as_str(), label)
        })
        .collect()
}

/// GET /assist/move: for ward officers and community team members. Loads what its last form answered through
/// [`assist_move_page`](super::api::assist_move_page), which also refuses anyone else.
#[component]
pub fn AssistMovePage() -> impl IntoView {
    crate::shell::loaded_with_islands((), |_| super::api::assist_move_page(), assist_view)
}

fn assist_view(state: AssistMovePageData) -> impl IntoView {
    let i18n = use_i18n();
    let err = |f| problem_of(&state.problems, f).map(|p| move_problem_text(i18n, p));
    let v = state.input.clone();
    let text = |id, label, hint, value: String, field, inputmode| {
        input(Input { id, label, hint, value, error: err(field), input_type: "text", autocomplete: "off", inputmode, required: true })
    };
    let step = match state.token.clone() {
        None => {
            let sex_choices = vec![("male", t_string!(i18n, auth.sex_male)), ("female", t_string!(i18n, auth.sex_female))];
            let fields = view! {
                <section class="card">
                    <h2>{t!(i18n, recovery.card_title)}</h2>
                    <CardScan text=CardScanText::new(i18n) />
                    {text("citizen_id", t_string!(i18n, auth.id_label), Some(t_string!(i18n, auth.id_hint)), v.citizen_id.clone(), MoveField::CitizenId, Some("numeric"))}
                    {text("full_name", t_string!(i18n, auth.name_label), None, v.full_name.clone(), MoveField::FullName, None)}
                    {text("birth_date", t_string!(i18n, auth.birth_label), Some(t_string!(i18n, auth.birth_hint)), v.birth_date.clone(), MoveField::BirthDate, Some("numeric"))}
                    {radios("sex", t_string!(i18n, auth.sex_label), sex_choices, v.sex.clone(), err(MoveField::Sex))}
                    {radios("checked_how", t_string!(i18n, recovery.checked_how_label), check_choices(i18n), v.checked_how.clone(), err(MoveField::CheckedHow))}
                    {optional_text("note", t_string!(i18n, recovery.note_label), Some(t_string!(i18n, recovery.note_hint)), v.note.clone())}
                </section>
                <section class="card">
                    {phone_input("new_phone", t_string!(i18n, recovery.new_phone_label), v.new_phone.clone(), err(MoveField::NewPhone))}
                    <p class="hint">{t!(i18n, recovery.assist_wait_hint)}</p>
                    <button type="submit" class="button">{t!(i18n, recovery.assist_send)}</button>
                </section>
            };
            view! {
                <ActionForm
                    action={ServerAction::<StartAssistedMove>::new()}
                    attr:id="move-form"
                    attr:class="stack"
                    attr:novalidate=true
                >
                    {fields}
                </ActionForm>
            }
            .into_any()
        }
        Some(token) => {
            let to = v.new_phone.clone();
            let confirm_fields = view! {
                <input type="hidden" name="token" value=token.clone() />
                <p>{t!(i18n, recovery.code_went_to, phone = move || to.clone())}</p>
                {code_input("code", t_string!(i18n, recovery.code_new_label), Some(t_string!(i18n, recovery.assist_code_hint)))}
                <button type="submit" class="button">{t!(i18n, recovery.assist_confirm)}</button>
            };
            let resend_fields = view! {
                <input type="hidden" name="token" value=token />
                <p class="hint">{t!(i18n, recovery.resend_hint)}</p>
                <button type="submit" class="button button--secondary">{t!(i18n, auth.resend)}</button>
            };
            view! {
                <ActionForm action={ServerAction::<ConfirmAssistedMove>::new()} attr:class="card" attr:novalidate=true>
                    {confirm_fields}
                </ActionForm>
                <ActionForm action={ServerAction::<ResendAssistedCode>::new()} attr:class="resend">
                    {resend_fields}
                </ActionForm>
            }
            .into_any()
        }
    };
    view! {
        <h1>{t!(i18n, recovery.assist_title)}</h1>
        <p>{t!(i18n, recovery.assist_intro)}</p>
        {show_notice(i18n, state.notice.clone())}
        {step}
    }
}

/// `/move/cancel/{token}`: the link in the message to the old number. Loads what is waiting through
/// [`cancel_move_page`](super::api::cancel_move_page) before it answers; the button posts (a link preview must not
/// cancel anything).
#[component]
pub fn CancelMovePage() -> impl IntoView {
    let token = leptos_router::hooks::use_params_map().with_untracked(|p| p.get("token").unwrap_or_default());
    crate::shell::loaded(token, super::api::cancel_move_page, cancel_view)
}

fn cancel_view(state: CancelPageData) -> impl IntoView {
    let i18n = use_i18n();
    let body = if state.cancelled {
        notice(t_string!(i18n, recovery.cancelled), false).into_any()
    } else if let Some((to, due)) = state.waiting.clone() {
        let fields = view! {
            <input type="hidden" name="token" value=state.token.clone() />
            <button type="submit" class="button button--danger">{t!(i18n, recovery.cancel_button)}</button>
        };
        view! {
            <section class="card">
                <p>{t_string!(i18n, recovery.cancel_body).replace("%to%", &to).replace("%due%", &due)}</p>
                <ActionForm action={ServerAction::<CancelMove>::new()}>{fields}</ActionForm>
            </section>
        }
        .into_any()
    } else {
        notice(t_string!(i18n, recovery.cancel_gone), true).into_any()
    };
    view! {
        <h1>{t!(i18n, recovery.cancel_title)}</h1>
        {state.failed.then(|| view! { <ErrorNotice /> })}
        {body}
    }
}
