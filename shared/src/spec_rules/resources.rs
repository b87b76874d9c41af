//! Minimum resources: CPU cores and memory, as Backend.AI's scheduler reads them from labels.

use std::fmt;

use crate::spec::MemorySize;
use crate::validation::ValidationErrors;

const DEFAULT_CPU: f64 = 1.0;
const MAX_CPU: f64 = 1024.0;
const DEFAULT_MEMORY: u64 = 1 << 30;
const MIN_MEMORY: u64 = 64 << 20;
const MAX_MEMORY: u64 = 1 << 50;
/// Binary units from the largest down, as Backend.AI's sizes use them.
const UNITS: [(char, u64); 5] = [
    ('p', 1 << 50),
    ('t', 1 << 40),
    ('g', 1 << 30),
    ('m', 1 << 20),
    ('k', 1 << 10),
];

/// Cores, default 1: finite, above 0, at most 1024, in hundredths of a core.
pub(super) fn min_cpu(value: Option<f64>, errors: &mut ValidationErrors) -> f64 {
    let Some(cpu) = value else {
        return DEFAULT_CPU;
    };
    let problem = if !cpu.is_finite() {
        Some("must be a finite number of cores".to_string())
    } else if cpu <= 0.0 {
        Some("must be greater than 0".to_string())
    } else if cpu > MAX_CPU {
        Some(format!("must be at most {MAX_CPU} cores"))
    } else if ((cpu * 100.0).round() - cpu * 100.0).abs() > 1e-6 {
        Some("may have at most 2 decimal places, such as 0.25".to_string())
    } else {
        None
    };
    match problem {
        Some(message) => {
            errors.add("min_cpu", message);
            DEFAULT_CPU
        }
        // Snap to hundredths so that 0.1 + 0.2 style noise never reaches the label.
        None => (cpu * 100.0).round() / 100.0,
    }
}

/// The CPU label value: `1`, `0.5`, `2.25`.
pub(crate) fn cpu_label(cpu: f64) -> String {
    let hundredths = (cpu * 100.0).round() as u64;
    let (whole, fraction) = (hundredths / 100, hundredths % 100);
    match fraction {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

/// Memory, default `1g`, between 64 MiB and 1 PiB.
pub(super) fn min_memory(value: Option<&str>, errors: &mut ValidationErrors) -> MemorySize {
    let Some(text) = value else {
        return MemorySize {
            bytes: DEFAULT_MEMORY,
        };
    };
    let checked = MemorySize::parse(text).and_then(|size| match size.bytes {
        b if b < MIN_MEMORY => Err(format!("'{text}' is below the minimum of 64m")),
        b if b > MAX_MEMORY => Err(format!("'{text}' is above the maximum of 1p")),
        _ => Ok(size),
    });
    checked.unwrap_or_else(|message| {
        errors.add("min_memory", message);
        MemorySize {
            bytes: DEFAULT_MEMORY,
        }
    })
}

impl MemorySize {
    /// Parses a size the way Backend.AI writes them: a number (integer or decimal) and an optional
    /// binary unit `k`, `m`, `g`, `t` or `p` (any case), 1024-based. A trailing `b` or `ib`
    /// after the unit is tolerated (`512MB`, `1GiB` mean 512 MiB and 1 GiB, never powers of ten);
    /// a number alone, or with `b` alone, is bytes. Surrounding whitespace is ignored; whitespace
    /// inside is not. The result must be a whole number of bytes.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        let shape = || {
            format!("'{text}' is not a size; write a number and a unit, such as 512m, 1.5g or 2g")
        };
        let (number, multiplier) = split_unit(trimmed).ok_or_else(shape)?;
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        let fraction_ok = fraction.is_empty() || digits(fraction);
        if !digits(whole) || !fraction_ok || number.ends_with('.') {
            return Err(shape());
        }
        exact_bytes(whole, fraction, multiplier)
            .map(|bytes| Self { bytes })
            .ok_or_else(|| format!("'{text}' is not a whole number of bytes or is far too large"))
    }
}

/// Splits `1.5GiB` into (`1.5`, 2^30).
fn split_unit(text: &str) -> Option<(&str, u64)> {
    // The suffixes are ASCII, so cutting their byte length off keeps to character boundaries.
    let lower = text.to_ascii_lowercase();
    let (without_b, had_i) = if lower.ends_with("ib") {
        (&text[..text.len() - 2], true)
    } else if lower.ends_with('b') {
        (&text[..text.len() - 1], false)
    } else {
        (text, false)
    };
    let last = without_b.chars().last()?.to_ascii_lowercase();
    match UNITS.iter().find(|(unit, _)| *unit == last) {
        Some((_, multiplier)) => Some((&without_b[..without_b.len() - 1], *multiplier)),
        // `ib` needs a unit before it; a bare `b` means bytes.
        None if had_i => None,
        None => Some((without_b, 1)),
    }
}

