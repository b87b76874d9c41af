//! Turning Docker's output chunks into lines.
//!
//! The legacy builder streams its output in chunks that do not follow line boundaries: a chunk
//! may hold half a line, several lines, or a line's end and the next one's start.

/// Collects chunks of text and hands out the complete lines they contain.
#[derive(Debug, Default)]
pub(crate) struct LineSplitter {
    partial: String,
}

impl LineSplitter {
    /// Adds `chunk` and returns the lines it completed, without their line endings. Empty and
    /// blank lines are dropped: they carry nothing a reader of the build log needs.
    pub(crate) fn push(&mut self, chunk: &str) -> Vec<String> {
        self.partial.push_str(chunk);
        let Some(last_newline) = self.partial.rfind('\n') else {
            return Vec::new();
        };

        let rest = self.partial.split_off(last_newline + 1);
        let complete = std::mem::replace(&mut self.partial, rest);
        complete.split('\n').filter_map(clean).collect()
    }

    /// The unfinished last line, once the output has ended.
    pub(crate) fn finish(&mut self) -> Option<String> {
        clean(&std::mem::take(&mut self.partial))
    }
}

/// What a terminal would end up showing of `line`, without colour codes, or `None` when nothing
/// is left of it. Progress meters (dpkg's "Reading database ... 45%") redraw themselves with
/// `\r`; only their last state is kept, since a bare `\r` is a line break to server-sent events
/// and would split one stored line into several streamed ones.
fn clean(line: &str) -> Option<String> {
    let last_state = line
        .trim_end_matches('\r')
        .rsplit('\r')
        .next()
        .unwrap_or_default();
    let line = without_escapes(last_state);
    (!line.trim().is_empty()).then_some(line)
}

/// `line` without ANSI escape sequences. The legacy builder colours what a step prints on
/// stderr; the task log is plain text, read in browsers and by tools.
fn without_escapes(line: &str) -> String {
    let mut plain = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            plain.push(c);
            continue;
        }
        // A CSI sequence (`ESC [ params letter`) ends at its letter; other escapes are one
        // character long.
        if chars.next() == Some('[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_all(chunks: &[&str]) -> Vec<String> {
        let mut splitter = LineSplitter::default();
        let mut lines: Vec<String> = chunks.iter().flat_map(|c| splitter.push(c)).collect();
        lines.extend(splitter.finish());
        lines
    }

    #[test]
    fn a_progress_meter_keeps_only_its_last_state() {
        assert_eq!(
            split_all(&[
                "(Reading database ... \r(Reading database ... 5%\r",
                "(Reading database ... 6096 files.)\r\nnext\n"
            ]),
            ["(Reading database ... 6096 files.)", "next"]
        );
    }

    #[test]
    fn a_chunk_of_whole_lines_gives_each_line() {
        assert_eq!(
            split_all(&["Step 1/2 : FROM x\n ---> abc\n"]),
            ["Step 1/2 : FROM x", " ---> abc"]
        );
    }

    #[test]
    fn a_line_split_across_chunks_is_joined() {
        assert_eq!(
            split_all(&["Step 1", "/2 : FR", "OM x\nSte", "p 2/2 : RUN true\n"]),
            ["Step 1/2 : FROM x", "Step 2/2 : RUN true"]
        );
    }

    #[test]
    fn nothing_is_returned_before_the_line_ends() {
        let mut splitter = LineSplitter::default();
        assert!(splitter.push("Reading package lists...").is_empty());
        assert_eq!(splitter.push(" Done\n"), ["Reading package lists... Done"]);
    }

    #[test]
    fn crlf_endings_are_removed_even_when_split() {
        assert_eq!(split_all(&["a\r", "\nb\r\n"]), ["a", "b"]);
    }

    #[test]
    fn empty_and_blank_lines_are_dropped() {
        assert_eq!(split_all(&["\n\na\n \r\n\nb\n"]), ["a", "b"]);
    }

    #[test]
    fn an_unterminated_last_line_is_kept_at_the_end() {
        assert_eq!(split_all(&["a\nlast"]), ["a", "last"]);
        assert_eq!(split_all(&[""]), Vec::<String>::new());
    }

    #[test]
    fn colour_codes_are_removed() {
        assert_eq!(
            split_all(&["\u{1b}[91mE: Unable to locate package x\n\u{1b}[0m\n\u{1b}[0mRemoving\n"]),
            ["E: Unable to locate package x", "Removing"]
        );
    }

    #[test]
    fn leading_spaces_are_kept() {
        assert_eq!(split_all(&["  indented\n"]), ["  indented"]);
    }
}
