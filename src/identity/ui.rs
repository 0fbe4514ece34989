//! Sign-up, sign-in, code entry, "my account" and "my sessions" pages. Plain forms that post to their server
//! functions: they work before (and without) the WASM. Each page loads its data (and what its last form answered)
//! through a server function before it answers.
use leptos::prelude::*;

use super::domain::{CitizenIdError, DateError, NameError, PhoneError};
use super::{
    AccountView, Field, FormState, Notice, OutboxPageData, Problem, SecondFactorPageData, SecurityPageData,
    SessionsPageData, SignUpInput, VerifyPageData,
};
use super::api::{
    CheckSecondFactor, EmailSignInCode, GiveConsent, ResendCode, RevokeAllSessions, RevokeSession, SignIn, SignOut,
    SignUp, VerifyCode,
};
use crate::orgs::api::AnswerEmployer;
use crate::i18n::*;
use crate::qr::card_scan::{CardScan, CardScanText};
use crate::shell::RefusedPage;

pub(crate) fn problem_text(i18n: leptos_i18n::I18nContext<Locale>, problem: Problem) -> &'static str {
    match problem {
        Problem::Phone(PhoneError::Empty) => t_string!(i18n, auth.err_phone_empty),
        Problem::Phone(PhoneError::NotDigits) => t_string!(i18n, auth.err_phone_digits),
        Problem::Phone(PhoneError::WrongLength) => t_string!(i18n, auth.err_phone_length),
        Problem::Phone(PhoneError::NotMobile) => t_string!(i18n, auth.err_phone_mobile),
        Problem::Name(NameError::Empty) => t_string!(i18n, auth.err_name_empty),
        Problem::Name(NameError::OneWord) => t_string!(i18n, auth.err_name_one_word),
        Problem::Name(NameError::TooLong) => t_string!(i18n, auth.err_name_long),
        Problem::Name(NameError::BadCharacters) => t_string!(i18n, auth.err_name_chars),
        Problem::Date(DateError::Empty) => t_string!(i18n, auth.err_date_empty),
        Problem::Date(DateError::Format) => t_string!(i18n, auth.err_date_format),
        Problem::Date(DateError::NoSuchDay) => t_string!(i18n, auth.err_date_no_day),
        Problem::Date(DateError::InFuture) => t_string!(i18n, auth.err_date_future),
        Problem::Date(DateError::TooOld) => t_string!(i18n, auth.err_date_old),
        Problem::SexMissing => t_string!(i18n, auth.err_sex),
        Problem::CitizenId(CitizenIdError::Empty) => t_string!(i18n, auth.err_id_empty),
        Problem::CitizenId(CitizenIdError::NotTwelveDigits) => t_string!(i18n, auth.err_id_digits),
        Problem::CitizenId(CitizenIdError::UnknownProvince) => t_string!(i18n, auth.err_id_province),
        Problem::CitizenId(CitizenIdError::SexCenturyMismatch) => t_string!(i18n, auth.err_id_sex_century),
        Problem::CitizenId(CitizenIdError::BirthYearMismatch) => t_string!(i18n, auth.err_id_year),
        Problem::ConsentMissing => t_string!(i18n, auth.err_consent),
        Problem::NotAChild => t_string!(i18n, family.err_not_a_child),
        Problem::ChoiceMissing => t_string!(i18n, family.err_choice),
        Problem::UntilInvalid => t_string!(i18n, family.err_until),
        Problem::TooYoung => t_string!(i18n, team.err_too_young),
        Problem::Repeated => t_string!(i18n, team.err_repeated),
    }
}

