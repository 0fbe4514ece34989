//! The citizen's profile ("hồ sơ công dân số"): what they declare once so no office asks again. Fields the
//! population registry confirmed (level 2) are shown as verified and locked; everything else can be changed, and
//! every change is kept in a history the person can read. A completeness indicator says what is missing and why it
//! helps.
pub mod api;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use serde::{Deserialize, Serialize};

use crate::family::ActingFor;

/// Every field of the profile form, with its storage name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PField {
    FullName,
    BirthDate,
    Sex,
    Nationality,
    Ethnicity,
    Email,
    PermanentUnit,
    PermanentStreet,
    CurrentUnit,
    CurrentStreet,
    Occupation,
    Workplace,
    HealthInsurance,
    TaxCode,
    Epayment,
    EpaymentProvider,
    HouseholdAddress,
}

impl PField {
    /// The fields kept in the `profile` table (the identity fields live on the account).
    pub const DECLARED: [PField; 14] = [
        PField::Nationality,
        PField::Ethnicity,
        PField::Email,
        PField::PermanentUnit,
        PField::PermanentStreet,
        PField::CurrentUnit,
        PField::CurrentStreet,
        PField::Occupation,
        PField::Workplace,
        PField::HealthInsurance,
        PField::TaxCode,
        PField::Epayment,
        PField::EpaymentProvider,
        PField::HouseholdAddress,
    ];

    pub const IDENTITY: [PField; 3] = [PField::FullName, PField::BirthDate, PField::Sex];

    pub fn name(self) -> &'static str {
        match self {
            PField::FullName => "full_name",
            PField::BirthDate => "birth_date",
            PField::Sex => "sex",
            PField::Nationality => "nationality",
            PField::Ethnicity => "ethnicity",
            PField::Email => "email",
            PField::PermanentUnit => "permanent_unit",
            PField::PermanentStreet => "permanent_street",
            PField::CurrentUnit => "current_unit",
            PField::CurrentStreet => "current_street",
            PField::Occupation => "occupation",
            PField::Workplace => "workplace",
            PField::HealthInsurance => "health_insurance",
            PField::TaxCode => "tax_code",
            PField::Epayment => "epayment",
            PField::EpaymentProvider => "epayment_provider",
            PField::HouseholdAddress => "household_address",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        PField::IDENTITY.into_iter().chain(PField::DECLARED).find(|f| f.name() == s)
    }
}

/// The profile form as typed (or as stored): every value a string, empty when not given.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProfileInput {
    pub full_name: String,
    /// dd/mm/yyyy
    pub birth_date: String,
    pub sex: String,
    pub nationality: String,
    pub ethnicity: String,
    pub email: String,
    pub permanent_unit: String,
    pub permanent_street: String,
    pub current_unit: String,
    pub current_street: String,
    pub occupation: String,
    pub workplace: String,
    pub health_insurance: String,
    pub tax_code: String,
    /// yes | no | empty
    pub epayment: String,
    pub epayment_provider: String,
    pub household_address: String,
}

impl ProfileInput {
    pub fn get(&self, field: PField) -> &str {
        match field {
            PField::FullName => &self.full_name,
            PField::BirthDate => &self.birth_date,
            PField::Sex => &self.sex,
            PField::Nationality => &self.nationality,
            PField::Ethnicity => &self.ethnicity,
            PField::Email => &self.email,
            PField::PermanentUnit => &self.permanent_unit,
            PField::PermanentStreet => &self.permanent_street,
            PField::CurrentUnit => &self.current_unit,
            PField::CurrentStreet => &self.current_street,
            PField::Occupation => &self.occupation,
            PField::Workplace => &self.workplace,
            PField::HealthInsurance => &self.health_insurance,
            PField::TaxCode => &self.tax_code,
            PField::Epayment => &self.epayment,
            PField::EpaymentProvider => &self.epayment_provider,
            PField::HouseholdAddress => &self.household_address,
        }
    }

    pub fn set(&mut self, field: PField, value: String) {
        let slot = match field {
            PField::FullName => &mut self.full_name,
            PField::BirthDate => &mut self.birth_date,
            PField::Sex => &mut self.sex,
            PField::Nationality => &mut self.nationality,
            PField::Ethnicity => &mut self.ethnicity,
            PField::Email => &mut self.email,
            PField::PermanentUnit => &mut self.permanent_unit,
            PField::PermanentStreet => &mut self.permanent_street,
            PField::CurrentUnit => &mut self.current_unit,
            PField::CurrentStreet => &mut self.current_street,
            PField::Occupation => &mut self.occupation,
            PField::Workplace => &mut self.workplace,
            PField::HealthInsurance => &mut self.health_insurance,
            PField::TaxCode => &mut self.tax_code,
            PField::Epayment => &mut self.epayment,
            PField::EpaymentProvider => &mut self.epayment_provider,
            PField::HouseholdAddress => &mut self.household_address,
        };
        *slot = value;
    }
}

/// Why a field was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PProblem {
    Name(crate::identity::domain::NameError),
    Date(crate::identity::domain::DateError),
    SexMissing,
    /// The ID number's sex/century digit or birth year no longer match.
    IdMismatch,
    TooLong,
    Email,
    UnknownUnit,
    HealthInsurance,
    TaxCode,
    HouseholdAddress,
    Choice,
}

/// A profile field's change, as the history shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeLine {
    pub field: Option<PField>,
    pub old: String,
    pub new: String,
    pub by: String,
    pub at: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProfileNotice {
    Saved { changed: usize },
    Failed,
}

/// What the page /me/profile shows (its server function loads it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfilePageData {
    pub acting: Option<ActingFor>,
    pub read_only: bool,
    /// Confirmed by the population registry: the identity fields are locked.
    pub verified: bool,
    pub citizen_id_masked: String,
    pub phone: String,
    pub input: ProfileInput,
    pub problems: Vec<(PField, PProblem)>,
    pub notice: Option<ProfileNotice>,
    /// The 2025-07 units, (code, name), for the address pickers.
    pub units: Vec<(String, String)>,
    pub history: Vec<ChangeLine>,
    /// What the saved profile lacks (not what was just typed), and the share filled.
    pub missing: Vec<PField>,
    pub percent: u8,
}

impl ProfilePageData {
    pub fn problem(&self, field: PField) -> Option<PProblem> {
        self.problems.iter().find(|(f, _)| *f == field).map(|(_, p)| *p)
    }
}
