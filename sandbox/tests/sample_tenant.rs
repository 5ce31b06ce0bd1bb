//! The README documents the sample accounts; keep the two in step.

use std::collections::BTreeSet;

#[test]
fn every_account_in_the_readme_is_in_the_sample_tenant_and_back() {
    let readme = include_str!("../README.md");
    let section = readme
        .split("## Sample accounts")
        .nth(1)
        .expect("the README has a Sample accounts section");
    let documented: BTreeSet<String> = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| l.split('`').nth(1))
        .filter(|u| u.contains('@'))
        .map(str::to_owned)
        .collect();
    let tenant = sandbox::Tenant::sample();
    let actual: BTreeSet<String> = tenant
        .users
        .iter()
        .map(|u| u.user_principal_name.clone())
        .collect();
    assert_eq!(documented, actual);
    // The sign-in table lists exactly the accounts the chooser shows.
    let sign_in_table = section.split("Other accounts").next().unwrap();
    for u in tenant.users.iter().filter(|u| u.can_sign_in) {
        assert!(
            sign_in_table.contains(&format!("`{}`", u.user_principal_name)),
            "{} can sign in but is not in the sign-in table",
            u.user_principal_name
        );
    }
}