/// A message about the whole form, in a live region so screen readers announce it.
#[component]
pub(crate) fn NoticeBox(notice: Option<Notice>) -> impl IntoView {
    let i18n = use_i18n();
    notice.map(|notice| {
        let error = !matches!(
            notice,
            Notice::CodeSent
                | Notice::SessionRevoked
                | Notice::SignedOutEverywhere
                | Notice::AppEnabled
                | Notice::AppDisabled
                | Notice::LostPhoneDone
                | Notice::CardRead
                | Notice::PhoneMoved
                | Notice::EmailCodeSent
                | Notice::EmailVerified
                | Notice::EmailRemoved
        );
        let text = match notice {
            Notice::PhoneTaken => view! {
                {t!(i18n, auth.notice_phone_taken)} " " <a href="/signin">{t!(i18n, auth.signin_instead)}</a>
            }
            .into_any(),
            Notice::CitizenIdTaken => view! {
                {t!(i18n, auth.notice_id_taken)} " " <a href="/signin">{t!(i18n, auth.signin_instead)}</a>
            }
            .into_any(),
            Notice::CodeSent => t!(i18n, auth.notice_code_sent).into_any(),
            Notice::CodeWrong { tries_left } => t!(i18n, auth.notice_code_wrong, left = move || tries_left).into_any(),
            Notice::CodeExpired => t!(i18n, auth.notice_code_expired).into_any(),
            Notice::CodeDead => t!(i18n, auth.notice_code_dead).into_any(),
            Notice::NoCode => t!(i18n, auth.notice_no_code).into_any(),
            Notice::ResendTooSoon { seconds } => t!(i18n, auth.notice_too_soon, seconds = move || seconds).into_any(),
            Notice::TooManyCodes { minutes } => t!(i18n, auth.notice_too_many, minutes = move || minutes).into_any(),
            Notice::SmsFailed => t!(i18n, auth.notice_sms_failed).into_any(),
            Notice::SignUpExpired => t!(i18n, auth.notice_signup_expired).into_any(),
            Notice::SessionRevoked => t!(i18n, sessions.revoked).into_any(),
            Notice::SignedOutEverywhere => t!(i18n, sessions.all_revoked).into_any(),
            Notice::AppCodeWrong { tries_left: Some(left) } => {
                t!(i18n, security.code_wrong_left, left = move || left).into_any()
            }
            Notice::AppCodeWrong { tries_left: None } => t!(i18n, security.code_wrong).into_any(),
            Notice::AppEnabled => t!(i18n, security.enabled_notice).into_any(),
            Notice::AppDisabled => t!(i18n, security.disabled_notice).into_any(),
            Notice::StaffKeepsApp => t!(i18n, security.staff_keeps).into_any(),
            Notice::SecondFactorFailed => t!(i18n, security.failed).into_any(),
            Notice::LostPhoneDone => t!(i18n, qr.revoked).into_any(),
            Notice::CardRead => t!(i18n, auth.card_read).into_any(),
            Notice::CardUnreadable => t!(i18n, auth.card_unreadable).into_any(),
            Notice::NotACardCode => t!(i18n, auth.card_not_id).into_any(),
            Notice::PhoneMoved => t!(i18n, recovery.moved).into_any(),
            Notice::EmailCodeSent => t!(i18n, email.code_sent).into_any(),
            Notice::EmailVerified => t!(i18n, email.verified_notice).into_any(),
            Notice::EmailRemoved => t!(i18n, email.removed).into_any(),
            Notice::EmailInvalid => t!(i18n, email.invalid).into_any(),
            Notice::EmailUnavailable => t!(i18n, email.unavailable).into_any(),
        };
        crate::shell::notice(text, error)
    })
}

/// A required text input of the sign-up forms (see [`crate::shell::input`]).
#[allow(clippy::too_many_arguments)]
fn text_field(
    id: &'static str,
    label: &'static str,
    hint: Option<&'static str>,
    value: String,
    error: Option<&'static str>,
    input_type: &'static str,
    autocomplete: &'static str,
    inputmode: Option<&'static str>,
) -> impl IntoView {
    crate::shell::input(crate::shell::Input { id, label, hint, value, error, input_type, autocomplete, inputmode, required: true })
}

/// Whether the current page's query string names `name` (with a value or without), read once.
fn query_has(name: &str) -> bool {
    leptos_router::hooks::use_query_map().with_untracked(|q| q.get(name).is_some())
}

/// GET /signup: loads what its last answer left (a refused form, or one filled from the ID card's photo) through
/// [`signup_page`](super::api::signup_page).
#[component]
pub fn SignUpPage() -> impl IntoView {
    crate::shell::loaded_with_islands((), |_| super::api::signup_page(), signup_view)
}

