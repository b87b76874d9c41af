//! Service commands: a command line split into argv with POSIX shell quoting, and Backend.AI's
//! placeholders checked.
//!
//! Backend.AI's kernel runner executes the argv directly, without a shell, after filling in
//! `{...}` placeholders in every word. So the splitter accepts exactly what a shell would read as
//! plain words and refuses what a shell would treat as more (operators, expansions, comments):
//! such a command would run differently from how it reads. Anything shell-like belongs in
//! `sh -c '...'`.

/// Longest command line accepted.
const MAX_LEN: usize = 4096;

/// The placeholders Backend.AI's kernel runner fills in a service command. Any other `{...}`
/// makes the service fail when a session starts it.
const PLACEHOLDERS: [&str; 2] = ["{runtime_path}", "{ports[0]}"];

/// Splits `command` into argv and checks its placeholders.
pub(super) fn command_argv(command: &str) -> Result<Vec<String>, String> {
    if command.chars().count() > MAX_LEN {
        return Err(format!("is longer than {MAX_LEN} characters"));
    }
    if command.chars().any(super::is_forbidden_char) {
        return Err("contains a control character (newline, tab...); write it on one line".into());
    }
    let argv = split(command)?;
    if argv.is_empty() {
        return Err("is empty".into());
    }
    for word in &argv {
        check_placeholders(word)?;
    }
    Ok(argv)
}

/// POSIX word splitting with single quotes, double quotes and backslashes.
fn split(command: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = command.chars();

    while let Some(c) = chars.next() {
        match c {
            ' ' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
                continue;
            }
            '\'' => single_quoted(&mut chars, &mut word)?,
            '"' => double_quoted(&mut chars, &mut word)?,
            '\\' => word.push(chars.next().ok_or("ends with a lone backslash")?),
            '#' if !in_word => return Err(shell_only('#', "starts a comment")),
            '$' => return Err(shell_only('$', "expands a variable")),
            '`' => return Err(shell_only('`', "runs a command")),
            ';' | '&' | '|' | '<' | '>' | '(' | ')' => return Err(shell_only(c, "is an operator")),
            _ => word.push(c),
        }
        in_word = true;
    }

    if in_word {
        words.push(word);
    }
    Ok(words)
}

fn single_quoted(chars: &mut std::str::Chars<'_>, word: &mut String) -> Result<(), String> {
    for c in chars.by_ref() {
        if c == '\'' {
            return Ok(());
        }
        word.push(c);
    }
    Err("has a single quote that is never closed".into())
}

/// Inside double quotes a backslash escapes only `$`, `` ` ``, `"` and `\`; an unescaped `$` or
/// `` ` `` would expand in a shell, so it is refused like outside quotes.
fn double_quoted(chars: &mut std::str::Chars<'_>, word: &mut String) -> Result<(), String> {
    while let Some(c) = chars.next() {
        match c {
            '"' => return Ok(()),
            '$' => return Err(shell_only('$', "expands a variable even in double quotes")),
            '`' => return Err(shell_only('`', "runs a command even in double quotes")),
            '\\' => match chars.next() {
                Some(next @ ('$' | '`' | '"' | '\\')) => word.push(next),
                Some(next) => {
                    word.push('\\');
                    word.push(next);
                }
                None => break,
            },
            _ => word.push(c),
        }
    }
    Err("has a double quote that is never closed".into())
}

fn shell_only(c: char, what: &str) -> String {
    format!(
        "'{c}' {what} in a shell, but service commands run without one; quote it, or wrap the command in sh -c '...'"
    )
}

/// Backend.AI fills `{name}` in every word (and `${{ name }}`), leaving `${VAR}` alone.
fn check_placeholders(word: &str) -> Result<(), String> {
    let mut rest = word;
    while let Some(open) = rest.find('{') {
        let before = &rest[..open];
        let from = &rest[open..];
        if before.ends_with('$') && !from.starts_with("{{") {
            // A shell's ${VAR}, inside a quoted sh -c script.
            rest = &from[1..];
            continue;
        }
        match PLACEHOLDERS.iter().find(|p| from.starts_with(**p)) {
            Some(placeholder) => rest = &from[placeholder.len()..],
            None => {
                return Err(format!(
                    "'{}' is not a placeholder Backend.AI fills in; only {{runtime_path}} and {{ports[0]}} are (inside sh -c, write shell variables as ${{VAR}})",
                    placeholder_text(from)
                ))
            }
        }
    }
    Ok(())
}

/// The braced text a refusal is about, cut short if it never closes.
fn placeholder_text(from: &str) -> &str {
    let end = from.find('}').map_or(from.len(), |close| close + 1);
    let end = end.min(from.char_indices().nth(32).map_or(from.len(), |(i, _)| i));
    &from[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn commands_split_like_a_shell_would() {
        let cases: [(&str, &[&str]); 10] = [
            ("app --port {ports[0]}", &["app", "--port", "{ports[0]}"]),
            ("  a   b  ", &["a", "b"]),
            ("'a b' c", &["a b", "c"]),
            ("\"a b\"c", &["a bc"]),
            ("a\\ b", &["a b"]),
            ("'' x", &["", "x"]),
            ("\"a\\\"b\\\\c\\d\"", &["a\"b\\c\\d"]),
            (
                "sh -c 'cd /srv && exec app --home ${HOME} \"$@\"'",
                &["sh", "-c", "cd /srv && exec app --home ${HOME} \"$@\""],
            ),
            (
                "{runtime_path} -m http.server {ports[0]}",
                &["{runtime_path}", "-m", "http.server", "{ports[0]}"],
            ),
            ("a#b 'c;d'", &["a#b", "c;d"]),
        ];
        for (command, expected) in cases {
            assert_eq!(command_argv(command), Ok(words(expected)), "{command}");
        }
    }

    #[test]
    fn shell_syntax_and_bad_text_are_refused() {
        let cases = [
            ("", "is empty"),
            ("   ", "is empty"),
            ("'unclosed", "single quote that is never closed"),
            ("\"unclosed", "double quote that is never closed"),
            ("trailing\\", "lone backslash"),
            ("a; rm -rf /", "';' is an operator"),
            ("a && b", "'&' is an operator"),
            ("a | b", "'|' is an operator"),
            ("a > /etc/passwd", "'>' is an operator"),
            ("echo $(id)", "'$' expands a variable"),
            ("echo $HOME", "'$' expands a variable"),
            ("echo \"$HOME\"", "even in double quotes"),
            ("echo `id`", "'`' runs a command"),
            ("app # comment", "starts a comment"),
            ("app\nrm -rf /", "control character"),
            ("app\targ", "control character"),
            ("app --x={foo}", "'{foo}' is not a placeholder"),
            ("find . -exec rm {} +", "'{}' is not a placeholder"),
            ("app {home_dir}", "'{home_dir}'"),
            ("app {ports[1]}", "'{ports[1]}'"),
            ("sh -c 'echo ${{ x }}'", "not a placeholder"),
            ("app {{runtime_path}}", "not a placeholder"),
        ];
        for (command, expected) in cases {
            match command_argv(command) {
                Ok(argv) => panic!("{command:?} was accepted as {argv:?}"),
                Err(message) => assert!(message.contains(expected), "{command:?}: {message}"),
            }
        }
        let long = "a".repeat(MAX_LEN + 1);
        assert!(command_argv(&long).is_err());
    }
}
