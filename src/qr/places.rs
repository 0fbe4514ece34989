//! Entry control: an organization's counter operator registers its places (a building, a gate); a check made at
//! a place records the citizen going in or out, which the citizen sees with their other checks.
use crate::access::guard::Scoped;
use crate::access::service::{AccessError, audit, clean_name, created_id};
use crate::db::{Db, DbError};
use crate::domain::text::fold;

/// A place with its organization, as the counter lists it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct Place {
    pub id: String,
    pub name: String,
    pub organization: String,
    pub organization_name: String,
}

/// Registers a place of one of the operator's organizations (checked here, next to the write).
pub async fn create(db: &Db, by: &Scoped, organization: &str, name: &str, now: i64) -> Result<String, AccessError> {
    if !by.covers(organization) {
        return Err(AccessError::NotAllowed);
    }
    let name = clean_name(name)?;
    if name.chars().count() > 100 {
        return Err(AccessError::NameInvalid);
    }
    let res = db
        .query(
            "CREATE ONLY place CONTENT {
                 organization: type::record('organization', $organization), name: $name, name_folded: $folded,
                 created_by: type::record('account', $actor), created_at: $now
             } RETURN VALUE meta::id(id)",
        )
        .bind(("organization", organization.to_owned()))
        .bind(("folded", fold(&name)))
        .bind(("name", name.clone()))
        .bind(("actor", by.account_id().to_owned()))
        .bind(("now", now))
        .await?;
    let id = created_id(res, "place_name")?;
    audit(db, Some(by.account_id()), "place_created", None, &format!("{id}:{organization}:{name}"), now).await?;
    Ok(id)
}

/// The places of these organizations, by organization then name.
pub async fn of_organizations(db: &Db, organizations: &[String]) -> Result<Vec<Place>, DbError> {
    let mut res = db
        .query(
            "SELECT meta::id(id) AS id, name, meta::id(organization) AS organization,
                    organization.name AS organization_name, organization.name_folded AS o, name_folded
             FROM place WHERE organization IN $organizations.map(|$o| type::record('organization', $o))
             ORDER BY o, name_folded",
        )
        .bind(("organizations", organizations.to_vec()))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    Ok(rows.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::guard::Principal;
    use crate::access::{Grant, Role};
    use crate::qr::service::{Counter, Via, checks_of, issue, verify_online};
    use crate::qr::{Direction, Preset, Purpose};

    const NOW: i64 = 1_795_400_000;

    async fn organization(db: &Db, name: &str) -> String {
        let mut res = db
            .query(
                "CREATE ONLY organization CONTENT { name: $name, name_folded: $name, relying_party: true,
                     created_by: account:admin, created_at: 0 } RETURN VALUE meta::id(id)",
            )
            .bind(("name", name.to_owned()))
            .await
            .expect("organization");
        res.take::<Option<String>>(0).expect("id").expect("id")
    }

    fn operator_of(organization: &str) -> Scoped {
        let grants = vec![Grant { role: Role::ServiceOperator, scope: organization.to_owned() }];
        Principal::from_parts("operator".into(), "s1".into(), true, grants).scoped(Role::ServiceOperator).expect("operator")
    }

    #[tokio::test]
    async fn an_operator_registers_places_of_their_own_organization_and_checks_record_the_passage() {
        let db = crate::db::connect_memory().await.expect("db");
        let keys = crate::qr::keys::KeyRing::load(&db, &crate::secret::SecretKey::generate().expect("secret"), NOW)
            .await
            .expect("keys");
        let tower = organization(&db, "Tòa nhà Trung tâm Hành chính").await;
        let bank = organization(&db, "Ngân hàng Đà Nẵng").await;
        let desk = operator_of(&tower);

        let lobby = create(&db, &desk, &tower, "  Sảnh   chính ", NOW).await.expect("created");
        assert!(matches!(create(&db, &desk, &tower, "sanh chinh", NOW).await, Err(AccessError::NameTaken)));
        assert!(matches!(create(&db, &desk, &tower, "A", NOW).await, Err(AccessError::NameInvalid)));
        assert!(matches!(create(&db, &desk, &bank, "Quầy 1", NOW).await, Err(AccessError::NotAllowed)));
        create(&db, &operator_of(&bank), &bank, "Sảnh chính", NOW).await.expect("same name, another organization");

        let listed = of_organizations(&db, std::slice::from_ref(&tower)).await.expect("places");
        assert_eq!(listed.len(), 1, "only the operator's organizations' places");
        assert_eq!((listed[0].id.as_str(), listed[0].name.as_str()), (lobby.as_str(), "Sảnh chính"));
        assert_eq!(listed[0].organization_name, "Tòa nhà Trung tâm Hành chính");

        let citizen = crate::qr::service::tests::citizen(&db).await;
        let (token, _) = issue(&db, &keys, &citizen, Preset::Basic, NOW).await.expect("issue").expect("account");
        for direction in [Direction::In, Direction::Out] {
            let counter = Counter {
                operator: "operator",
                organization: &tower,
                purpose: Purpose::Entry,
                passage: Some((&lobby, direction)),
            };
            assert!(verify_online(&db, &keys, &token, Via { counter: Some(counter) }, NOW + 5).await.expect("verify").valid);
            // record ids are ULIDs: ordered across milliseconds (two scans of one person within a millisecond do not
            // happen at a real gate; the test must not depend on it either)
            tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        }
        let checks = checks_of(&db, &citizen, 10).await.expect("checks");
        let passages: Vec<(Option<&str>, Option<&str>)> =
            checks.iter().map(|c| (c.place.as_deref(), c.direction.as_deref())).collect();
        // newest first, even within the same second
        assert_eq!(passages, [(Some("Sảnh chính"), Some("out")), (Some("Sảnh chính"), Some("in"))]);
    }
}