fn signup_view(form: FormState) -> impl IntoView {
    let i18n = use_i18n();
    let err = |field| form.problem(field).map(|p| problem_text(i18n, p));
    let input = form.input.clone();
    let sex_error = err(Field::Sex);
    let fields = view! {
        {text_field("phone", t_string!(i18n, auth.phone_label), Some(t_string!(i18n, auth.phone_hint)), input.phone.clone(), err(Field::Phone), "tel", "tel", Some("tel"))}
        {text_field("full_name", t_string!(i18n, auth.name_label), Some(t_string!(i18n, auth.name_hint)), input.full_name.clone(), err(Field::FullName), "text", "name", None)}
        {text_field("birth_date", t_string!(i18n, auth.birth_label), Some(t_string!(i18n, auth.birth_hint)), input.birth_date.clone(), err(Field::BirthDate), "text", "bday", Some("numeric"))}
        <fieldset class="field" class:field--error=sex_error.is_some() aria-describedby=sex_error.map(|_| "sex-error")>
            <legend>{t!(i18n, auth.sex_label)}</legend>
            {sex_error.map(|e| view! { <span class="error" id="sex-error">{e}</span> })}
            <div class="choices">
                <label class="choice">
                    <input type="radio" name="sex" value="male" checked=input.sex == "male" />
                    {t!(i18n, auth.sex_male)}
                </label>
                <label class="choice">
                    <input type="radio" name="sex" value="female" checked=input.sex == "female" />
                    {t!(i18n, auth.sex_female)}
                </label>
            </div>
        </fieldset>
        {text_field("citizen_id", t_string!(i18n, auth.id_label), Some(t_string!(i18n, auth.id_hint)), input.citizen_id.clone(), err(Field::CitizenId), "text", "off", Some("numeric"))}
        <button type="submit" class="button">{t!(i18n, auth.continue_button)}</button>
        // Filling from the chip ID card: its QR code read in the browser (camera or handheld scanner, hidden
        // without WASM), or a photo of it that the same form posts with everything typed so far.
        <fieldset class="field card-scan">
            <legend>{t!(i18n, auth.card_scan_title)}</legend>
            <CardScan text=CardScanText::new(i18n) />
            <label for="card_photo">{t!(i18n, auth.card_scan_label)}</label>
            <span class="hint" id="card-photo-hint">{t!(i18n, auth.card_scan_hint)}</span>
            {crate::shell::file_input("card_photo", "card_photo", "image/png,image/jpeg", true, Some("card-photo-hint"))}
            <button type="submit" class="button button--secondary" formaction="/signup/card" formenctype="multipart/form-data" formnovalidate>
                {t!(i18n, auth.card_scan_button)}
            </button>
        </fieldset>
    };
    view! {
        <h1>{t!(i18n, auth.signup_title)}</h1>
        <p>{t!(i18n, auth.signup_intro)}</p>
        <NoticeBox notice=form.notice />
        <ActionForm action={ServerAction::<SignUp>::new()} attr:class="card" attr:novalidate=true>
            {fields}
        </ActionForm>
        <p>{t!(i18n, auth.have_account)} " " <a href="/signin">{t!(i18n, auth.signin_link)}</a></p>
    }
}

