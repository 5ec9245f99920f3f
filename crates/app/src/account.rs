//! Who acts: an account as the application layer sees it (a citizen, or
//! staff with roles in organisation units), and what it is to the engine.

use qyzmet_engine::{Actor, Grant};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Citizen,
    Staff,
}

/// A person who signs in.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Account {
    pub login: String,
    pub kind: AccountKind,
    /// Display name (personal data: never logged).
    pub name: String,
    /// argon2id PHC string.
    pub password: String,
    /// Roles held in organisation units (staff).
    #[serde(default)]
    pub grants: Vec<Grant>,
    /// May see every provider's figures and verify the audit chain.
    #[serde(default)]
    pub supervisor: bool,
    /// Writes regulations: the authoring page (`/authoring`), checking and
    /// saving draft editions (docs/authoring.md).
    #[serde(default)]
    pub analyst: bool,
    /// Region slug (citizen: registered address; staff: their provider's).
    #[serde(default)]
    pub region: String,
    /// A staff member's IIN: the one their signing certificate must carry
    /// when they sign a result. (A citizen's IIN is their login.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iin: Option<String>,
}

impl Account {
    /// Who this account is to the engine. A citizen acts as the applicant
    /// of their own IIN.
    pub fn actor(&self) -> Actor {
        match self.kind {
            AccountKind::Citizen => Actor {
                user_id: self.login.clone(),
                grants: vec![Grant {
                    role: "applicant".into(),
                    unit: self.login.clone(),
                }],
            },
            AccountKind::Staff => Actor {
                user_id: self.login.clone(),
                grants: self.grants.clone(),
            },
        }
    }

    pub fn is_staff(&self) -> bool {
        self.kind == AccountKind::Staff
    }

    /// Organisation units the person works in.
    pub fn units(&self) -> Vec<String> {
        let mut units: Vec<String> = self.grants.iter().map(|grant| grant.unit.clone()).collect();
        units.sort();
        units.dedup();
        units
    }

    pub fn roles(&self) -> Vec<String> {
        let mut roles: Vec<String> = self.grants.iter().map(|grant| grant.role.clone()).collect();
        roles.sort();
        roles.dedup();
        roles
    }

    /// Works at a State Corporation centre (may take paper applications).
    pub fn is_operator(&self) -> bool {
        self.grants
            .iter()
            .any(|grant| grant.unit.ends_with("/service_centre"))
    }

    /// The provider id the staff member belongs to.
    pub fn provider(&self) -> Option<String> {
        self.grants
            .first()
            .map(|grant| grant.unit.split('/').next().unwrap_or_default().to_owned())
    }
}
