//! Services Forklift knows how to start without being told: Jupyter, JupyterLab, TensorBoard.
//!
//! The validator fills in their commands, the generator installs the Python package each needs
//! (so that the `ai.backend.service-ports` label tells the truth) and the post-build checks
//! import it. Keeping the three facts in one table keeps the three steps in agreement.

use crate::spec::ServicePort;

/// A service with a default command, run by the image's Python runtime.
#[derive(Debug)]
pub(crate) struct KnownService {
    /// Service names that select it, lowercase.
    pub names: &'static [&'static str],
    /// The pip package providing it.
    pub pip_package: &'static str,
    /// A module whose import proves the package is installed.
    pub module: &'static str,
    /// argv with Backend.AI's placeholders, which its kernel runner fills in at start-up.
    argv: &'static [&'static str],
}

impl KnownService {
    pub fn default_command(&self) -> Vec<String> {
        self.argv.iter().map(|arg| arg.to_string()).collect()
    }
}

// Both the NotebookApp and ServerApp spellings are given: Notebook 6 reads the first, Notebook 7
// and JupyterLab 3+ (on jupyter_server) the second, and each ignores the other's. Backend.AI's
// app proxy does the authentication, hence the empty token and password.
const KNOWN_SERVICES: [KnownService; 3] = [
    KnownService {
        names: &["jupyter", "jupyter-notebook"],
        pip_package: "notebook",
        module: "notebook",
        argv: &[
            "{runtime_path}",
            "-m",
            "notebook",
            "--no-browser",
            "--allow-root",
            "--ip=0.0.0.0",
            "--port={ports[0]}",
            "--NotebookApp.token=",
            "--NotebookApp.password=",
            "--ServerApp.token=",
            "--ServerApp.password=",
        ],
    },
    KnownService {
        names: &["jupyterlab"],
        pip_package: "jupyterlab",
        module: "jupyterlab",
        argv: &[
            "{runtime_path}",
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            "--ip=0.0.0.0",
            "--port={ports[0]}",
            "--NotebookApp.token=",
            "--NotebookApp.password=",
            "--ServerApp.token=",
            "--ServerApp.password=",
        ],
    },
    // tensorboard has no __main__ module; tensorboard.main runs it. Backend.AI offers no
    // placeholder for the home directory, so the log directory is spelled out.
    KnownService {
        names: &["tensorboard"],
        pip_package: "tensorboard",
        module: "tensorboard",
        argv: &[
            "{runtime_path}",
            "-m",
            "tensorboard.main",
            "--logdir",
            "/home/work/logs",
            "--host",
            "0.0.0.0",
            "--port",
            "{ports[0]}",
        ],
    },
];

/// The known service a name selects, ignoring case.
pub(crate) fn by_name(name: &str) -> Option<&'static KnownService> {
    let name = name.to_ascii_lowercase();
    KNOWN_SERVICES
        .iter()
        .find(|service| service.names.contains(&name.as_str()))
}

/// The known service a port runs with its default command; `None` when the user gave their own
/// command, since then Forklift cannot know what it needs.
pub(crate) fn running_default(port: &ServicePort) -> Option<&'static KnownService> {
    by_name(&port.name).filter(|service| port.command == service.default_command())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Protocol;

    fn port(name: &str, command: Vec<String>) -> ServicePort {
        ServicePort {
            name: name.to_string(),
            protocol: Protocol::Http,
            port: 8080,
            command,
        }
    }

    #[test]
    fn names_select_services_ignoring_case() {
        let found = |name| by_name(name).map(|s| s.pip_package);
        assert_eq!(found("Jupyter"), Some("notebook"));
        assert_eq!(found("jupyter-notebook"), Some("notebook"));
        assert_eq!(found("JUPYTERLAB"), Some("jupyterlab"));
        assert_eq!(found("tensorboard"), Some("tensorboard"));
        assert_eq!(found("vscode"), None);
    }

    #[test]
    fn only_the_default_command_counts_as_running_the_default() {
        let Some(jupyter) = by_name("jupyter") else {
            panic!("jupyter is known");
        };
        assert!(running_default(&port("jupyter", jupyter.default_command())).is_some());
        let own = vec!["jupyter".to_string(), "lab".to_string()];
        assert!(running_default(&port("jupyter", own)).is_none());
        assert!(running_default(&port("custom", jupyter.default_command())).is_none());
    }

    #[test]
    fn every_default_uses_only_placeholders_backend_ai_fills() {
        for service in &KNOWN_SERVICES {
            let braced: Vec<&str> = service
                .argv
                .iter()
                .copied()
                .filter(|arg| arg.contains('{'))
                .collect();
            assert!(
                braced
                    .iter()
                    .all(|a| a.contains("{runtime_path}") || a.contains("{ports[0]}")),
                "{braced:?}"
            );
        }
    }
}
