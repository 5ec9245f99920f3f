//! The head of each organisation is resolved when the file compiles, from
//! what the file writes (`head: true`, else the role with id `head`), and
//! every regulation of the repository names the heads it needs.

use qyzmet_calendar::Calendar;
use qyzmet_regulation::model::OrgKind;

mod catalog;

#[test]
fn every_regulation_names_its_heads_without_a_warning() {
    let calendar = Calendar::kazakhstan();
    let mut heads = Vec::new();
    for (name, model) in catalog::models() {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(&name),
        )
        .unwrap();
        let checked = qyzmet_regulation::check(&text, &calendar);
        let codes: Vec<&str> = checked
            .diagnostics
            .iter()
            .map(|diagnostic| diagnostic.code)
            .filter(|code| code.contains("head"))
            .collect();
        assert!(codes.is_empty(), "{name}: {codes:?}");
        let of = |org| model.head_role(org).map(|role| role.id.clone());
        heads.push(format!(
            "{name}: provider {:?}, rural_akimat {:?}, service_centre {:?}",
            of(OrgKind::Provider),
            of(OrgKind::RuralAkimat),
            of(OrgKind::ServiceCentre)
        ));
    }
    let heads = heads.join("\n");
    // The provider's head is `head` wherever the provider has several
    // roles; Balkhash's employment referral has one specialist and no
    // head. The rural akim heads the akimat where one takes part; no seed
    // names a head of the State Corporation (its tasks go to the
    // provider's head).
    let expected = "\
regulations/aktobe/2015-278/employment-referral.yaml: provider Some(\"head\"), rural_akimat None, service_centre None
regulations/karaganda-balkhash/2012-43-01/employment-referral.yaml: provider None, rural_akimat None, service_centre None
regulations/karaganda-balkhash/2012-43-01/targeted-assistance-certificate.yaml: provider Some(\"head\"), rural_akimat Some(\"akim\"), service_centre None
regulations/kostanay/2014-268/foreign-labour-permit.yaml: provider Some(\"head\"), rural_akimat None, service_centre None
regulations/kostanay/2014-268/semipalatinsk-victims.yaml: provider Some(\"head\"), rural_akimat None, service_centre None
regulations/kyzylorda/2015-141/employment-referral.yaml: provider Some(\"head\"), rural_akimat None, service_centre None
regulations/kyzylorda/2015-141/unemployed-certificate.yaml: provider Some(\"head\"), rural_akimat None, service_centre None
regulations/kyzylorda/2015-141/unemployed-registration.yaml: provider Some(\"head\"), rural_akimat None, service_centre None
regulations/west-kazakhstan/2016-122/appeal.yaml: provider Some(\"head\"), rural_akimat None, service_centre None
regulations/west-kazakhstan/2016-122/child-benefit.yaml: provider Some(\"head\"), rural_akimat Some(\"rural-akim\"), service_centre None
regulations/west-kazakhstan/2016-122/disabled-children-home-schooling.yaml: provider Some(\"head\"), rural_akimat None, service_centre None
regulations/west-kazakhstan/2016-122/oralman-status.yaml: provider Some(\"head\"), rural_akimat None, service_centre None
regulations/west-kazakhstan/2016-122/rural-specialists-fuel-assistance.yaml: provider Some(\"head\"), rural_akimat Some(\"akim\"), service_centre None
regulations/west-kazakhstan/2016-122/semipalatinsk-victims.yaml: provider Some(\"head\"), rural_akimat None, service_centre None
regulations/west-kazakhstan/2016-122/targeted-assistance-certificate.yaml: provider Some(\"head\"), rural_akimat Some(\"akim\"), service_centre None
regulations/west-kazakhstan/2016-122/targeted-social-assistance.yaml: provider Some(\"head\"), rural_akimat Some(\"rural-akim\"), service_centre None
regulations/west-kazakhstan/2016-122/unemployed-certificate.yaml: provider Some(\"head\"), rural_akimat None, service_centre None
regulations/west-kazakhstan/2016-122/unemployed-registration.yaml: provider Some(\"head\"), rural_akimat None, service_centre None";
    assert_eq!(heads, expected);
}
