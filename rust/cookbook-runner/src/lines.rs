//! Lines as the contract reads them ("What a line is, and what JSON is"): bytes split on `\n`
//! alone, one `\r` before it dropped, at most [`MAX_LINE`] bytes, strict UTF-8 with no byte
//! order mark, blank lines skipped but counted.

use std::io::{BufRead, Read};

use crate::Failure;

/// The longest line, not counting its line end: 16 MiB.
pub const MAX_LINE: usize = 16 * 1024 * 1024;

/// The lines of one input, read one at a time into one buffer.
#[derive(Debug)]
pub struct Lines<R> {
    input: R,
    buffer: Vec<u8>,
    /// The number of the last line read, from 1.
    number: usize,
}

impl<R: BufRead> Lines<R> {
    /// The lines of `input`.
    pub fn new(input: R) -> Self {
        Self {
            input,
            buffer: Vec::new(),
            number: 0,
        }
    }

    /// The next line that is not blank, with its number; `None` at the end of the input. A line
    /// too long, not UTF-8 or starting with a byte order mark makes the input unusable.
    pub fn next_line(&mut self) -> Result<Option<(usize, &str)>, Failure> {
        loop {
            self.buffer.clear();
            // Room for the longest line and its `\r\n`: a longer one is refused once this much
            // of it is read, never held whole.
            let limit = MAX_LINE as u64 + 2;
            let read = (&mut self.input)
                .take(limit)
                .read_until(b'\n', &mut self.buffer);
            let number = self.number + 1;
            match read {
                Ok(0) => return Ok(None),
                Ok(_) => self.number = number,
                Err(error) => {
                    return Err(Failure::unusable(
                        number,
                        format!("cannot read standard input: {error}"),
                    ));
                }
            }
            if self.buffer.last() == Some(&b'\n') {
                self.buffer.pop();
                if self.buffer.last() == Some(&b'\r') {
                    self.buffer.pop();
                }
            }
            if self.buffer.len() > MAX_LINE {
                return Err(Failure::unusable(
                    number,
                    format!("longer than {MAX_LINE} bytes; split the input into shorter lines"),
                ));
            }
            if !self
                .buffer
                .iter()
                .all(|b| matches!(b, b' ' | b'\t' | b'\r'))
            {
                break;
            }
        }
        let number = self.number;
        let line = std::str::from_utf8(&self.buffer).map_err(|error| {
            Failure::unusable(
                number,
                format!(
                    "not UTF-8: invalid bytes at byte {}; send UTF-8 text",
                    error.valid_up_to() + 1
                ),
            )
        })?;
        if line.starts_with('\u{feff}') {
            return Err(Failure::unusable(
                number,
                "starts with a byte order mark, which is not JSON; remove it",
            ));
        }
        Ok(Some((number, line)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every non-blank line of `input` with its number, or the first failure as text.
    fn lines(input: &[u8]) -> Result<Vec<(usize, String)>, String> {
        let mut lines = Lines::new(input);
        let mut read = Vec::new();
        while let Some((number, line)) = lines.next_line().map_err(|f| f.to_string())? {
            read.push((number, line.to_owned()));
        }
        Ok(read)
    }

    fn owned(lines: &[(usize, &str)]) -> Vec<(usize, String)> {
        lines.iter().map(|&(n, l)| (n, l.to_owned())).collect()
    }

    #[test]
    fn splits_on_newline_alone() {
        let input = "a\r\nb\rc\n\u{85}\u{2028}\u{2029}\nd\r\r\nlast".as_bytes();
        assert_eq!(
            lines(input),
            Ok(owned(&[
                (1, "a"),
                (2, "b\rc"),
                (3, "\u{85}\u{2028}\u{2029}"),
                (4, "d\r"),
                (5, "last")
            ]))
        );
    }

    #[test]
    fn blank_lines_are_skipped_but_counted() {
        let input = b" \t\r\n\n\r\n{}\n\x0b\n\x0c\n";
        assert_eq!(
            lines(input),
            Ok(owned(&[(4, "{}"), (5, "\u{b}"), (6, "\u{c}")]))
        );
        assert_eq!(lines(b""), Ok(Vec::new()));
        assert_eq!(lines(b"\n\n \r"), Ok(Vec::new()));
    }

    #[test]
    fn lines_are_utf8_without_a_byte_order_mark() {
        assert_eq!(
            lines(b"ok\n\"a\xc0\xafb\"\n"),
            Err("line 2: not UTF-8: invalid bytes at byte 3; send UTF-8 text".to_owned())
        );
        assert_eq!(
            lines("{}\n\u{feff}{}".as_bytes()),
            Err("line 2: starts with a byte order mark, which is not JSON; remove it".to_owned())
        );
    }

    #[test]
    fn a_line_holds_at_most_16_mib() {
        let longest = vec![b'x'; MAX_LINE];
        for end in [&b""[..], b"\n", b"\r\n"] {
            let input = [&longest[..], end].concat();
            let read = lines(&input).expect("the longest line");
            assert_eq!(read.first().map(|(_, line)| line.len()), Some(MAX_LINE));
        }
        for end in [&b""[..], b"\n", b"\r\n", b"\r"] {
            let input = [&longest[..], b"x", end].concat();
            assert_eq!(
                lines(&input),
                Err(format!(
                    "line 1: longer than {MAX_LINE} bytes; split the input into shorter lines"
                ))
            );
        }
        let blank = vec![b' '; MAX_LINE + 1];
        assert!(lines(&blank).is_err(), "a blank line is not exempt");
    }
}
