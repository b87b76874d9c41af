//! The shell lines that apply the deployment's build settings inside one RUN step: the extra CA
//! and the apt mirror. Each setting arrives as a build argument and is used for that step only,
//! so nothing of it ends up in a layer, and an empty argument leaves the step as if no setting
//! existed.

use super::{ARG_APT_MIRROR, ARG_BUILD_CA, ARG_BUILD_CA_PARTS};

/// Where the step's CA bundle is written; removed when the step's shell exits.
const CA_FILE: &str = "/tmp/forklift-build-ca.pem";
/// Where apt's rewritten source lists live during the step.
const APT_SOURCES: &str = "/tmp/forklift-apt-sources";
/// System CA bundles on Debian/Ubuntu/Alpine and on RHEL/CentOS.
const SYSTEM_BUNDLES: &str = "/etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt";

/// Starts a network step: a trap that removes the step's temporary files however it ends, and
/// the build CA (appended to a copy of the system bundle, since the tools need the usual CAs
/// too) pointed at by every variable the tools read. apt reads its CA from an option, collected
/// in the positional parameters (`"$@"`) for the apt-get calls.
pub(super) fn prelude(apt: bool) -> Vec<String> {
    let mut lines = vec![
        format!("trap 'rm -rf {CA_FILE} {APT_SOURCES}' EXIT;"),
        format!("if [ -n \"${{{ARG_BUILD_CA}:-}}\" ]; then"),
        format!("    ca={CA_FILE};"),
        format!("    for bundle in {SYSTEM_BUNDLES}; do"),
        "        if [ -f \"$bundle\" ]; then cat \"$bundle\" > \"$ca\"; break; fi;".into(),
        "    done;".into(),
        format!("    printf '%s\\n' {} >> \"$ca\";", ca_parts()),
        "    export SSL_CERT_FILE=\"$ca\" REQUESTS_CA_BUNDLE=\"$ca\" CURL_CA_BUNDLE=\"$ca\" PIP_CERT=\"$ca\" CONDA_SSL_VERIFY=\"$ca\";".into(),
        "fi;".into(),
    ];
    if apt {
        lines.splice(1..1, ["set --;".to_string()]);
        lines.insert(
            lines.len() - 1,
            "    set -- -o Acquire::https::CAInfo=\"$ca\";".into(),
        );
    }
    lines
}

/// Every part of the build CA; the ones not passed are empty.
fn ca_parts() -> String {
    let parts: Vec<String> = ARG_BUILD_CA_PARTS
        .iter()
        .map(|part| format!("\"${{{part}:-}}\""))
        .collect();
    parts.join(" ")
}

