//! Service ports: the `ai.backend.service-ports` label and a service definition per port.

use std::collections::HashSet;

use super::shell_words;
use crate::known_services;
use crate::spec::{Protocol, RuntimeType, ServicePort, ServicePortSpec};
use crate::validation::ValidationErrors;

const NAME_MAX: usize = 64;
/// Backend.AI provides these services itself in every session.
const RESERVED_NAMES: [&str; 2] = ["sshd", "ttyd"];
/// Container ports Backend.AI's agent uses: the kernel runner's sockets (2000-2003), sshd (2200)
/// and ttyd (7681).
const RESERVED_PORTS: [u16; 6] = [2000, 2001, 2002, 2003, 2200, 7681];
const PORT_MIN: i64 = 1025;
const PORT_MAX: i64 = 65534;

impl Protocol {
    /// The spelling used in the request and in the `ai.backend.service-ports` label.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Tcp => "tcp",
            Protocol::Preopen => "preopen",
        }
    }

    /// Reads `http`, `tcp` or `preopen`, ignoring case.
    pub fn parse(text: &str) -> Option<Self> {
        [Protocol::Http, Protocol::Tcp, Protocol::Preopen]
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(text))
    }
}

/// Checks each port on its own, then that no name or port number is used twice.
pub(super) fn service_ports(
    specs: &[ServicePortSpec],
    runtime: RuntimeType,
    errors: &mut ValidationErrors,
) -> Vec<ServicePort> {
    let mut names = HashSet::new();
    let mut numbers = HashSet::new();
    let mut ports = Vec::with_capacity(specs.len());

    for (index, spec) in specs.iter().enumerate() {
        let field = |part: &str| format!("service_ports[{index}].{part}");
        let mut report = |part: &str, message: String| errors.add(field(part), message);

        let name = check_name(&spec.name).map_err(|m| report("name", m)).ok();
        if name.is_some() && !names.insert(spec.name.clone()) {
            report("name", format!("service '{}' is listed twice", spec.name));
        }
        let protocol = Protocol::parse(&spec.protocol);
        if protocol.is_none() {
            report("protocol", "must be http, tcp or preopen".to_string());
        }
        let port = check_port(spec.port).map_err(|m| report("port", m)).ok();
        if port.is_some() && !numbers.insert(spec.port) {
            report(
                "port",
                format!("port {} is used by another service", spec.port),
            );
        }
        let command = name.and_then(|_| {
            command(spec, runtime)
                .map_err(|m| report("command", m))
                .ok()
        });

        if let (Some(protocol), Some(port), Some(command)) = (protocol, port, command) {
            ports.push(ServicePort {
                name: spec.name.clone(),
                protocol,
                port,
                command,
            });
        }
    }
    ports
}

/// Names become file names (`service-defs/<name>.json`) and label entries, hence the strict set.
fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("is empty".into());
    }
    if name.len() > NAME_MAX {
        return Err(format!("is longer than {NAME_MAX} characters"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err("may only contain letters, digits, '_' and '-'".into());
    }
    if RESERVED_NAMES.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(format!(
            "'{name}' is reserved: Backend.AI provides that service in every session"
        ));
    }
    Ok(())
}

fn check_port(port: i64) -> Result<u16, String> {
    if !(PORT_MIN..=PORT_MAX).contains(&port) {
        return Err(format!("must be between {PORT_MIN} and {PORT_MAX}"));
    }
    let port =
        u16::try_from(port).map_err(|_| format!("must be between {PORT_MIN} and {PORT_MAX}"))?;
    if RESERVED_PORTS.contains(&port) {
        return Err(format!(
            "{port} is reserved by Backend.AI's agent (2000-2003 for the kernel runner, 2200 for sshd, 7681 for ttyd)"
        ));
    }
    Ok(port)
}

