use super::*;

/// (input, registry, namespace, name, tag, digest)
type Parsed = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

const SHA: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[test]
fn accepted_references_split_into_their_parts() {
    let digest_ref = format!("python@{SHA}");
    let tagged_digest = format!("ghcr.io/org/py:3.11@{SHA}");
    let cases: Vec<(String, Parsed)> = vec![
        ("python".into(), ("", None, None, "python", None, None)),
        (
            "python:3.11-slim".into(),
            ("", None, None, "python", Some("3.11-slim"), None),
        ),
        (
            "library/python:3".into(),
            ("", None, Some("library"), "python", Some("3"), None),
        ),
        (
            "docker.io/library/python:3.11".into(),
            (
                "",
                Some("docker.io"),
                Some("library"),
                "python",
                Some("3.11"),
                None,
            ),
        ),
        (
            "registry.example.com:5000/ml/team/torch:2.1".into(),
            (
                "",
                Some("registry.example.com:5000"),
                Some("ml/team"),
                "torch",
                Some("2.1"),
                None,
            ),
        ),
        (
            "localhost/app".into(),
            ("", Some("localhost"), None, "app", None, None),
        ),
        (
            "localhost:5000/app:v1".into(),
            ("", Some("localhost:5000"), None, "app", Some("v1"), None),
        ),
        (
            "10.0.0.1:443/a/b".into(),
            ("", Some("10.0.0.1:443"), Some("a"), "b", None, None),
        ),
        (
            "[::1]:5000/img:x".into(),
            ("", Some("[::1]:5000"), None, "img", Some("x"), None),
        ),
        (
            "My-Registry.Local/img".into(),
            ("", Some("My-Registry.Local"), None, "img", None, None),
        ),
        (
            "a__b/c.d/e--f_g:_t".into(),
            ("", None, Some("a__b/c.d"), "e--f_g", Some("_t"), None),
        ),
        (digest_ref, ("", None, None, "python", None, Some(SHA))),
        (
            tagged_digest,
            (
                "",
                Some("ghcr.io"),
                Some("org"),
                "py",
                Some("3.11"),
                Some(SHA),
            ),
        ),
    ];
    for (input, (_, registry, namespace, name, tag, digest)) in cases {
        let parsed = ImageRef::parse(&input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(parsed.registry.as_deref(), registry, "{input}");
        assert_eq!(parsed.namespace.as_deref(), namespace, "{input}");
        assert_eq!(parsed.name, name, "{input}");
        assert_eq!(parsed.tag.as_deref(), tag, "{input}");
        assert_eq!(parsed.digest.as_deref(), digest, "{input}");
        assert_eq!(parsed.to_string(), input, "display gives back the input");
    }
}

#[test]
fn refused_references_say_what_is_wrong() {
    let long_name = "a".repeat(256);
    let long_tag = format!("x:{}", "t".repeat(129));
    let cases: Vec<(String, &str)> = vec![
        ("".into(), "is empty"),
        ("python 3".into(), "whitespace at character 7"),
        ("python\n:3".into(), "whitespace"),
        ("py\u{7}thon".into(), "control character"),
        ("UPPER/case".into(), "'UPPER' contains uppercase"),
        ("library/Python".into(), "'Python' contains uppercase"),
        ("a//b".into(), "contains '//'"),
        ("/a".into(), "starts with '/'"),
        ("a/".into(), "ends with '/'"),
        (":tag".into(), "image name is missing"),
        ("python:".into(), "tag after ':' is empty"),
        ("python:-x".into(), "must start with a letter, digit or '_'"),
        ("python:a+b".into(), "tag 'a+b' contains '+'"),
        (long_tag, "at most 128"),
        ("host:99999/x".into(), "port 99999 is out of range"),
        ("host:0/x".into(), "port 0 is out of range"),
        ("host:/x".into(), "port after ':' is empty"),
        ("host:ab/x".into(), "'ab' is not a number"),
        ("bad_host.com/x".into(), "contains '_'"),
        ("-bad.com/x".into(), "starting or ending with '-'"),
        ("a..b/x".into(), "empty label"),
        ("1.2.3/x".into(), "neither a host name nor an IPv4"),
        ("256.1.1.1/x".into(), "neither a host name nor an IPv4"),
        ("[zz]:5000/x".into(), "not a valid IPv6"),
        ("x@sha256:short".into(), "exactly 64 lowercase hex"),
        (
            format!("x@{}", SHA.to_uppercase().replace("SHA256", "sha256")),
            "lowercase hex",
        ),
        ("x@md5:abc".into(), "'md5' is not supported"),
        ("x@abc".into(), "must look like sha256"),
        ("x@a@b".into(), "more than one '@'"),
        ("a/-b".into(), "must start and end with a letter or digit"),
        ("a/b.".into(), "must start and end with a letter or digit"),
        ("a/b..c".into(), "separator '..'"),
        ("a/b___c".into(), "separator '___'"),
        ("a/b._c".into(), "separator '._'"),
        ("a/b$c".into(), "contains '$'"),
        ("a;rm/x".into(), "contains ';'"),
        (long_name, "at most 255"),
    ];
    for (input, expected) in cases {
        match ImageRef::parse(&input) {
            Ok(parsed) => panic!("{input:?} was accepted as {parsed:?}"),
            Err(error) => assert!(
                error.reason().contains(expected),
                "{input:?}: {error} does not mention {expected:?}"
            ),
        }
    }
}

#[test]
fn docker_reference_makes_latest_explicit_only_without_tag_or_digest() {
    let cases = [
        ("python", "python:latest"),
        ("python:3.11", "python:3.11"),
        ("reg.io:5000/ns/app", "reg.io:5000/ns/app:latest"),
    ];
    for (input, expected) in cases {
        let parsed = ImageRef::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(parsed.reference_for_docker(), expected);
    }
    let pinned = format!("python@{SHA}");
    let parsed = ImageRef::parse(&pinned).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.reference_for_docker(), pinned);
}