/// Points apt at copies of the image's source lists in which official archive URIs are replaced
/// by the mirror; the image's own files in /etc/apt are never touched. How depends on the
/// mirror's path (see [`super::ARG_APT_MIRROR`]):
///
/// - ending in `/debian`: it replaces the Debian archive (`deb.debian.org/debian` and its
///   aliases); security sources stay as they are, since such a mirror lacks them;
/// - ending in `/ubuntu`: it replaces the Ubuntu archive and security hosts, which serve one
///   archive;
/// - anything else: it stands for the official hosts, each URI keeping its path.
pub(super) fn apt_mirror() -> Vec<String> {
    let end = r"/?([[:space:]]|\$)";
    let debian_archive =
        format!(r"https?://(deb|httpredir|ftp\.[a-z0-9-]+)\.debian\.org/debian{end}");
    let ubuntu_archive =
        format!(r"https?://(([a-z0-9-]+\.)?archive|security)\.ubuntu\.com/ubuntu{end}");
    let debian_hosts = r"https?://(deb|security|httpredir|ftp\.[a-z0-9-]+)\.debian\.org/";
    let ubuntu_hosts = r"https?://([a-z0-9-]+\.)?(archive|security|ports)\.ubuntu\.com/";
    let rules = format!("{APT_SOURCES}/mirror.sed");
    vec![
        format!("if [ -n \"${{{ARG_APT_MIRROR}:-}}\" ]; then"),
        format!("    mkdir -p {APT_SOURCES}/parts;"),
        format!("    if [ -f /etc/apt/sources.list ]; then cp /etc/apt/sources.list {APT_SOURCES}/; else : > {APT_SOURCES}/sources.list; fi;"),
        "    for list in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do".into(),
        format!("        if [ -f \"$list\" ]; then cp \"$list\" {APT_SOURCES}/parts/; fi;"),
        "    done;".into(),
        format!("    mirror=${{{ARG_APT_MIRROR}%/}};"),
        // The mirror goes into a sed replacement: escape what sed would read as syntax there.
        "    m=$(printf '%s' \"$mirror\" | sed 's/[\\\\&#]/\\\\&/g');".into(),
        "    case \"$mirror\" in".into(),
        format!("        */debian) printf '%s\\n' \"s#{debian_archive}#$m\\2#g\";;"),
        format!("        */ubuntu) printf '%s\\n' \"s#{ubuntu_archive}#$m\\3#g\";;"),
        format!("        *) printf '%s\\n' \"s#{debian_hosts}#$m/#g\" \"s#{ubuntu_hosts}#$m/#g\";;"),
        format!("    esac > {rules};"),
        format!("    for list in {APT_SOURCES}/sources.list {APT_SOURCES}/parts/*; do"),
        format!("        if [ -f \"$list\" ]; then sed -i -E -f {rules} \"$list\"; fi;"),
        "    done;".into(),
        format!("    set -- \"$@\" -o Dir::Etc::SourceList={APT_SOURCES}/sources.list -o Dir::Etc::SourceParts={APT_SOURCES}/parts;"),
        "fi;".into(),
    ]
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    /// Runs the mirror lines against a copy of `/etc/apt` made of `sources`, returning the rewritten
    /// sources.list, the rewritten deb822 file and the untouched original.
    fn rewrite_sources(mirror: &str, sources: &str, deb822: &str) -> (String, String, String) {
        let root = std::env::temp_dir().join(format!(
            "forklift-mirror-test-{}-{}",
            std::process::id(),
            mirror.len()
        ));
        let (etc, copies) = (root.join("etc-apt"), root.join("copies"));
        let _ = std::fs::remove_dir_all(&root);
        let wrote = std::fs::create_dir_all(etc.join("sources.list.d"))
            .and_then(|()| std::fs::write(etc.join("sources.list"), sources))
            .and_then(|()| std::fs::write(etc.join("sources.list.d/debian.sources"), deb822));
        assert!(wrote.is_ok());

        let script = apt_mirror()
            .join(" ")
            .replace("/etc/apt", &etc.to_string_lossy())
            .replace("/tmp/forklift-apt-sources", &copies.to_string_lossy());
        let output = Command::new("sh")
            .args([
                "-eu",
                "-c",
                &format!("set --; {script} printf '%s\\n' \"$@\""),
            ])
            .env(ARG_APT_MIRROR, mirror)
            .output();
        let read = |path: std::path::PathBuf| std::fs::read_to_string(path).unwrap_or_default();
        let result = (
            read(copies.join("sources.list")),
            read(copies.join("parts/debian.sources")),
            read(etc.join("sources.list")),
        );
        let _ = std::fs::remove_dir_all(&root);

        let stdout = output.map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
        assert!(stdout.is_ok_and(|s| s.contains("Dir::Etc::SourceParts=")));
        result
    }

    const SOURCES: &str = "deb http://deb.debian.org/debian bookworm main
deb https://security.debian.org/debian-security bookworm-security main
deb http://deb.debian.org/debian/ bookworm-updates main
deb http://de.archive.ubuntu.com/ubuntu/ jammy main
deb http://security.ubuntu.com/ubuntu jammy-security main
deb http://ports.ubuntu.com/ubuntu-ports jammy main
deb http://example.com/debian bookworm main
";
    const DEB822: &str = "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm\n";

    #[test]
    fn a_mirror_host_replaces_every_official_host_keeping_paths() {
        let (rewritten, parts, untouched) =
            rewrite_sources("http://mirror.local/a&b#/", SOURCES, DEB822);
        let m = "http://mirror.local/a&b#";
        let expected = format!(
            "deb {m}/debian bookworm main
deb {m}/debian-security bookworm-security main
deb {m}/debian/ bookworm-updates main
deb {m}/ubuntu/ jammy main
deb {m}/ubuntu jammy-security main
deb {m}/ubuntu-ports jammy main
deb http://example.com/debian bookworm main
"
        );
        assert_eq!(rewritten, expected);
        assert_eq!(
            parts,
            format!("Types: deb\nURIs: {m}/debian\nSuites: bookworm\n")
        );
        assert_eq!(untouched, SOURCES, "the image's own lists stay as they are");
    }

    #[test]
    fn an_archive_mirror_replaces_only_its_archive() {
        let (debian, parts, _) =
            rewrite_sources("http://nexus.local/repo/debian/", SOURCES, DEB822);
        let expected = "deb http://nexus.local/repo/debian bookworm main
deb https://security.debian.org/debian-security bookworm-security main
deb http://nexus.local/repo/debian bookworm-updates main
deb http://de.archive.ubuntu.com/ubuntu/ jammy main
deb http://security.ubuntu.com/ubuntu jammy-security main
deb http://ports.ubuntu.com/ubuntu-ports jammy main
deb http://example.com/debian bookworm main
";
        assert_eq!(debian, expected);
        assert_eq!(
            parts,
            "Types: deb\nURIs: http://nexus.local/repo/debian\nSuites: bookworm\n"
        );

        let (ubuntu, _, _) = rewrite_sources("http://mirror.local/ubuntu", SOURCES, DEB822);
        let ubuntu_lines: Vec<&str> = ubuntu.lines().skip(3).take(3).collect();
        assert_eq!(
            ubuntu_lines,
            [
                "deb http://mirror.local/ubuntu jammy main",
                "deb http://mirror.local/ubuntu jammy-security main",
                "deb http://ports.ubuntu.com/ubuntu-ports jammy main",
            ]
        );
        assert!(ubuntu.starts_with("deb http://deb.debian.org/debian bookworm main\n"));
    }
}
