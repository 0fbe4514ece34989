//! The profile's server functions: the page's data (recorded when someone else reads it) and the save (checked,
//! with history). Both act for the caller or, with `for`, for someone the caller may act for.
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use super::{PField, PProblem, ProfileInput, ProfilePageData};
use crate::web::Refusal;

/// Why a save was refused: the caller, or the values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum ProfileError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Fields that break a rule, each with why (nothing was saved).
    #[error("some fields break a rule")]
    Invalid { problems: Vec<(PField, PProblem)> },
}

crate::form_error!(ProfileError);

/// What a save answered, kept for the page a browser without JavaScript returns to.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProfileFlash {
    pub input: ProfileInput,
    /// How many fields changed, or why nothing was saved.
    pub outcome: Result<usize, ProfileError>,
}

/// The flash's form name: one per person acted for, so an outcome never shows on another person's page.
#[cfg(feature = "ssr")]
fn flash_form(for_id: &str) -> String {
    format!("profile:{for_id}")
}

/// The page's data: the profile as stored (or as typed, after a refused save), what it lacks, its history.
#[server(prefix = "/api", endpoint = "profile/page", input = GetUrl)]
pub async fn profile_page(#[server(rename = "for")] #[server(default)] for_id: String) -> Result<ProfilePageData, Refusal> {
    use crate::family::service::Access;
    use crate::web::{caller, flash, reply};
    let state = caller::state()?;
    let citizen: caller::Citizen = caller::caller(&state).await?;
    let subject = crate::family::web::subject_for(&state, &citizen, &for_id, Access::ReadProfile).await?;
    reply::no_store();
    let kept: Option<ProfileFlash> = flash::take(&state, &flash_form(&for_id)).await;
    glue::page(&state, &subject, kept).await
}

/// Saves the profile: every field checked; with a problem nothing is saved and each problem is named.
#[server(prefix = "", endpoint = "me/profile")]
pub async fn save_profile(
    #[server(rename = "for")] #[server(default)] for_id: String,
    #[server(flatten)] input: ProfileInput,
) -> Result<usize, ProfileError> {
    use crate::web::{caller, reply};
    let state = caller::state()?;
    let result = glue::save_for(&state, &for_id, &input).await;
    let back = if for_id.is_empty() { "/me/profile".to_owned() } else { format!("/me/profile?for={for_id}") };
    let flash = ProfileFlash { input, outcome: result.clone() };
    reply::finish_form(&state, &back, &flash_form(&for_id), &result, flash).await;
    result
}

#[cfg(feature = "ssr")]
mod glue {
    use super::super::{PField, ProfileInput, ProfileNotice, ProfilePageData, domain, service};
    use super::{ProfileError, ProfileFlash};
    use crate::family::service::{Access, Subject};
    use crate::identity::domain::Date;
    use crate::identity::web::now;
    use crate::privacy::SeenWhat;
    use crate::units::UnitsVersion;
    use crate::web::caller::Citizen;
    use crate::web::{AppState, Refusal};

    fn unavailable(e: impl std::fmt::Display) -> Refusal {
        Refusal::unavailable("reading or saving a profile", e)
    }

    pub async fn page(state: &AppState, subject: &Subject, kept: Option<ProfileFlash>) -> Result<ProfilePageData, Refusal> {
        let stored = service::load(&state.db, subject.id()).await.map_err(unavailable)?.ok_or(Refusal::NotFound)?;
        let history = service::history(&state.db, subject.id(), 50).await.map_err(unavailable)?;
        crate::privacy::service::record(&state.db, subject, SeenWhat::Profile, "", now()).await.map_err(unavailable)?;
        let (citizen_id_masked, phone) = service::shown_ids(&stored);
        let acting = subject.acting();
        let (missing, percent) = domain::completeness(&stored.values);
        let verified = stored.level >= 2;
        let (input, problems, notice) = match kept {
            Some(ProfileFlash { outcome: Ok(changed), .. }) => {
                (stored.values, vec![], Some(ProfileNotice::Saved { changed }))
            }
            Some(ProfileFlash { mut input, outcome: Err(e) }) => {
                if verified {
                    for field in PField::IDENTITY {
                        input.set(field, stored.values.get(field).to_owned());
                    }
                }
                match e {
                    ProfileError::Invalid { problems } => (input, problems, None),
                    ProfileError::Refused(_) => (input, vec![], Some(ProfileNotice::Failed)),
                }
            }
            None => (stored.values, vec![], None),
        };
        Ok(ProfilePageData {
            missing,
            percent,
            read_only: acting.as_ref().is_some_and(|a| a.read_only),
            acting,
            verified,
            citizen_id_masked,
            phone,
            input,
            problems,
            notice,
            units: state.units.search("", UnitsVersion::V2025_07).into_iter().map(|u| (u.code, u.name)).collect(),
            history,
        })
    }

    /// Saves for the caller, or for whom `for_id` names when the caller may manage their profile.
    pub async fn save_for(state: &AppState, for_id: &str, input: &ProfileInput) -> Result<usize, ProfileError> {
        let citizen: Citizen = crate::web::caller::caller(state).await?;
        let subject = crate::family::web::subject_for(state, &citizen, for_id, Access::ManageProfile).await?;
        save(state, &subject, input).await
    }

    /// Checks and saves; returns how many fields changed. The identity fields of a verified account never change.
    pub async fn save(state: &AppState, subject: &Subject, input: &ProfileInput) -> Result<usize, ProfileError> {
        let now = now();
        let stored = service::load(&state.db, subject.id()).await.map_err(unavailable)?.ok_or(Refusal::NotFound)?;
        let verified = stored.level >= 2;
        let today = Date::from_unix_vietnam(now);
        let is_unit = |code: &str| state.units.get(code, UnitsVersion::V2025_07).is_some();
        let mut clean = domain::validate(input, verified, stored.citizen_id.as_deref(), today, is_unit)
            .map_err(|problems| ProfileError::Invalid { problems })?;
        if verified {
            for field in PField::IDENTITY {
                clean.set(field, stored.values.get(field).to_owned());
            }
        }
        let changed = service::save(&state.db, subject, &stored.values, &clean, !verified, now)
            .await
            .map_err(|e| Refusal::unavailable("saving a profile", e))?;
        if changed > 0 && !subject.is_self() {
            crate::access::service::audit(&state.db, Some(subject.actor()), "profile_changed_for", Some(subject.id()), "", now)
                .await
                .ok();
        }
        Ok(changed)
    }
}
