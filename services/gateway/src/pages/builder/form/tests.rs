use super::*;

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn rows_and_lists_become_the_api_request() {
    let form = BuilderForm::from_pairs(&pairs(&[
        ("source_image", " debian:12 "),
        ("target_image", "ml/app:1.0-debian12"),
        ("min_cpu", "2"),
        ("ports-1-name", "api"),
        ("ports-1-protocol", "tcp"),
        ("ports-1-port", "9000"),
        ("ports-0-name", "web"),
        ("ports-0-protocol", "http"),
        ("ports-0-port", "8080"),
        ("envs-0-name", "A"),
        ("envs-0-value", " spaced "),
        ("apt", "jq\n\n curl \n"),
        ("features", "batch, uid-match"),
        ("allow_root", "on"),
    ]));
    let (spec, errors) = form.to_spec();
    assert!(errors.is_empty(), "{errors}");
    assert_eq!(spec.source_image, "debian:12");
    assert_eq!(spec.min_cpu, Some(2.0));
    assert_eq!(spec.service_ports.len(), 2);
    assert_eq!(spec.service_ports[0].name, "web");
    assert_eq!(spec.service_ports[1].port, 9000);
    assert_eq!(spec.envs[0].value, " spaced ", "values are kept as typed");
    assert_eq!(spec.packages.apt, ["jq", "curl"]);
    assert_eq!(
        spec.features,
        Some(vec!["batch".into(), "uid-match".into()])
    );
    assert_eq!(spec.corecount_envs, None, "blank keeps the default");
    assert!(spec.allow_root && !spec.auto_push);
}

#[test]
fn unreadable_numbers_are_named_like_validation_errors() {
    let form = BuilderForm::from_pairs(&pairs(&[("min_cpu", "two"), ("ports-0-port", "http")]));
    let (_, errors) = form.to_spec();
    assert!(errors.message_for("min_cpu").is_some());
    assert!(errors.message_for("service_ports[0].port").is_some());
}

#[test]
fn row_buttons_add_and_remove_rows() {
    let mut form = BuilderForm::default();
    assert!(form.apply("add_port") && form.apply("add_port") && form.apply("add_env"));
    form.ports[1].name = "second".into();
    assert!(form.apply("remove_port:0"));
    assert_eq!(form.ports.len(), 1);
    assert_eq!(form.ports[0].name, "second");
    assert!(form.apply("remove_env:7"), "a stale index changes nothing");
    assert_eq!(form.envs.len(), 1);
    assert!(!form.apply("submit"));
    let huge = BuilderForm::from_pairs(&pairs(&[("ports-999999-name", "x")]));
    assert!(huge.ports.is_empty());
}

#[test]
fn list_messages_name_their_line() {
    let mut errors = ValidationErrors::new();
    errors.add("packages.apt[1]", "bad");
    errors.add("packages.apt", "too many");
    errors.add("packages.pip[0]", "other");
    assert_eq!(
        messages_under(&errors, "packages.apt").as_deref(),
        Some("entry 2: bad; too many")
    );
}
