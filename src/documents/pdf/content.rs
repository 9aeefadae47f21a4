//! A page's content stream as the operations it draws with, read as a
//! viewer reads it: an operation that cannot be read (a malformed string
//! or number, an inline image the parser does not take, a stray
//! delimiter) is passed over, and the operations after it are read, so
//! that one bad operator never costs the page its text.

use super::{Budget, DocumentError};
use lopdf::content::{Content, Operation};

/// A content stream longer than this is read a part at a time, each part
/// ending at an operator, with a look at the clock between parts.
const PART: usize = 16 * 1024;

/// Operands (and brackets) of one operation: a writer's longest `TJ`
/// array has a few thousand. An operation of more is passed over, as one
/// that cannot be read, so that no part read at once is longer than the
/// clock can wait for.
const MAX_OPERANDS: usize = 16_384;

/// The operations of a content stream, those that cannot be read left
/// out, within the document's time.
pub(super) fn operations_within(
    data: &[u8],
    budget: &Budget,
) -> Result<Vec<Operation>, DocumentError> {
    if data.len() <= PART {
        return Ok(operations(data));
    }
    let mut out = Vec::new();
    let mut lexer = Lexer {
        data,
        at: 0,
        start: 0,
    };
    let mut part_start = 0usize;
    // Where the operation being gathered starts, and its operands so far.
    let mut operation_start = 0usize;
    let mut operands = 0usize;
    let mut depth = 0usize;
    let mut tokens = 0usize;
    while let Some(token) = lexer.next() {
        tokens += 1;
        if tokens.is_multiple_of(4096) {
            budget.check_time()?;
        }
        match token {
            Token::Open => depth += 1,
            Token::Close => depth = depth.saturating_sub(1),
            Token::Operator => {
                depth = 0;
                if operands > MAX_OPERANDS {
                    out.extend(operations(&data[part_start..operation_start]));
                    part_start = lexer.at;
                    budget.check_time()?;
                } else if lexer.at - part_start >= PART {
                    out.extend(operations(&data[part_start..lexer.at]));
                    part_start = lexer.at;
                    budget.check_time()?;
                }
                operands = 0;
                operation_start = lexer.at;
                continue;
            }
            Token::Operand | Token::Junk => {}
        }
        operands += 1;
    }
    let end = if operands > MAX_OPERANDS {
        operation_start
    } else {
        data.len()
    };
    out.extend(operations(&data[part_start..end.max(part_start)]));
    budget.check_time()?;
    Ok(out)
}

/// The operations of a content stream, those that cannot be read left
/// out.
pub(super) fn operations(data: &[u8]) -> Vec<Operation> {
    // Nearly every stream reads whole, as the parser reads it.
    if let Ok(content) = Content::decode_strict(data) {
        return content.operations;
    }
    let mut operations = Vec::new();
    let mut lexer = Lexer {
        data,
        at: 0,
        start: 0,
    };
    let mut operation: Vec<u8> = Vec::new();
    // Arrays and dictionaries open in the operands being gathered.
    let mut depth = 0usize;
    while let Some(token) = lexer.next() {
        match token {
            Token::Open => {
                depth += 1;
                operation.extend_from_slice(lexer.last());
            }
            Token::Close if depth > 0 => {
                depth -= 1;
                operation.extend_from_slice(lexer.last());
            }
            // A closing bracket with nothing open, a brace: not PDF.
            Token::Close | Token::Junk => continue,
            Token::Operand => operation.extend_from_slice(lexer.last()),
            Token::Operator => {
                // An operator ends its operation, an array or dictionary
                // left open with it (which then does not read).
                depth = 0;
                operation.extend_from_slice(lexer.last());
                if let Ok(content) = Content::decode_strict(&operation) {
                    operations.extend(content.operations);
                }
                operation.clear();
                continue;
            }
        }
        operation.push(b' ');
    }
    operations
}

#[derive(Debug, PartialEq)]
enum Token {
    /// A number, name, string, `true`, `false` or `null`.
    Operand,
    /// `[` or `<<`.
    Open,
    /// `]` or `>>`.
    Close,
    Operator,
    Junk,
}

struct Lexer<'a> {
    data: &'a [u8],
    at: usize,
    /// Where the last token started.
    start: usize,
}

fn is_space(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_space(b) && !is_delimiter(b)
}