/// GET /signup/consent: the separate, explicit consent step (never pre-ticked), for the sign-up just typed (kept
/// in the flash by the form, see [`consent_page`](super::api::consent_page)). Nothing typed: the form first.
#[component]
pub fn ConsentPage() -> impl IntoView {
    let data = Resource::new_blocking(|| (), |_| super::api::consent_page());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Some(form)) => consent_view(form).into_any(),
                    Ok(None) => {
                        crate::web::reply::redirect_page("/signup");
                        ().into_any()
                    }
                    Err(refusal) => view! { <RefusedPage refusal /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn consent_view(form: FormState) -> impl IntoView {
    let i18n = use_i18n();
    let SignUpInput { phone, full_name, birth_date, sex, citizen_id } = form.input.clone();
    let consent_error = form.problem(Field::Consent).map(|p| problem_text(i18n, p));
    let fields = view! {
        <input type="hidden" name="phone" value=phone />
        <input type="hidden" name="full_name" value=full_name />
        <input type="hidden" name="birth_date" value=birth_date />
        <input type="hidden" name="sex" value=sex />
        <input type="hidden" name="citizen_id" value=citizen_id />
        <div class="field" class:field--error=consent_error.is_some()>
            {consent_error.map(|e| view! { <span class="error" id="consent-error">{e}</span> })}
            <label class="choice">
                <input type="checkbox" name="consent" value="yes" aria-describedby=consent_error.map(|_| "consent-error") />
                {t!(i18n, auth.consent_checkbox)}
            </label>
        </div>
        <button type="submit" class="button">{t!(i18n, auth.send_code)}</button>
    };
    view! {
        <h1>{t!(i18n, auth.consent_title)}</h1>
        <NoticeBox notice=form.notice />
        <div class="card">
            <p>{t!(i18n, auth.consent_intro)}</p>
            <ul class="plain-list">
                <li>{t!(i18n, auth.consent_1)}</li>
                <li>{t!(i18n, auth.consent_2)}</li>
                <li>{t!(i18n, auth.consent_3)}</li>
                <li>{t!(i18n, auth.consent_4)}</li>
            </ul>
        </div>
        <ActionForm action={ServerAction::<GiveConsent>::new()} attr:class="card">
            {fields}
        </ActionForm>
    }
}

/// GET /signin[?signed_out=everywhere|lost | ?moved=1 | ?second_factor=failed]: loads what its last answer left,
/// or the notice of the page the person comes from, through [`signin_page`](super::api::signin_page).
#[component]
pub fn SignInPage() -> impl IntoView {
    let came_from = (crate::web::query_value("signed_out"), query_has("moved"), query_has("second_factor"));
    crate::shell::loaded(came_from, |(signed_out, moved, second_factor)| super::api::signin_page(signed_out, moved, second_factor), signin_view)
}

fn signin_view(form: FormState) -> impl IntoView {
    let i18n = use_i18n();
    let err = form.problem(Field::Phone).map(|p| problem_text(i18n, p));
    let fields = view! {
        {text_field("phone", t_string!(i18n, auth.phone_label), Some(t_string!(i18n, auth.phone_hint)), form.input.phone.clone(), err, "tel", "tel", Some("tel"))}
        <button type="submit" class="button">{t!(i18n, auth.send_code)}</button>
    };
    view! {
        <h1>{t!(i18n, auth.signin_title)}</h1>
        <p>{t!(i18n, auth.signin_intro)}</p>
        <NoticeBox notice=form.notice />
        <ActionForm action={ServerAction::<SignIn>::new()} attr:class="card" attr:novalidate=true>
            {fields}
        </ActionForm>
        <p>{t!(i18n, auth.no_account)} " " <a href="/signup">{t!(i18n, auth.signup_link)}</a></p>
        <p>{t!(i18n, recovery.signin_lost)} " " <a href="/recover">{t!(i18n, recovery.signin_lost_link)}</a></p>
    }
}

/// GET /verify?phone=…&purpose=…[&resent=1]: the code entry page, through
/// [`verify_page`](super::api::verify_page) (an address our pages did not make goes to sign-in).
#[component]
pub fn VerifyPage() -> impl IntoView {
    let asked = (crate::web::query_value("phone"), crate::web::query_value("purpose"), query_has("resent"));
    crate::shell::loaded_with_islands(asked, |(phone, purpose, resent)| super::api::verify_page(phone, purpose, resent), verify_view)
}

fn verify_view(state: VerifyPageData) -> impl IntoView {
    let i18n = use_i18n();
    let purpose = state.purpose.as_str();
    let phone_display = state.phone_display.clone();
    let code_fields = view! {
        <input type="hidden" name="phone" value=state.phone_e164.clone() />
        <input type="hidden" name="purpose" value=purpose />
        <div class="field">
            <label for="code">{t!(i18n, auth.code_label)}</label>
            <span class="hint" id="code-hint">{t!(i18n, auth.code_hint)}</span>
            <input
                id="code"
                name="code"
                type="text"
                inputmode="numeric"
                autocomplete="one-time-code"
                maxlength="6"
                class="code-input"
                aria-describedby="code-hint"
                required
            />
        </div>
        <button type="submit" class="button">{t!(i18n, auth.verify_button)}</button>
    };
    let resend_fields = view! {
        <input type="hidden" name="phone" value=state.phone_e164.clone() />
        <input type="hidden" name="purpose" value=purpose />
        <ResendButton
            seconds=state.resend_in
            label=t_string!(i18n, auth.resend).to_owned()
            waiting=t_string!(i18n, auth.resend_wait).to_owned()
        />
    };
    let email_form = state.email_channel.then(|| {
        let fields = view! {
            <input type="hidden" name="phone" value=state.phone_e164.clone() />
            <p class="hint">{t!(i18n, email.other_channel)}</p>
            <ResendButton
                seconds=state.resend_in
                label=t_string!(i18n, email.send_by_email).to_owned()
                waiting=t_string!(i18n, email.send_by_email_wait).to_owned()
            />
        };
        view! {
            <ActionForm action={ServerAction::<EmailSignInCode>::new()} attr:class="resend">
                {fields}
            </ActionForm>
        }
    });
    view! {
        <h1>{t!(i18n, auth.verify_title)}</h1>
        <p>{t!(i18n, auth.verify_intro, phone = move || phone_display.clone())}</p>
        <NoticeBox notice=state.notice />
        <ActionForm action={ServerAction::<VerifyCode>::new()} attr:class="card" attr:novalidate=true>
            {code_fields}
        </ActionForm>
        {state.sent.clone().map(|(at, how)| {
            let text = match how.as_deref() {
                Some("email") => t_string!(i18n, email.sent_by_email),
                Some("failed") => t_string!(i18n, email.sms_failed_at),
                _ => t_string!(i18n, email.sent_by_sms),
            };
            view! { <p class="meta" data-testid="code-sent">{text.replace("%at%", &at)}</p> }
        })}
        <ActionForm action={ServerAction::<ResendCode>::new()} attr:class="resend">
            {resend_fields}
        </ActionForm>
        {email_form}
        <p class="hint">{t!(i18n, auth.no_sms_help)}</p>
    }
}

/// The resend button with its countdown: a plain button without JavaScript (the server enforces the wait);
/// with JavaScript it counts down and is disabled until the wait is over.
#[island]
fn ResendButton(seconds: i64, label: String, waiting: String) -> impl IntoView {
    let remaining = RwSignal::new(seconds.max(0));
    let awake = RwSignal::new(false);
    Effect::new(move |_| {
        awake.set(true);
        if let Ok(handle) = set_interval_with_handle(
            move || remaining.update(|r| *r = (*r - 1).max(0)),
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let text = move || {
        let r = remaining.get();
        if awake.get() && r > 0 { waiting.replace("{s}", &r.to_string()) } else { label.clone() }
    };
    view! {
        <button type="submit" class="button button--secondary" disabled=move || { awake.get() && remaining.get() > 0 }>
            {text}
        </button>
        <span class="visually-hidden" aria-live="polite">{move || (remaining.get() == 0 && awake.get()).then_some("✓")}</span>
    }
}

#[component]
pub fn MePage() -> impl IntoView {
    let came_from = (crate::web::query_value("employer"), crate::web::query_value("move"));
    crate::shell::loaded(came_from, |(employer, moved)| super::api::me_page(employer, moved), me_view)
}

fn me_view(account: AccountView) -> impl IntoView {
    let i18n = use_i18n();
    let verified = account.level >= 2;
    let level_text = if verified { t_string!(i18n, me.level_2) } else { t_string!(i18n, me.level_1) };
    view! {
        <h1>{t!(i18n, me.title)}</h1>
        <section class="card" aria-labelledby="me-name">
            <h2 id="me-name">{account.full_name.clone()}</h2>
            <p class="badge" class:badge--ok=verified>{level_text}</p>
            <RegistryNote status=account.registry_status.clone() fields=account.registry_mismatch.clone() />
            <dl class="facts">
                <dt>{t!(i18n, me.phone)}</dt>
                <dd>{account.phone.clone()}</dd>
                <dt>{t!(i18n, me.birth_date)}</dt>
                <dd>{account.birth_date.clone()}</dd>
                <dt>{t!(i18n, me.citizen_id)}</dt>
                <dd>{account.citizen_id_masked.clone()}</dd>
            </dl>
        </section>
        {account.employer_answer.clone().map(|a| {
            let text = if a == "confirmed" { t_string!(i18n, org.confirmed) } else { t_string!(i18n, org.declined) };
            view! { <p class="notice notice--info" role="status">{text}</p> }
        })}
        {account
            .employer_invitations
            .clone()
            .into_iter()
            .map(|(edge, name)| {
                // one form per answer, each saying which (never the button's name): both post to one endpoint
                let (confirm_edge, decline_edge) = (edge.clone(), edge);
                view! {
                    <section class="card" data-testid="invitation">
                        <p>{t_string!(i18n, org.invitation).replace("%org%", &name)}</p>
                        <div class="actions">
                            <ActionForm action={ServerAction::<AnswerEmployer>::new()}>
                                <input type="hidden" name="edge" value=confirm_edge />
                                <input type="hidden" name="answer" value="confirm" />
                                <button type="submit" class="button">{t!(i18n, org.confirm)}</button>
                            </ActionForm>
                            <ActionForm action={ServerAction::<AnswerEmployer>::new()}>
                                <input type="hidden" name="edge" value=decline_edge />
                                <input type="hidden" name="answer" value="decline" />
                                <button type="submit" class="button button--secondary">{t!(i18n, org.decline)}</button>
                            </ActionForm>
                        </div>
                    </section>
                }
            })
            .collect_view()}
        {(account.expiring_documents > 0).then(|| {
            let n = account.expiring_documents;
            view! {
                <p class="notice notice--error" role="status" data-testid="expiring">
                    {t!(i18n, me.expiring, n = move || n)} " " <a href="/me/documents">{t!(i18n, me.documents_link)}</a>
                </p>
            }
        })}
        {account.waiting_move.clone().map(|(to, due)| view! {
            <div class="notice notice--error" role="alert" data-testid="waiting-move">
                <p>{t_string!(i18n, recovery.me_waiting).replace("%to%", &to).replace("%due%", &due)}</p>
                <ActionForm action={ServerAction::<crate::recovery::api::CancelOwnMove>::new()}>
                    <button type="submit" class="button button--danger">{t!(i18n, recovery.cancel_button)}</button>
                </ActionForm>
            </div>
        })}
        {account.move_cancelled.then(|| view! { <p class="notice notice--info" role="status">{t!(i18n, recovery.me_cancelled)}</p> })}
        {(account.recovery_codes_left == 0).then(|| view! {
            <p class="notice notice--info" data-testid="no-recovery-codes">
                {t!(i18n, recovery.me_no_codes)} " " <a href="/me/recovery">{t!(i18n, recovery.me_make_codes)}</a>
            </p>
        })}
        <a class="button button--wide" href="/me/qr">{t!(i18n, me.qr_link)}</a>
        <ul class="menu">
            <li><a href="/me/profile">{t!(i18n, me.profile_link)}</a></li>
            <li><a href="/me/documents">{t!(i18n, me.documents_link)}</a></li>
            <li><a href="/me/family">{t!(i18n, me.family_link)}</a></li>
            <li><a href="/me/privacy">{t!(i18n, me.privacy_link)}</a></li>
            <li><a href="/me/phone">{t!(i18n, recovery.me_change_link)}</a></li>
            <li><a href="/me/email">{t!(i18n, email.me_link)}</a></li>
            <li><a href="/me/recovery">{t!(i18n, recovery.me_codes_link)}</a></li>
        </ul>
        <div class="actions">
            <a class="button button--secondary" href="/me/sessions">{t!(i18n, me.sessions_link)}</a>
            <a class="button button--secondary" href="/me/security">{t!(i18n, me.security_link)}</a>
            <ActionForm action={ServerAction::<SignOut>::new()}>
                <button type="submit" class="button button--secondary">{t!(i18n, me.signout)}</button>
            </ActionForm>
        </div>
    }
}

/// What the population registry said, in plain words: which field to check, never the registry's data.
#[component]
fn RegistryNote(status: String, fields: Vec<String>) -> impl IntoView {
    let i18n = use_i18n();
    let field_names = move || {
        fields
            .iter()
            .map(|f| match f.as_str() {
                "full_name" => t_string!(i18n, me.field_full_name),
                "date_of_birth" => t_string!(i18n, me.field_birth_date),
                _ => t_string!(i18n, me.field_citizen_id),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    match status.as_str() {
        "mismatch" => Some(
            view! { <p class="notice notice--error" role="status">{t!(i18n, me.registry_mismatch, fields = field_names)}</p> }
                .into_any(),
        ),
        "not_found" => Some(view! { <p class="notice notice--error" role="status">{t!(i18n, me.registry_not_found)}</p> }.into_any()),
        "pending" => Some(view! { <p class="notice notice--info" role="status">{t!(i18n, me.registry_pending)}</p> }.into_any()),
        _ => None,
    }
}

#[component]
pub fn SessionsPage() -> impl IntoView {
    crate::shell::loaded((), |_| super::api::sessions_page(), sessions_view)
}

fn sessions_view(state: SessionsPageData) -> impl IntoView {
    let i18n = use_i18n();
    let current = state.current_id.clone();
    view! {
        <h1>{t!(i18n, sessions.title)}</h1>
        <p>{t!(i18n, sessions.intro)}</p>
        <NoticeBox notice=state.notice />
        <ul class="unit-list" data-testid="sessions">
            {state
                .sessions
                .into_iter()
                .map(|s| {
                    let this = s.id == current;
                    view! {
                        <li>
                            <span>
                                <strong>{s.device}</strong>
                                {this.then(|| view! { " " <span class="badge badge--ok">{t!(i18n, sessions.this_device)}</span> })}
                                <br />
                                <span class="meta">{t!(i18n, sessions.signed_in)} " " {s.signed_in}</span>
                                <br />
                                <span class="meta">{t!(i18n, sessions.last_seen)} " " {s.last_seen}</span>
                            </span>
                            <ActionForm action={ServerAction::<RevokeSession>::new()}>
                                <input type="hidden" name="id" value=s.id />
                                <button type="submit" class="button button--secondary">{t!(i18n, sessions.revoke)}</button>
                            </ActionForm>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <ActionForm action={ServerAction::<RevokeAllSessions>::new()} attr:class="actions">
            <button type="submit" class="button">{t!(i18n, sessions.revoke_all)}</button>
        </ActionForm>
        <p>
            <a href="/me">{t!(i18n, sessions.back)}</a>
        </p>
    }
}

/// A six-digit code field for the authenticator app.
fn app_code_field(i18n: leptos_i18n::I18nContext<Locale>, error: bool) -> impl IntoView {
    view! {
        <div class="field" class:field--error=error>
            <label for="code">{t!(i18n, security.code_label)}</label>
            <span class="hint" id="code-hint">{t!(i18n, security.code_hint)}</span>
            <input
                id="code"
                name="code"
                type="text"
                inputmode="numeric"
                autocomplete="one-time-code"
                maxlength="6"
                class="code-input"
                aria-describedby="code-hint"
                aria-invalid=error.then_some("true")
                required
            />
        </div>
    }
}

/// GET /signin/second-factor: the second sign-in step, the code from the authenticator app. Loads its data through
/// [`second_factor_page`](super::api::second_factor_page): without a session waiting for the code the person signs
/// in; a session past the step goes on to the account.
#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let data = Resource::new_blocking(|| (), |_| super::api::second_factor_page());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) if page.signed_in => {
                        crate::web::reply::redirect_page("/me");
                        ().into_any()
                    }
                    Ok(page) => second_factor_view(page).into_any(),
                    Err(refusal) => view! { <RefusedPage refusal /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn second_factor_view(state: SecondFactorPageData) -> impl IntoView {
    let i18n = use_i18n();
    let error = state.notice.is_some();
    view! {
        <h1>{t!(i18n, security.step_title)}</h1>
        <p>{t!(i18n, security.step_intro)}</p>
        <NoticeBox notice=state.notice />
        <ActionForm action={ServerAction::<CheckSecondFactor>::new()} attr:class="card" attr:novalidate=true>
            {app_code_field(i18n, error)}
            <button type="submit" class="button">{t!(i18n, auth.verify_button)}</button>
        </ActionForm>
        <p class="hint">{t!(i18n, security.lost_app)}</p>
    }
}

/// The authenticator app: set it up by scanning a QR code, or see that it is on (and turn it off).
#[component]
pub fn SecurityPage() -> impl IntoView {
    let required = !crate::web::query_value("required").is_empty();
    crate::shell::loaded(required, super::api::security_page, security_view)
}

fn security_view(state: SecurityPageData) -> impl IntoView {
    let i18n = use_i18n();
    let wrong = matches!(state.notice, Some(Notice::AppCodeWrong { .. }));
    let staff = state.staff;
    let body = match (state.enabled_on.clone(), state.enrol.clone()) {
        (Some(on), _) => view! {
            <section class="card" aria-labelledby="app-on">
                <h2 id="app-on">{t!(i18n, security.on_title)}</h2>
                <p class="badge badge--ok">{t!(i18n, security.on_since)} " " {on}</p>
                <p>{t!(i18n, security.on_body)}</p>
            </section>
            {if staff {
                view! { <p class="notice notice--info">{t!(i18n, security.staff_keeps)}</p> }.into_any()
            } else {
                view! {
                    <ActionForm action={ServerAction::<super::api::DisableApp>::new()} attr:class="card" attr:novalidate=true>
                        <h2>{t!(i18n, security.off_title)}</h2>
                        <p>{t!(i18n, security.off_body)}</p>
                        {app_code_field(i18n, wrong)}
                        <button type="submit" class="button button--secondary">{t!(i18n, security.off_button)}</button>
                    </ActionForm>
                }
                .into_any()
            }}
        }
        .into_any(),
        (None, Some(enrol)) => view! {
            <section class="card" aria-labelledby="app-setup">
                <h2 id="app-setup">{t!(i18n, security.setup_title)}</h2>
                <ol class="steps">
                    <li>{t!(i18n, security.setup_1)}</li>
                    <li>{t!(i18n, security.setup_2)}</li>
                    <li>{t!(i18n, security.setup_3)}</li>
                </ol>
                <figure class="qr">
                    <div class="qr__image" role="img" aria-label=t_string!(i18n, security.qr_alt) inner_html=enrol.svg></div>
                    <figcaption>
                        {t!(i18n, security.manual)} <br />
                        <code class="secret" data-testid="totp-secret">{enrol.secret_groups}</code>
                    </figcaption>
                </figure>
                <p class="hint"><a href=enrol.uri>{t!(i18n, security.open_app)}</a></p>
            </section>
            <ActionForm action={ServerAction::<super::api::EnableApp>::new()} attr:class="card" attr:novalidate=true>
                {app_code_field(i18n, wrong)}
                <button type="submit" class="button">{t!(i18n, security.confirm_button)}</button>
            </ActionForm>
        }
        .into_any(),
        (None, None) => ().into_any(),
    };
    view! {
        <h1>{t!(i18n, security.title)}</h1>
        {state.required.then(|| view! { <p class="notice notice--error" role="alert">{t!(i18n, security.required)}</p> })}
        <NoticeBox notice=state.notice />
        <p>{t!(i18n, security.intro)}</p>
        {body}
        <p>
            <a href="/me">{t!(i18n, sessions.back)}</a>
        </p>
    }
}

/// Development only (`--dev`; a 404 otherwise): the messages that would have been sent by SMS. Loads them
/// through [`outbox_page`](super::api::outbox_page) before it answers.
#[component]
pub fn OutboxPage() -> impl IntoView {
    crate::shell::loaded((), |_| super::api::outbox_page(), outbox_view)
}

fn outbox_view(state: OutboxPageData) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1>{t!(i18n, outbox.title)}</h1>
        <p class="notice notice--info">{t!(i18n, outbox.intro)}</p>
        {state.messages.is_empty().then(|| view! { <p>{t!(i18n, outbox.empty)}</p> })}
        <ul class="unit-list" data-testid="outbox">
            {state
                .messages
                .into_iter()
                .map(|(to, body, at)| {
                    view! {
                        <li>
                            <span>
                                <strong>{to}</strong>
                                <br />
                                {body}
                            </span>
                            <span class="meta">{at}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// GET /me/email: the verified address for codes.
#[component]
pub fn EmailPage() -> impl IntoView {
    crate::shell::loaded((), |_| super::api::email_page(), email_view)
}

fn email_view(state: super::EmailPageData) -> impl IntoView {
    let i18n = use_i18n();
    let invalid = (state.notice == Some(Notice::EmailInvalid)).then(|| t_string!(i18n, email.invalid));
    let notice = state.notice.filter(|n| *n != Notice::EmailInvalid);
    let pending = state.pending.clone();
    view! {
        <h1>{t!(i18n, email.title)}</h1>
        <p>{t!(i18n, email.intro)}</p>
        <NoticeBox notice=notice />
        {match state.verified.clone() {
            Some(address) => view! {
                <section class="card">
                    <p data-testid="email-verified">{t_string!(i18n, email.current).replace("%email%", &address)}</p>
                    <ActionForm action={ServerAction::<super::api::RemoveEmail>::new()}>
                        <button type="submit" class="button button--secondary">{t!(i18n, email.remove)}</button>
                    </ActionForm>
                </section>
            }
            .into_any(),
            None => view! { <p class="meta">{t!(i18n, email.none)}</p> }.into_any(),
        }}
        {state.available.then(|| {
            let fields = view! {
                {crate::shell::input(crate::shell::Input {
                    id: "email",
                    label: t_string!(i18n, email.label),
                    hint: None,
                    value: state.typed.clone(),
                    error: invalid,
                    input_type: "email",
                    autocomplete: "email",
                    inputmode: Some("email"),
                    required: true,
                })}
                <button type="submit" class="button" class:button--secondary=pending.is_some()>{t!(i18n, email.send)}</button>
            };
            view! {
                <ActionForm action={ServerAction::<super::api::SendEmailCode>::new()} attr:class="card" attr:novalidate=true>
                    {fields}
                </ActionForm>
            }
        })}
        {pending.map(|address| view! {
            <ActionForm action={ServerAction::<super::api::ConfirmEmail>::new()} attr:class="card" attr:novalidate=true>
                <p>{t_string!(i18n, email.code_went).replace("%email%", &address)}</p>
                {crate::shell::code_input("code", t_string!(i18n, email.code_label), None)}
                <button type="submit" class="button">{t!(i18n, email.confirm)}</button>
            </ActionForm>
        })}
        <p><a href="/me">{t!(i18n, recovery.back)}</a></p>
    }
}