/// The given command split into argv, or the default of a known service. Defaults start the
/// service with the Python runtime, so an `app` image must say how to start it.
fn command(spec: &ServicePortSpec, runtime: RuntimeType) -> Result<Vec<String>, String> {
    if let Some(text) = &spec.command {
        return shell_words::command_argv(text);
    }
    let name = &spec.name;
    match known_services::by_name(name) {
        None => Err(format!(
            "command is required for service '{name}' (no default for that name)"
        )),
        Some(_) if runtime == RuntimeType::App => Err(format!(
            "command is required for service '{name}' when runtime_type is app (its default runs the Python runtime)"
        )),
        Some(known) => Ok(known.default_command()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, protocol: &str, port: i64, command: Option<&str>) -> ServicePortSpec {
        ServicePortSpec {
            name: name.to_string(),
            protocol: protocol.to_string(),
            port,
            command: command.map(str::to_string),
        }
    }

    fn check(
        specs: &[ServicePortSpec],
        runtime: RuntimeType,
    ) -> (Vec<ServicePort>, ValidationErrors) {
        let mut errors = ValidationErrors::new();
        let ports = service_ports(specs, runtime, &mut errors);
        (ports, errors)
    }

    #[test]
    fn good_ports_keep_their_order_and_get_commands() {
        let specs = [
            spec("jupyter", "http", 8080, None),
            spec("api", "TCP", 9000, Some("/opt/api --port {ports[0]}")),
            spec("vnc_web-1", "preopen", 65534, Some("x")),
            spec("low", "http", 1025, Some("x")),
        ];
        let (ports, errors) = check(&specs, RuntimeType::Python);
        assert!(errors.is_empty(), "{errors}");
        let summary: Vec<_> = ports
            .iter()
            .map(|p| (p.name.as_str(), p.protocol, p.port))
            .collect();
        assert_eq!(
            summary,
            [
                ("jupyter", Protocol::Http, 8080),
                ("api", Protocol::Tcp, 9000),
                ("vnc_web-1", Protocol::Preopen, 65534),
                ("low", Protocol::Http, 1025)
            ]
        );
        assert_eq!(
            ports[0].command.first().map(String::as_str),
            Some("{runtime_path}")
        );
        assert_eq!(ports[1].command, ["/opt/api", "--port", "{ports[0]}"]);
    }

    #[test]
    fn bad_ports_are_reported_per_field() {
        let long = "n".repeat(65);
        let cases = [
            (
                spec("", "http", 8080, Some("x")),
                "service_ports[0].name",
                "is empty",
            ),
            (
                spec(&long, "http", 8080, Some("x")),
                "service_ports[0].name",
                "longer than 64",
            ),
            (
                spec("my app", "http", 8080, Some("x")),
                "service_ports[0].name",
                "letters, digits",
            ),
            (
                spec("../x", "http", 8080, Some("x")),
                "service_ports[0].name",
                "letters, digits",
            ),
            (
                spec("sshd", "tcp", 8080, Some("x")),
                "service_ports[0].name",
                "reserved",
            ),
            (
                spec("TTYD", "tcp", 8080, Some("x")),
                "service_ports[0].name",
                "reserved",
            ),
            (
                spec("web", "udp", 8080, Some("x")),
                "service_ports[0].protocol",
                "http, tcp or preopen",
            ),
            (
                spec("web", "http", 80, Some("x")),
                "service_ports[0].port",
                "between 1025 and 65534",
            ),
            (
                spec("web", "http", 65535, Some("x")),
                "service_ports[0].port",
                "between 1025 and 65534",
            ),
            (
                spec("web", "http", -1, Some("x")),
                "service_ports[0].port",
                "between",
            ),
            (
                spec("web", "http", 2001, Some("x")),
                "service_ports[0].port",
                "reserved",
            ),
            (
                spec("web", "http", 2200, Some("x")),
                "service_ports[0].port",
                "reserved",
            ),
            (
                spec("web", "http", 7681, Some("x")),
                "service_ports[0].port",
                "reserved",
            ),
            (
                spec("web", "http", 8080, None),
                "service_ports[0].command",
                "command is required for service 'web' (no default for that name)",
            ),
            (
                spec("web", "http", 8080, Some("a; b")),
                "service_ports[0].command",
                "operator",
            ),
            (
                spec("web", "http", 8080, Some("")),
                "service_ports[0].command",
                "is empty",
            ),
        ];
        for (input, field, fragment) in cases {
            let (ports, errors) = check(std::slice::from_ref(&input), RuntimeType::Python);
            let message = errors.message_for(field).unwrap_or_default();
            assert!(message.contains(fragment), "{input:?}: {errors}");
            assert!(ports.is_empty());
        }
    }

    #[test]
    fn duplicates_are_reported_on_the_second_entry() {
        let specs = [
            spec("web", "http", 8080, Some("x")),
            spec("web", "http", 8081, Some("x")),
            spec("api", "http", 8080, Some("x")),
        ];
        let (_, errors) = check(&specs, RuntimeType::Python);
        assert!(errors
            .message_for("service_ports[1].name")
            .is_some_and(|m| m.contains("twice")));
        assert!(errors
            .message_for("service_ports[2].port")
            .is_some_and(|m| m.contains("another service")));
        assert_eq!(errors.errors.len(), 2, "{errors}");
    }

    #[test]
    fn app_runtime_needs_explicit_commands_for_known_services() {
        let (_, errors) = check(&[spec("jupyter", "http", 8080, None)], RuntimeType::App);
        let message = errors
            .message_for("service_ports[0].command")
            .unwrap_or_default();
        assert!(message.contains("runtime_type is app"), "{message}");
    }
}