impl Lexer<'_> {
    /// The last token's bytes.
    fn last(&self) -> &[u8] {
        &self.data[self.start.min(self.at)..self.at]
    }

    fn next(&mut self) -> Option<Token> {
        let data = self.data;
        // White space and comments.
        loop {
            while self.at < data.len() && is_space(data[self.at]) {
                self.at += 1;
            }
            if data.get(self.at) == Some(&b'%') {
                while self.at < data.len() && !matches!(data[self.at], b'\r' | b'\n') {
                    self.at += 1;
                }
                continue;
            }
            break;
        }
        let start = self.at;
        self.start = start;
        let first = *data.get(self.at)?;
        let rest = &data[self.at..];
        let token = match first {
            b'(' => {
                self.literal_string();
                Token::Operand
            }
            b'<' if rest.starts_with(b"<<") => {
                self.at += 2;
                Token::Open
            }
            b'>' if rest.starts_with(b">>") => {
                self.at += 2;
                Token::Close
            }
            b'<' => {
                self.at += rest
                    .iter()
                    .position(|&b| b == b'>')
                    .map_or(rest.len(), |p| p + 1);
                Token::Operand
            }
            b'[' => {
                self.at += 1;
                Token::Open
            }
            b']' => {
                self.at += 1;
                Token::Close
            }
            b'/' => {
                self.at += 1;
                self.regular();
                Token::Operand
            }
            b')' | b'>' | b'{' | b'}' => {
                self.at += 1;
                Token::Junk
            }
            _ => {
                self.regular();
                let word = &data[start..self.at];
                if word.first().is_some_and(|b| b"+-.0123456789".contains(b))
                    || matches!(word, b"true" | b"false" | b"null")
                {
                    Token::Operand
                } else if word == b"BI" {
                    self.inline_image();
                    Token::Operator
                } else {
                    Token::Operator
                }
            }
        };
        Some(token)
    }

    fn regular(&mut self) {
        while self.at < self.data.len() && is_regular(self.data[self.at]) {
            self.at += 1;
        }
    }

    /// `(...)`, its parentheses balanced, `\` escaping the next byte; to
    /// the end of the data if it never closes.
    fn literal_string(&mut self) {
        let mut depth = 0usize;
        while let Some(&b) = self.data.get(self.at) {
            self.at += 1;
            match b {
                b'\\' => self.at += 1,
                b'(' => depth += 1,
                b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
        self.at = self.at.min(self.data.len());
    }

    /// An inline image, `BI ... ID data EI`: to the `EI` standing alone
    /// after its data (or the end), so that its bytes are never read as
    /// operators.
    fn inline_image(&mut self) {
        let data = self.data;
        let alone = |at: usize, len: usize| {
            at.checked_sub(1)
                .is_none_or(|before| data.get(before).is_some_and(|&b| is_space(b)))
                && data.get(at + len).is_none_or(|&b| is_space(b))
        };
        let find = |from: usize, word: &[u8]| {
            (from..data.len().saturating_sub(word.len() - 1))
                .find(|&at| data[at..].starts_with(word) && alone(at, word.len()))
        };
        let Some(id) = find(self.at, b"ID") else {
            self.at = data.len();
            return;
        };
        self.at = find(id + 2, b"EI").map_or(data.len(), |ei| ei + 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operators(data: &[u8]) -> Vec<String> {
        operations(data).into_iter().map(|o| o.operator).collect()
    }

    #[test]
    fn what_cannot_be_read_is_passed_over() {
        // A hex string that is not one, a stray bracket and brace, an
        // inline image whose data would read as operators, an array
        // never closed.
        let data = b"BT /F1 12 Tf <zz> Tj ] } (kept) Tj\n\
            BI /W 2 /H 1 /BPC 8 /CS /Lab ID (x) Tj EI\n\
            [(lost) Tj [(also) -250 (kept)] TJ ET";
        let operations = operations(data);
        let operators: Vec<&str> = operations.iter().map(|o| o.operator.as_str()).collect();
        assert_eq!(operators, ["BT", "Tf", "Tj", "BI", "TJ", "ET"]);
        assert_eq!(operations[2].operands[0].as_str().ok(), Some(&b"kept"[..]));
    }

    #[test]
    fn a_stream_that_reads_whole_reads_as_the_parser_reads_it() {
        let data = b"q 1 0 0 1 72 720 cm BT /F1 12 Tf [(A) -120 (B)] TJ ET Q";
        assert_eq!(operators(data), ["q", "cm", "BT", "Tf", "TJ", "ET", "Q"]);
    }
}
