//! Quoting for the two languages a Dockerfile mixes: `sh` in RUN lines, and Docker's own word
//! syntax in ENV and LABEL values.
//!
//! The validators already restrict what reaches here; quoting anyway means that a value that slips
//! past them is still data, never an instruction.

use std::borrow::Cow;

/// Replaces characters that would end a Dockerfile line (or hide in one) with their escaped
/// spelling, such as `\n`. Validated input has none; a hand-built spec might, and a raw newline
/// would start a new instruction.
pub(crate) fn one_line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_line_breaking) {
        return Cow::Borrowed(text);
    }
    let mut line = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_line_breaking(c) {
            line.extend(c.escape_default());
        } else {
            line.push(c);
        }
    }
    Cow::Owned(line)
}

fn is_line_breaking(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

/// Single-quotes a word for `sh`: inside single quotes nothing is special, and a quote itself is
/// written as `'\''` (close, escaped quote, reopen).
pub(crate) fn sh(word: &str) -> String {
    format!("'{}'", one_line(word).replace('\'', r"'\''"))
}

/// Double-quotes a value for ENV and LABEL. Docker's parser treats `\`, `"` and `$` specially
/// inside double quotes (escape, end of value, variable expansion), so each is escaped with a
/// backslash and the value is taken literally.
pub(crate) fn docker(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in one_line(value).chars() {
        if matches!(c, '\\' | '"' | '$') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads a double-quoted value back the way Docker's lexer does, to prove the round trip.
    fn docker_unquote(quoted: &str) -> Option<String> {
        let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
        let mut value = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next()? {
                    next @ ('\\' | '"' | '$') => value.push(next),
                    next => {
                        value.push('\\');
                        value.push(next);
                    }
                },
                '"' | '$' => return None,
                _ => value.push(c),
            }
        }
        Some(value)
    }

    #[test]
    fn docker_values_read_back_literally() {
        for value in [
            "plain",
            "a\"b",
            "$HOME",
            "${HOME}",
            "\\",
            "ends with \\",
            "\\\"",
            "a\\$b",
            "日本語 'x'",
            "",
        ] {
            let quoted = docker(value);
            assert_eq!(docker_unquote(&quoted).as_deref(), Some(value), "{quoted}");
            assert!(!quoted.contains('\n'));
        }
        assert_eq!(docker("a\"$\\"), r#""a\"\$\\""#);
    }

    #[test]
    fn newlines_never_reach_the_dockerfile() {
        let hostile = "a\"\nRUN rm -rf /\r\u{2028}x";
        for quoted in [docker(hostile), sh(hostile)] {
            assert!(!quoted.chars().any(is_line_breaking), "{quoted:?}");
            assert!(
                quoted.contains("\\\\n") || quoted.contains("\\n"),
                "{quoted:?}"
            );
        }
        assert_eq!(one_line("tab\there"), "tab\\there");
        assert!(matches!(one_line("clean"), Cow::Borrowed(_)));
    }

    #[test]
    fn sh_words_stay_single_words() {
        assert_eq!(sh("numpy"), "'numpy'");
        assert_eq!(sh("it's"), r"'it'\''s'");
        assert_eq!(sh("$(id); `id` && x"), "'$(id); `id` && x'");
    }
}