/// `whole.fraction × multiplier` computed exactly; `None` unless it is a whole number of bytes
/// that fits.
fn exact_bytes(whole: &str, fraction: &str, multiplier: u64) -> Option<u64> {
    if whole.len() + fraction.len() > 24 {
        return None;
    }
    let scale = 10u128.checked_pow(u32::try_from(fraction.len()).ok()?)?;
    let digits: u128 = format!("{whole}{fraction}").parse().ok()?;
    let scaled = digits.checked_mul(u128::from(multiplier))?;
    if scaled % scale != 0 {
        return None;
    }
    u64::try_from(scaled / scale).ok()
}

/// The label form: the largest binary unit that divides the size exactly (`1g`, `1536m`), so that
/// Backend.AI reads back the same number of bytes.
impl fmt::Display for MemorySize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = UNITS
            .iter()
            .find(|(_, size)| self.bytes != 0 && self.bytes.checked_rem(*size) == Some(0));
        match unit {
            Some((suffix, size)) => write!(f, "{}{suffix}", self.bytes / size),
            None => write!(f, "{}", self.bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_accepts_hundredths_within_range() {
        let cases = [
            (None, Ok("1")),
            (Some(0.5), Ok("0.5")),
            (Some(2.25), Ok("2.25")),
            (Some(0.01), Ok("0.01")),
            (Some(1024.0), Ok("1024")),
            (Some(0.1 + 0.2), Ok("0.3")),
            (Some(0.0), Err("greater than 0")),
            (Some(-1.0), Err("greater than 0")),
            (Some(1024.01), Err("at most 1024")),
            (Some(0.125), Err("2 decimal places")),
            (Some(f64::NAN), Err("finite")),
            (Some(f64::INFINITY), Err("finite")),
        ];
        for (input, expected) in cases {
            let mut errors = ValidationErrors::new();
            let cpu = min_cpu(input, &mut errors);
            match expected {
                Ok(label) => {
                    assert!(errors.is_empty(), "{input:?}: {errors}");
                    assert_eq!(cpu_label(cpu), label);
                }
                Err(fragment) => {
                    let message = errors.message_for("min_cpu").unwrap_or_default();
                    assert!(message.contains(fragment), "{input:?}: {message}");
                }
            }
        }
    }

    #[test]
    fn memory_sizes_parse_exactly_in_binary_units() {
        let cases = [
            ("1g", 1u64 << 30),
            ("1G", 1 << 30),
            ("1.5g", 3 << 29),
            ("256m", 256 << 20),
            ("65536k", 64 << 20),
            ("1t", 1 << 40),
            ("1p", 1 << 50),
            ("512MB", 512 << 20),
            ("1GiB", 1 << 30),
            ("2gb", 2 << 30),
            (" 1g ", 1 << 30),
            ("67108864", 64 << 20),
            ("67108864b", 64 << 20),
            ("0.5g", 512 << 20),
        ];
        for (text, bytes) in cases {
            assert_eq!(MemorySize::parse(text), Ok(MemorySize { bytes }), "{text}");
        }
        for bad in [
            "",
            "g",
            "1.g",
            ".5g",
            "1 g",
            "1x",
            "1gg",
            "ib",
            "5ib",
            "-1g",
            "1e9",
            "0.1k",
            "1,5g",
            "1g;rm",
            "99999999999999999999999999p",
        ] {
            assert!(MemorySize::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn memory_bounds_and_default() {
        let check = |input: Option<&str>| {
            let mut errors = ValidationErrors::new();
            let size = min_memory(input, &mut errors);
            (
                size.bytes,
                errors.message_for("min_memory").map(str::to_string),
            )
        };
        assert_eq!(check(None), (1 << 30, None));
        assert_eq!(check(Some("64m")), (64 << 20, None));
        assert_eq!(check(Some("1p")), (1 << 50, None));
        assert!(check(Some("63m"))
            .1
            .is_some_and(|m| m.contains("minimum of 64m")));
        assert!(check(Some("1025t"))
            .1
            .is_some_and(|m| m.contains("maximum of 1p")));
        assert!(check(Some("lots"))
            .1
            .is_some_and(|m| m.contains("not a size")));
    }

    #[test]
    fn memory_labels_round_trip() {
        let cases = [
            (1u64 << 30, "1g"),
            (256 << 20, "256m"),
            (1536 << 20, "1536m"),
            (1 << 50, "1p"),
            (3 << 40, "3t"),
            ((64 << 20) + 1024, "65537k"),
            ((64 << 20) + 1, "67108865"),
        ];
        for (bytes, label) in cases {
            let size = MemorySize { bytes };
            assert_eq!(size.to_string(), label);
            assert_eq!(MemorySize::parse(label), Ok(size));
        }
    }
}
