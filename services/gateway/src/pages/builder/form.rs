//! The builder form as typed, and its translation into the API's [`BuildSpec`].
//!
//! Fields stay text until [`BuilderForm::to_spec`], so a half-typed form re-renders exactly as
//! the user left it. Only the conversions a form needs (text to numbers, lines to lists) happen
//! here; every rule about what is valid is [`forklift_shared::spec::validate`]'s.

use forklift_shared::spec::{BuildSpec, EnvVarSpec, PackagesSpec, ServicePortSpec};
use forklift_shared::validation::ValidationErrors;

/// One service-port row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PortRow {
    pub name: String,
    pub protocol: String,
    pub port: String,
    pub command: String,
}

/// One environment-variable row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnvRow {
    pub name: String,
    pub value: String,
}

/// Every field of the builder form, as text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuilderForm {
    pub source_image: String,
    pub target_image: String,
    pub min_cpu: String,
    pub min_memory: String,
    pub ports: Vec<PortRow>,
    pub envs: Vec<EnvRow>,
    pub apt: String,
    pub pip: String,
    pub conda: String,
    pub auto_push: bool,
    pub allow_root: bool,
    pub runtime_type: String,
    pub runtime_path: String,
    pub base_distro: String,
    pub features: String,
    pub accelerators: String,
    pub corecount_envs: String,
}

/// Rows a form may hold, so a crafted post cannot make the server render millions.
const MAX_ROWS: usize = 64;

impl BuilderForm {
    /// Reads a url-encoded post: rows are `ports-<i>-<part>` and `envs-<i>-<part>`.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut form = BuilderForm::default();
        for (key, value) in pairs {
            form.set(key, value);
        }
        form
    }

    fn set(&mut self, key: &str, value: &str) {
        let text = value.to_string();
        match key {
            "source_image" => self.source_image = text,
            "target_image" => self.target_image = text,
            "min_cpu" => self.min_cpu = text,
            "min_memory" => self.min_memory = text,
            "apt" => self.apt = text,
            "pip" => self.pip = text,
            "conda" => self.conda = text,
            "auto_push" => self.auto_push = true,
            "allow_root" => self.allow_root = true,
            "runtime_type" => self.runtime_type = text,
            "runtime_path" => self.runtime_path = text,
            "base_distro" => self.base_distro = text,
            "features" => self.features = text,
            "accelerators" => self.accelerators = text,
            "corecount_envs" => self.corecount_envs = text,
            _ => self.set_row(key, text),
        }
    }

    fn set_row(&mut self, key: &str, text: String) {
        let mut parts = key.splitn(3, '-');
        let (Some(list), Some(index), Some(part)) = (parts.next(), parts.next(), parts.next())
        else {
            return;
        };
        let Some(index) = index.parse::<usize>().ok().filter(|i| *i < MAX_ROWS) else {
            return;
        };
        match (list, part) {
            ("ports", _) => {
                let row = row_at(&mut self.ports, index);
                match part {
                    "name" => row.name = text,
                    "protocol" => row.protocol = text,
                    "port" => row.port = text,
                    "command" => row.command = text,
                    _ => {}
                }
            }
            ("envs", "name") => row_at(&mut self.envs, index).name = text,
            ("envs", "value") => row_at(&mut self.envs, index).value = text,
            _ => {}
        }
    }

    /// Applies a row button (`add_port`, `remove_port:<i>`, `add_env`, `remove_env:<i>`);
    /// false when `action` is none of them.
    pub fn apply(&mut self, action: &str) -> bool {
        let (verb, index) = match action.split_once(':') {
            Some((verb, index)) => (verb, index.parse::<usize>().ok()),
            None => (action, None),
        };
        match (verb, index) {
            ("add_port", _) if self.ports.len() < MAX_ROWS => self.ports.push(PortRow {
                protocol: "http".into(),
                ..PortRow::default()
            }),
            ("add_env", _) if self.envs.len() < MAX_ROWS => self.envs.push(EnvRow::default()),
            ("remove_port", Some(i)) if i < self.ports.len() => {
                self.ports.remove(i);
            }
            ("remove_env", Some(i)) if i < self.envs.len() => {
                self.envs.remove(i);
            }
            ("add_port" | "add_env" | "remove_port" | "remove_env", _) => {}
            _ => return false,
        }
        true
    }

    /// The request this form describes, with what could not even be read (a port that is not
    /// a number) already recorded against its field.
    pub fn to_spec(&self) -> (BuildSpec, ValidationErrors) {
        let mut errors = ValidationErrors::new();
        let min_cpu = optional(&self.min_cpu).and_then(|text| {
            text.parse::<f64>()
                .map_err(|_| errors.add("min_cpu", "enter a number of cores, such as 1 or 0.5"))
                .ok()
        });
        let service_ports = self
            .ports
            .iter()
            .enumerate()
            .map(|(i, row)| port_spec(i, row, &mut errors))
            .collect();
        let envs = self
            .envs
            .iter()
            .map(|row| EnvVarSpec {
                name: row.name.trim().to_string(),
                value: row.value.clone(),
            })
            .collect();
        let spec = BuildSpec {
            source_image: self.source_image.trim().to_string(),
            target_image: self.target_image.trim().to_string(),
            min_cpu,
            min_memory: optional(&self.min_memory),
            service_ports,
            envs,
            packages: PackagesSpec {
                apt: lines(&self.apt),
                pip: lines(&self.pip),
                conda: lines(&self.conda),
            },
            allow_root: self.allow_root,
            auto_push: self.auto_push,
            runtime_type: optional(&self.runtime_type),
            runtime_path: optional(&self.runtime_path),
            base_distro: optional(&self.base_distro),
            features: list(&self.features),
            accelerators: list(&self.accelerators),
            corecount_envs: list(&self.corecount_envs),
        };
        (spec, errors)
    }
}

fn row_at<T: Default>(rows: &mut Vec<T>, index: usize) -> &mut T {
    if rows.len() <= index {
        rows.resize_with(index + 1, T::default);
    }
    &mut rows[index]
}

fn port_spec(index: usize, row: &PortRow, errors: &mut ValidationErrors) -> ServicePortSpec {
    let port = match row.port.trim() {
        "" => 0,
        text => text.parse::<i64>().unwrap_or_else(|_| {
            errors.add(
                format!("service_ports[{index}].port"),
                "enter a port number",
            );
            0
        }),
    };
    ServicePortSpec {
        name: row.name.trim().to_string(),
        protocol: row.protocol.trim().to_string(),
        port,
        command: optional(&row.command),
    }
}

/// Blank means "use the default".
fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// One entry per non-blank line.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// Entries separated by commas or lines; blank means "use the default".
fn list(text: &str) -> Option<Vec<String>> {
    let entries: Vec<String> = text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(String::from)
        .collect();
    (!entries.is_empty()).then_some(entries)
}

/// The messages for a list field and its entries, each entry named by its line.
pub fn messages_under(errors: &ValidationErrors, field: &str) -> Option<String> {
    let found: Vec<String> = errors
        .errors
        .iter()
        .filter_map(|e| {
            if e.field == field {
                return Some(e.message.clone());
            }
            let index = e
                .field
                .strip_prefix(field)?
                .strip_prefix('[')?
                .strip_suffix(']')?;
            let line = index.parse::<usize>().ok()? + 1;
            Some(format!("entry {line}: {}", e.message))
        })
        .collect();
    (!found.is_empty()).then(|| found.join("; "))
}

#[cfg(test)]
mod tests;
