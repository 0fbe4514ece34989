//! The rules of granting: plain functions over grants, tested without a database.
use super::{Grant, Role};

/// Whether someone holding `granter` may grant (or take back) `role` for `scope`. The city administrator may
/// grant anything; a ward officer may add members to the teams of their own ward (`team_ward` is the ward of the
/// team named by `scope`); nobody else grants anything.
pub fn may_grant(granter: &[Grant], role: Role, scope: &str, team_ward: Option<&str>) -> bool {
    if granter.iter().any(|g| g.role == Role::CityAdmin) {
        return true;
    }
    role == Role::TeamMember
        && !scope.is_empty()
        && team_ward.is_some_and(|ward| {
            granter.iter().any(|g| g.role == Role::WardOfficer && g.scope == ward)
        })
}

/// Whether someone may create a team in `ward`: the city administrator anywhere, a ward officer in their ward.
pub fn may_manage_ward(granter: &[Grant], ward: &str) -> bool {
    granter.iter().any(|g| g.role == Role::CityAdmin || (g.role == Role::WardOfficer && g.scope == ward))
}

/// Staff are people with any role; they need an authenticator app and get shorter sessions.
pub fn is_staff(grants: &[Grant]) -> bool {
    !grants.is_empty()
}

/// The scopes of one role among the grants (e.g. the wards of a ward officer).
pub fn scopes_of(grants: &[Grant], role: Role) -> Vec<String> {
    grants.iter().filter(|g| g.role == role).map(|g| g.scope.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(role: Role, scope: &str) -> Grant {
        Grant { role, scope: scope.to_owned() }
    }

    #[test]
    fn the_city_administrator_grants_every_role() {
        let admin = [grant(Role::CityAdmin, "")];
        for role in Role::ALL {
            assert!(may_grant(&admin, role, "x", None), "{role:?}");
        }
        assert!(may_manage_ward(&admin, "20194"));
    }

    #[test]
    fn a_ward_officer_adds_team_members_in_their_own_ward_only() {
        let officer = [grant(Role::WardOfficer, "20194")];
        assert!(may_grant(&officer, Role::TeamMember, "team1", Some("20194")));
        assert!(!may_grant(&officer, Role::TeamMember, "team2", Some("20197")), "another ward's team");
        assert!(!may_grant(&officer, Role::TeamMember, "ghost", None), "a team that does not exist");
        assert!(!may_grant(&officer, Role::WardOfficer, "20194", None), "no new officers");
        assert!(!may_grant(&officer, Role::CityAdmin, "", None));
        assert!(!may_grant(&officer, Role::ServiceOperator, "org", None));
        assert!(may_manage_ward(&officer, "20194"));
        assert!(!may_manage_ward(&officer, "20197"));
    }

    #[test]
    fn other_roles_and_citizens_grant_nothing() {
        for holder in [
            vec![],
            vec![grant(Role::TeamMember, "team1")],
            vec![grant(Role::OrgAdmin, "org1")],
            vec![grant(Role::ServiceOperator, "org1")],
        ] {
            for role in Role::ALL {
                assert!(!may_grant(&holder, role, "team1", Some("20194")), "{holder:?} {role:?}");
            }
            assert!(!may_manage_ward(&holder, "20194"));
        }
        assert!(!is_staff(&[]));
        assert!(is_staff(&[grant(Role::TeamMember, "team1")]));
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
        let both = [grant(Role::WardOfficer, "1"), grant(Role::TeamMember, "t"), grant(Role::WardOfficer, "2")];
        assert_eq!(scopes_of(&both, Role::WardOfficer), ["1", "2"]);
    }
}
