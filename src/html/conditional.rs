//! Outlook's conditional comments (`<!--[if mso]>`): what Outlook shows
//! that other mail programs do not, and the reverse.

use super::css::find_ignoring_case;

/// Outlook's conditional comments: the HTML as Outlook shows it, when that
/// differs from what other mail programs show in text a reader sees.
/// `<!--[if mso]>...<![endif]-->` is shown by Outlook alone;
/// `<!--[if !mso]><!-->...<!--<![endif]-->` (or `<!-- -->` for `<!-->`) by
/// all but Outlook. The view is written only when some part differs.
pub(super) fn outlook_view(html: &str, shows_text: impl Fn(&str) -> bool) -> Option<String> {
    if !Conditionals::of(html).any(|c| c.in_outlook != c.revealed && shows_text(c.content)) {
        return None;
    }
    let mut out = String::with_capacity(html.len());
    let mut at = 0;
    for part in Conditionals::of(html) {
        out.push_str(html.get(at..part.start).unwrap_or_default());
        if part.in_outlook {
            out.push_str(part.content);
        }
        at = part.end;
    }
    out.push_str(html.get(at..).unwrap_or_default());
    Some(out)
}

/// A conditional comment: `html[start..end]` is all of it, `content` what
/// it holds, shown by Outlook or not, and by other programs (`revealed`)
/// or not.
struct Conditional<'a> {
    start: usize,
    end: usize,
    content: &'a str,
    in_outlook: bool,
    revealed: bool,
}

/// The conditional comments of some HTML, in order, in one pass: each
/// search starts where the last ended, and a condition ends before the
/// next `<` or `>`, so that no text is read more than a few times over.
struct Conditionals<'a> {
    html: &'a str,
    at: usize,
}

impl<'a> Conditionals<'a> {
    fn of(html: &'a str) -> Self {
        Conditionals { html, at: 0 }
    }
}

impl<'a> Iterator for Conditionals<'a> {
    type Item = Conditional<'a>;

    fn next(&mut self) -> Option<Conditional<'a>> {
        let bytes = self.html.as_bytes();
        loop {
            let start = self.at + find_ignoring_case(bytes.get(self.at..)?, b"<!--[if")?;
            let after = start + 7;
            self.at = after;
            let close = after
                + bytes[after..]
                    .iter()
                    .position(|b| matches!(b, b']' | b'<' | b'>'))
                    .unwrap_or(bytes.len() - after);
            if bytes.get(close) != Some(&b']') || bytes.get(close + 1) != Some(&b'>') {
                // `<!--[if !supportLists]-->`: a whole comment, which hides
                // nothing after it from anyone; or no condition at all.
                continue;
            }
            let in_outlook = shown_by_outlook(&bytes[after..close]);
            let mut body = close + 2;
            let revealed = revealing(&bytes[body..])
                .inspect(|length| body += length)
                .is_some();
            let Some(end) = find_ignoring_case(&bytes[body..], b"<![endif]").map(|e| body + e)
            else {
                // Never closed: the rest is a comment to all.
                self.at = bytes.len();
                return Some(Conditional {
                    start,
                    end: bytes.len(),
                    content: "",
                    in_outlook: false,
                    revealed: false,
                });
            };
            let mut content = self.html.get(body..end).unwrap_or_default();
            if revealed {
                content = content.strip_suffix("<!--").unwrap_or(content);
            }
            let mut finish = end + 9;
            if bytes.get(finish..finish + 3) == Some(b"-->") {
                finish += 3;
            }
            self.at = finish;
            return Some(Conditional {
                start,
                end: finish,
                content,
                in_outlook,
                revealed,
            });
        }
    }
}

/// The length of the `<!-->` (or `<!-- -->`) that shows a conditional
/// comment's content to all but Outlook, when it starts `text`.
fn revealing(text: &[u8]) -> Option<usize> {
    let rest = text.strip_prefix(b"<!--")?;
    let spaces = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
    match rest.get(spaces..)? {
        [b'-', b'-', b'>', ..] => Some(4 + spaces + 3),
        [b'>', ..] if spaces == 0 => Some(5),
        _ => None,
    }
}

/// Whether Outlook (as Word, version 16) shows what a condition guards:
/// `mso`, `gte mso 9`, `vml` yes, `IE` no, `!`, `&`, `|` and brackets as
/// written. A condition too long to be one is no Outlook's.
fn shown_by_outlook(condition: &[u8]) -> bool {
    if condition.len() > 128 {
        return false;
    }
    let text = condition.to_ascii_lowercase();
    let mut tokens = Vec::new();
    let mut word = Vec::new();
    for &b in &text {
        if matches!(b, b'!' | b'&' | b'|' | b'(' | b')') {
            if !word.is_empty() {
                tokens.push(Token::Term(term(&word)));
                word.clear();
            }
            tokens.push(Token::Mark(b));
        } else {
            word.push(b);
        }
    }
    if !word.is_empty() {
        tokens.push(Token::Term(term(&word)));
    }
    let mut at = 0;
    evaluate(&tokens, &mut at, 0)
}

#[derive(Clone, Copy)]
enum Token {
    Term(bool),
    Mark(u8),
}

/// A term of a condition: `[lt|lte|gt|gte] mso [version]` or `vml`,
/// Outlook's; anything else (`IE`, `IE 6`) another program's.
fn term(word: &[u8]) -> bool {
    let words: Vec<&[u8]> = word
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    const OUTLOOK: f64 = 16.0;
    let version = |v: &[u8]| {
        std::str::from_utf8(v)
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
    };
    match words.as_slice() {
        [] => false,
        _ if words.contains(&&b"vml"[..]) => true,
        [b"mso"] | [b"mso", _] => true,
        [op, b"mso", v] => match (*op, version(v)) {
            (b"lt", Some(v)) => OUTLOOK < v,
            (b"lte", Some(v)) => OUTLOOK <= v,
            (b"gt", Some(v)) => OUTLOOK > v,
            (b"gte", Some(v)) => OUTLOOK >= v,
            _ => true,
        },
        [_, b"mso"] => true,
        _ => false,
    }
}

/// A condition's value from `tokens[*at..]`, left to right, up to its
/// closing bracket. `depth` bounds the brackets (the condition is short).
fn evaluate(tokens: &[Token], at: &mut usize, depth: usize) -> bool {
    let mut value: Option<bool> = None;
    let mut pending = b'|';
    let mut negate = false;
    while let Some(&token) = tokens.get(*at) {
        *at += 1;
        let operand = match token {
            Token::Mark(b'!') => {
                negate = !negate;
                continue;
            }
            Token::Mark(b'&' | b'|') => {
                if let Token::Mark(op) = token {
                    pending = op;
                }
                continue;
            }
            Token::Mark(b')') => break,
            Token::Mark(_) if depth < 8 => evaluate(tokens, at, depth + 1),
            Token::Mark(_) => false,
            Token::Term(t) => t,
        };
        let operand = operand != negate;
        negate = false;
        value = Some(match (value, pending) {
            (None, _) => operand,
            (Some(v), b'&') => v && operand,
            (Some(v), _) => v || operand,
        });
    }
    value.unwrap_or(false)
}