#[test]
fn repository_and_registry_host() {
    let parsed = ImageRef::parse("reg.io:5000/ml/team/app:1.0").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.repository(), "reg.io:5000/ml/team/app");
    assert_eq!(parsed.registry_host(), Some("reg.io:5000"));
    assert_eq!(parsed.tag(), Some("1.0"));
    let hub = ImageRef::parse("python").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(hub.registry_host(), None);
    assert_eq!(hub.repository(), "python");
}

#[test]
fn backend_ai_targets_need_a_versioned_tag() {
    let accepted = [
        "reg/ml/python:3.11-ubuntu22.04",
        "python:2.1-py311-cuda12.1",
        "app:1.0",
        "app:20240101",
        "app:v2_rc.1-cuda",
        "app:1.0-CUDA12",
    ];
    for input in accepted {
        let parsed = ImageRef::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(parsed.check_backend_ai_target(), Ok(()), "{input}");
    }

    let refused = [
        ("app", "needs an explicit tag"),
        ("app:latest", "carries no version"),
        ("app:LATEST-cuda12", "carries no version"),
        ("app:3.11--cuda", "empty part"),
        ("app:3.11-", "empty part"),
        ("app:3.11-py311-py312", "'py' twice"),
        ("app:3.11-12cuda", "platform part '12cuda'"),
        ("app:3.11-cuda.12", "platform part 'cuda.12'"),
        ("app:3.11-cuda12-x1-", "empty part"),
    ];
    for (input, expected) in refused {
        let parsed = ImageRef::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        match parsed.check_backend_ai_target() {
            Ok(()) => panic!("{input} was accepted"),
            Err(error) => assert!(error.to_string().contains(expected), "{input}: {error}"),
        }
    }

    let pinned = ImageRef::parse(&format!("app:1.0@{SHA}")).unwrap_or_else(|e| panic!("{e}"));
    let result = pinned.check_backend_ai_target().map_err(|e| e.to_string());
    assert!(matches!(result, Err(m) if m.contains("cannot have a digest")));
}

#[test]
fn errors_convert_to_their_message() {
    let Err(error) = ImageRef::parse("a//b") else {
        panic!("a//b was accepted");
    };
    let text: String = error.clone().into();
    assert_eq!(text, error.to_string());
}
