//! Tick-box answers: `☒ Yes ☐ No`, `[x] Yes [ ] No`, `Yes ✓`, or an `X`
//! beside one option (in a table: `Yes | X | No | `). The options ticked
//! are the answer; the boxes are never part of it.
//!
//! The text is one answer as the form reader has it: table cells apart by
//! [`VALUE_CELL_SEPARATOR`] (an empty cell stands for an empty box), or a
//! line. Whatever reads a form, a message body or a document, gives its
//! answers this shape.

use super::form::{holds, VALUE_CELL_SEPARATOR};

/// What the boxes in an answer say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ticks {
    /// No box in it: the answer is read as written.
    NoBoxes,
    /// Boxes, none ticked: the question was not answered.
    NoneTicked,
    /// The options ticked, in order; none when a box was ticked with no
    /// option beside it (`Consent given: ☒`).
    Ticked(Vec<String>),
    /// Boxes that cannot be matched to options (`Yes X No`: beside which?),
    /// or a box ticked that belongs to no option: never guessed.
    Unclear,
}

/// Ticked marks (a filled radio button among them). `X` counts only as a
/// word of its own. The filled circle, diamond and star are the marks of a
/// check box or radio button drawn in those styles; `⚫` is the emoji's
/// filled radio button.
const TICKED: [char; 14] = [
    '☒', '☑', '✓', '✔', '✅', '✗', '✘', '■', '◉', '⦿', '●', '◆', '★', '⚫',
];
/// Crosses typed as marks (`×`, `✖`, `✕`, `❌`): read as `X` is, only as a
/// word of their own.
pub(super) const CROSSES: [char; 4] = ['×', '✖', '✕', '❌'];
/// Wingdings' boxes as they read without the font.
const WINGDINGS: [char; 3] = ['þ', 'ý', '¨'];
/// Empty boxes (empty radio buttons among them, `⚪` the emoji's).
const EMPTY: [char; 12] = ['☐', '□', '◻', '⬜', '❏', '❐', '❑', '❒', '○', '◯', '❍', '⚪'];
/// Makes the character before it an emoji (`✔️`, `☑️`): part of the mark.
const EMOJI_STYLE: char = '\u{fe0f}';

/// A glyph of a symbol font whose meaning is not known (drawn in
/// ZapfDingbats or Wingdings, it may well be a mark): an answer holding
/// one cannot be told, and is asked again.
pub const UNKNOWN_MARK: char = '\u{fffd}';

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Box { ticked: bool },
    Text(String),
}

/// Whether the text holds a box or tick at all.
pub fn has_boxes(text: &str) -> bool {
    holds(text, UNKNOWN_MARK)
        || might_have_boxes(text)
            && text
                .split(VALUE_CELL_SEPARATOR)
                .any(|cell| scan(cell).iter().any(|t| matches!(t, Token::Box { .. })))
}

/// A cheap first look: most answers (`Yes`, `sentenced`) hold nothing that
/// could be a box: no box or tick character, no bracket, no `x` alone.
fn might_have_boxes(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(at, &b)| match b {
        b'[' | b'(' => true,
        b'x' | b'X' => {
            let alone_before = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
            let alone_after = bytes.get(at + 1).is_none_or(|n| !n.is_ascii_alphanumeric());
            alone_before && alone_after
        }
        // Every box and tick character is outside ASCII: look at each
        // character's first byte.
        _ if b >= 0xC0 => text[at..].chars().next().is_some_and(|c| {
            TICKED.contains(&c)
                || EMPTY.contains(&c)
                || WINGDINGS.contains(&c)
                || CROSSES.contains(&c)
        }),
        _ => false,
    })
}

/// Reads the boxes of one answer.
pub fn read_ticks(text: &str) -> Ticks {
    if holds(text, UNKNOWN_MARK) {
        return Ticks::Unclear;
    }
    if !might_have_boxes(text) {
        return if text.contains(VALUE_CELL_SEPARATOR) {
            // Empty cells may still be empty boxes.
            read_cells(text)
        } else {
            Ticks::NoBoxes
        };
    }
    read_cells(text)
}

fn read_cells(text: &str) -> Ticks {
    let cells: Vec<&str> = text.split(VALUE_CELL_SEPARATOR).collect();
    let in_cells = cells.len() > 1;
    let mut tokens = Vec::new();
    // Cells that hold an option and its box together (`☒ Yes`, `Yes X`).
    let mut pairs: Vec<(String, bool)> = Vec::new();
    let mut any_box = false;
    for cell in cells {
        let mut scanned = scan(cell);
        match scanned.as_slice() {
            // An empty cell among options may be an empty box.
            [] if in_cells => tokens.push(Token::Box { ticked: false }),
            [] => {}
            [Token::Box { ticked }, Token::Text(option)]
            | [Token::Text(option), Token::Box { ticked }]
                if in_cells =>
            {
                pairs.push((option.clone(), *ticked));
                any_box = true;
            }
            // A cell that holds options each beside its own box (`☐ Yes ☒
            // No`, `<td>☐ Yes<br>☒ No</td>` as HTML is read): read as
            // cells of their own, so that an empty cell beside it is no box.
            many if in_cells && many.len() >= 4 && many.len() % 2 == 0 && alternates(many) => {
                for pair in many.chunks_exact(2) {
                    if let [Token::Box { ticked }, Token::Text(option)]
                    | [Token::Text(option), Token::Box { ticked }] = pair
                    {
                        pairs.push((option.clone(), *ticked));
                    }
                }
                any_box = true;
            }
            _ => {
                any_box |= scanned.iter().any(|t| matches!(t, Token::Box { .. }));
                tokens.append(&mut scanned);
            }
        }
    }
    if !any_box {
        // Empty cells are boxes only in a row of options each beside its
        // own (`Yes | | No | `): then nothing was ticked.
        let row_of_options = tokens.len() >= 4 && tokens.len() % 2 == 0 && alternates(&tokens);
        return if row_of_options {
            Ticks::NoneTicked
        } else {
            Ticks::NoBoxes
        };
    }
    if !in_cells {
        let read = read_line(&tokens);
        return by_spacing(text, &tokens, read);
    }
    let chosen = if pairs.is_empty() {
        match pair_up(&tokens) {
            Some(Chosen::Options(options)) => options,
            Some(Chosen::BoxAlone) => return Ticks::Ticked(Vec::new()),
            Some(Chosen::EmptyBoxAlone) => return Ticks::NoneTicked,
            None => return Ticks::Unclear,
        }
    } else {
        // Options with their boxes in their own cells: the cells left over
        // are options not ticked, or empty boxes.
        if tokens.contains(&Token::Box { ticked: true }) {
            return Ticks::Unclear;
        }
        pairs
            .into_iter()
            .filter(|(_, ticked)| *ticked)
            .map(|(option, _)| option)
            .collect()
    };
    if chosen.is_empty() {
        Ticks::NoneTicked
    } else {
        Ticks::Ticked(chosen)
    }
}

/// A line's boxes read by their order alone (each before its option, or
/// each after it).
fn read_line(tokens: &[Token]) -> Ticks {
    match pair_up(tokens) {
        Some(Chosen::Options(options)) if options.is_empty() => Ticks::NoneTicked,
        Some(Chosen::Options(options)) => Ticks::Ticked(options),
        Some(Chosen::BoxAlone) => Ticks::Ticked(Vec::new()),
        Some(Chosen::EmptyBoxAlone) => Ticks::NoneTicked,
        None => Ticks::Unclear,
    }
}

/// People type a mark beside the option they mean, often with the options
/// set apart by wide gaps (`Yes   No X`, `Yes X   No`). When the order of
/// boxes and options alone cannot say which is meant, or it would take two
/// options set apart by a wide gap for one, the spacing decides: each mark
/// belongs to the option it sits close to. A mark as close to one option
/// as to the other is still unclear, and the order's reading stands.
fn by_spacing(line: &str, tokens: &[Token], by_order: Ticks) -> Ticks {
    let placed = place(line);
    let is_text = |t: &&Token| matches!(t, Token::Text(_));
    let options_apart = placed.iter().map(|p| &p.token).filter(is_text).count();
    let split_by_gaps = options_apart > tokens.iter().filter(is_text).count();
    if by_order != Ticks::Unclear && !split_by_gaps {
        return by_order;
    }
    match owners(line, &placed) {
        Some(ticks) => ticks,
        None => by_order,
    }
}

/// A token and where it stands in the line (byte offsets of what it holds,
/// separators trimmed off).
struct Placed {
    token: Token,
    start: usize,
    end: usize,
}

/// The line as boxes and options, options split at wide gaps (two spaces
/// or more, or a tab).
fn place(line: &str) -> Vec<Placed> {
    let mut placed = Vec::new();
    let mut text_start = 0;
    let mut at = 0;
    let flush = |placed: &mut Vec<Placed>, from: usize, to: usize| {
        let raw = &line[from..to];
        let trimmed = trim_separators(raw);
        if !trimmed.is_empty() {
            // `trimmed` is a slice of `raw`: its offset is the difference.
            let start = from + (trimmed.as_ptr() as usize - raw.as_ptr() as usize);
            placed.push(Placed {
                token: Token::Text(trimmed.split_whitespace().collect::<Vec<_>>().join(" ")),
                start,
                end: start + trimmed.len(),
            });
        }
    };
    while let Some(c) = line[at..].chars().next() {
        let word_start = at == text_start || line[..at].ends_with(char::is_whitespace);
        if let Some((ticked, len)) = box_at(&line[at..], word_start) {
            flush(&mut placed, text_start, at);
            placed.push(Placed {
                token: Token::Box { ticked },
                start: at,
                end: at + len,
            });
            at += len;
            text_start = at;
        } else if c.is_whitespace() {
            let run = line[at..]
                .find(|c: char| !c.is_whitespace())
                .unwrap_or(line.len() - at);
            let gap = &line[at..at + run];
            if gap.chars().count() >= 2 || gap.contains('\t') {
                flush(&mut placed, text_start, at);
                text_start = at + run;
            }
            at += run;
        } else {
            at += c.len_utf8();
        }
    }
    flush(&mut placed, text_start, line.len());
    placed
}

/// What people write after an option, before its mark.
const SEPARATORS: [char; 7] = [':', '-', '\u{2013}', '\u{2014}', '.', ',', '/'];

/// How far apart two tokens stand: the white space between them, a tab
/// counting as a wide gap.
fn gap(between: &str) -> usize {
    between
        .chars()
        .map(|c| match c {
            '\t' => 4,
            c if c.is_whitespace() => 1,
            _ => 0,
        })
        .sum()
}

/// Each box given to the option it sits close to; none when a box is as
/// close to one option as to another, has no option beside it, or an
/// option has two boxes.
fn owners(line: &str, placed: &[Placed]) -> Option<Ticks> {
    let mut owner: Vec<Option<bool>> = vec![None; placed.len()];
    let mut any_box = false;
    for (at, here) in placed.iter().enumerate() {
        let Token::Box { ticked } = here.token else {
            continue;
        };
        any_box = true;
        let is_box = |i: usize| matches!(placed.get(i).map(|p| &p.token), Some(Token::Box { .. }));
        // Two marks side by side: which stands for which cannot be told.
        if (at > 0 && is_box(at - 1)) || is_box(at + 1) {
            return None;
        }
        let option_at = |i: usize| matches!(placed[i].token, Token::Text(_));
        let left =
            (at > 0 && option_at(at - 1)).then(|| (at - 1, &line[placed[at - 1].end..here.start]));
        let right = placed
            .get(at + 1)
            .filter(|_| option_at(at + 1))
            .map(|next| (at + 1, &line[here.end..next.start]));
        let mine = match (left, right) {
            (Some((one, _)), None) | (None, Some((one, _))) => one,
            // `Yes: X   No:`, `Yes:<TAB>X<TAB>No:`, `No - X Yes -`: the mark
            // after an option's colon or dash is that option's.
            (Some((l, to_left)), Some((_, to_right)))
                if to_left.contains(SEPARATORS) && !to_right.contains(SEPARATORS) =>
            {
                l
            }
            (Some((l, to_left)), Some((r, to_right))) => match gap(to_left).cmp(&gap(to_right)) {
                std::cmp::Ordering::Less => l,
                std::cmp::Ordering::Greater => r,
                std::cmp::Ordering::Equal => return None,
            },
            (None, None) => return None,
        };
        if owner[mine].replace(ticked).is_some() {
            return None;
        }
    }
    if !any_box {
        return None;
    }
    let chosen: Vec<String> = placed
        .iter()
        .zip(&owner)
        .filter_map(|(p, owned)| match (&p.token, owned) {
            (Token::Text(option), Some(true)) => Some(option.clone()),
            _ => None,
        })
        .collect();
    Some(if chosen.is_empty() {
        Ticks::NoneTicked
    } else {
        Ticks::Ticked(chosen)
    })
}

enum Chosen {
    Options(Vec<String>),
    /// One ticked box and nothing else.
    BoxAlone,
    EmptyBoxAlone,
}

fn is_box(token: &Token) -> bool {
    matches!(token, Token::Box { .. })
}

/// Boxes and options take turns.
fn alternates(tokens: &[Token]) -> bool {
    tokens.windows(2).all(|w| is_box(&w[0]) != is_box(&w[1]))
}

/// Boxes and options alternate, each box before its option (`☒ Yes ☐ No`)
/// or each after it (`Yes ☒ No ☐`). When the row starts and ends with a
/// box, either reading may be meant: the answer stands only when both
/// agree (an empty box left over at an end is nothing).
fn pair_up(tokens: &[Token]) -> Option<Chosen> {
    if let [Token::Box { ticked }] = tokens {
        return Some(if *ticked {
            Chosen::BoxAlone
        } else {
            Chosen::EmptyBoxAlone
        });
    }
    if !alternates(tokens) {
        return None;
    }
    let starts_with_box = tokens.first().is_some_and(is_box);
    let ends_with_box = tokens.last().is_some_and(is_box);
    let box_first = starts_with_box.then(|| ticked_options(tokens)).flatten();
    let box_last = ends_with_box
        .then(|| {
            if starts_with_box {
                // The first box is left over: it must be empty.
                match tokens.first() {
                    Some(Token::Box { ticked: false }) => ticked_options(&tokens[1..]),
                    _ => None,
                }
            } else {
                ticked_options(tokens)
            }
        })
        .flatten();
    match (box_first, box_last) {
        (Some(a), Some(b)) => (a == b).then_some(Chosen::Options(a)),
        (Some(a), None) | (None, Some(a)) => Some(Chosen::Options(a)),
        (None, None) => None,
    }
}

/// The options of alternating boxes and options, taken two at a time; a
/// last token left over must be an empty box.
fn ticked_options(tokens: &[Token]) -> Option<Vec<String>> {
    let mut chosen = Vec::new();
    let mut pairs = tokens.chunks_exact(2);
    for pair in &mut pairs {
        match pair {
            [Token::Box { ticked }, Token::Text(option)]
            | [Token::Text(option), Token::Box { ticked }] => {
                if *ticked {
                    chosen.push(option.clone());
                }
            }
            _ => return None,
        }
    }
    match pairs.remainder() {
        [] | [Token::Box { ticked: false }] => Some(chosen),
        _ => None,
    }
}

/// One cell (or a line) as boxes and the text between them.
fn scan(cell: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut text = String::new();
    let mut rest = cell;
    while let Some(c) = rest.chars().next() {
        let word_start = text.is_empty() || text.ends_with(char::is_whitespace);
        if let Some((ticked, len)) = box_at(rest, word_start) {
            push_text(&mut tokens, &mut text);
            tokens.push(Token::Box { ticked });
            rest = &rest[len..];
        } else {
            text.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    push_text(&mut tokens, &mut text);
    tokens
}

/// An option without the white space and separators around it.
fn trim_separators(text: &str) -> &str {
    text.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '/' | '|' | ',' | ';' | ':' | '-' | '–' | '—' | '.')
    })
}

fn push_text(tokens: &mut Vec<Token>, text: &mut String) {
    let option = trim_separators(text);
    if !option.is_empty() {
        tokens.push(Token::Text(
            option.split_whitespace().collect::<Vec<_>>().join(" "),
        ));
    }
    text.clear();
}

/// A box at the start of `text`: whether ticked, and its length. `[x]`,
/// `[ ]`, `( )`, `(✓)`, `(•)`, a box or tick character, or `X` as a word of its
/// own (`word_start`: nothing but white space before it).
fn box_at(text: &str, word_start: bool) -> Option<(bool, usize)> {
    let first = text.chars().next()?;
    // With the emoji selector after it, if any.
    let mark_len = || {
        let len = first.len_utf8();
        if text[len..].starts_with(EMOJI_STYLE) {
            len + EMOJI_STYLE.len_utf8()
        } else {
            len
        }
    };
    if TICKED.contains(&first) {
        return Some((true, mark_len()));
    }
    if EMPTY.contains(&first) {
        return Some((false, mark_len()));
    }
    if word_start && CROSSES.contains(&first) {
        let len = mark_len();
        let after = &text[len..];
        let word_ends = after.is_empty()
            || after.starts_with(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '.'));
        return word_ends.then_some((true, len));
    }
    if matches!(first, '[' | '(') {
        let close = if first == '[' { ']' } else { ')' };
        // A box is short (`[ ]`, `[ x ]`, `(✓)`): the close is looked for
        // a few characters on only, so that a long run of brackets costs
        // no more than its length.
        let (inner_end, _) = text
            .char_indices()
            .skip(1)
            .take(6)
            .find(|&(_, c)| c == close)?;
        let inner = text[1..inner_end].trim();
        let ticked = match inner {
            "" => false,
            // `(•) Yes ( ) No`: a radio button typed with a bullet in it.
            "x" | "X" | "•" => true,
            _ if inner.chars().count() == 1 && TICKED.contains(&inner.chars().next()?) => true,
            _ => return None,
        };
        return Some((ticked, inner_end + 1));
    }
    // Word's Wingdings boxes pasted as plain text: `þ` (ticked), `ý`
    // (crossed) and `¨` (empty), only as words of their own.
    if word_start && matches!(first, 'þ' | 'ý' | '¨') {
        let after = &text[first.len_utf8()..];
        let word_ends = after.is_empty() || after.starts_with(char::is_whitespace);
        return word_ends.then_some((first != '¨', first.len_utf8()));
    }
    if word_start && matches!(first, 'x' | 'X') {
        let after = &text[1..];
        let word_ends = after.is_empty()
            || after.starts_with(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '.'));
        return word_ends.then_some((true, 1));
    }
    None
}

/// A font that draws symbols where its codes say letters: a document
/// drawn in it (a PDF printed from Word, say) holds `4` for a tick, `o`
/// for a box.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolFont {
    ZapfDingbats,
    Wingdings,
    Wingdings2,
    Wingdings3,
    Webdings,
    Symbol,
}

impl SymbolFont {
    /// By a font's name as a document gives it: a PostScript name with a
    /// subset prefix and style (`ABCDEF+Wingdings-Regular`,
    /// `ZapfDingbats`, `SymbolMT`) or a family name (`Wingdings 2`).
    pub fn named(name: &str) -> Option<SymbolFont> {
        let name = match name.split_once('+') {
            Some((prefix, rest))
                if prefix.len() == 6 && prefix.chars().all(|c| c.is_ascii_uppercase()) =>
            {
                rest
            }
            _ => name,
        };
        let name = name.split(',').next().unwrap_or_default();
        let mut name: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        // What follows the family: the encoding of a composite font, its
        // style, its foundry's mark.
        for suffix in [
            "identityh",
            "identityv",
            "regular",
            "bold",
            "italic",
            "oblique",
            "psmt",
            "mt",
        ] {
            if let Some(stripped) = name.strip_suffix(suffix) {
                name = stripped.to_string();
            }
        }
        Some(match name.as_str() {
            "zapfdingbats" | "itczapfdingbats" | "zapfdingbatsitc" | "dingbats" => {
                SymbolFont::ZapfDingbats
            }
            "wingdings" => SymbolFont::Wingdings,
            "wingdings2" => SymbolFont::Wingdings2,
            "wingdings3" => SymbolFont::Wingdings3,
            "webdings" => SymbolFont::Webdings,
            "symbol" => SymbolFont::Symbol,
            _ => return None,
        })
    }

    /// The character drawn for `code` (a code of the font, or the
    /// character a document maps it to: the code itself, or it in the
    /// private use area at U+F0xx, as Word writes symbol fonts), as the
    /// form reader knows it. A character that already is one (`✔`) stays;
    /// a code whose glyph is not known is [`UNKNOWN_MARK`] in the fonts of
    /// pictures, itself in Symbol (whose letters are Greek letters).
    pub fn draw(self, code: char) -> char {
        let value = u32::from(code);
        let byte = match value {
            0xF020..=0xF0FF => value - 0xF000,
            0..=0xFF => value,
            _ => return code,
        };
        let Ok(byte) = u8::try_from(byte) else {
            return code;
        };
        if byte == b' ' {
            return ' ';
        }
        let known = match self {
            SymbolFont::ZapfDingbats => match byte {
                b'3' => Some('✓'),
                b'4' => Some('✔'),
                b'5' => Some('✕'),
                b'6' => Some('✖'),
                b'7' => Some('✗'),
                b'8' => Some('✘'),
                b'H' => Some('★'),
                b'l' => Some('●'),
                b'm' => Some('❍'),
                b'n' => Some('■'),
                b'o' => Some('❏'),
                b'p' => Some('❐'),
                b'q' => Some('❑'),
                b'r' => Some('❒'),
                b'u' => Some('◆'),
                _ => None,
            },
            SymbolFont::Wingdings => match byte {
                b'(' => Some('☎'),
                b')' => Some('✆'),
                b'*' => Some('✉'),
                b'l' => Some('●'),
                b'm' => Some('❍'),
                b'n' => Some('■'),
                b'o' | b'q' | 0xA8 => Some('☐'),
                b'u' => Some('◆'),
                b'v' => Some('❖'),
                b'x' | 0xFD => Some('☒'),
                0xA1 => Some('○'),
                0xA7 => Some('▪'),
                0xD8 => Some('➢'),
                0xFB => Some('✗'),
                0xFC => Some('✓'),
                0xFE => Some('☑'),
                _ => None,
            },
            SymbolFont::Wingdings2 => match byte {
                b'O' | b'Q' => Some('✗'),
                b'P' => Some('✓'),
                b'R' => Some('☑'),
                b'S' | b'T' => Some('☒'),
                0xA3 => Some('☐'),
                _ => None,
            },
            SymbolFont::Wingdings3 => None,
            SymbolFont::Webdings => match byte {
                b'a' => Some('✓'),
                b'r' => Some('✗'),
                _ => None,
            },
            SymbolFont::Symbol => Some(match byte {
                0xB7 => '•',
                // The radical sign, which people tick with.
                0xD6 => '✓',
                0xB4 => '×',
                _ => char::from(byte),
            }),
        };
        known.unwrap_or(UNKNOWN_MARK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticked(options: &[&str]) -> Ticks {
        Ticks::Ticked(options.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn boxes_before_or_after_their_options() {
        for (text, want) in [
            ("☒ Yes ☐ No", ticked(&["Yes"])),
            ("☐ Yes ☒ No", ticked(&["No"])),
            ("[x] Yes [ ] No", ticked(&["Yes"])),
            ("[ ] Yes [X] No", ticked(&["No"])),
            ("Yes [x] No [ ]", ticked(&["Yes"])),
            ("Yes ✓", ticked(&["Yes"])),
            ("✔ No", ticked(&["No"])),
            ("Yes: ☒ / No: ☐", ticked(&["Yes"])),
            ("(x) Yes ( ) No", ticked(&["Yes"])),
            ("No X", ticked(&["No"])),
            ("x Yes", ticked(&["Yes"])),
            ("☒Yes ☐No", ticked(&["Yes"])),
            ("þ Yes ¨ No", ticked(&["Yes"])),
            ("¨ Yes ý No", ticked(&["No"])),
            (
                "☒ resident ☐ employed ☒ family ☐ special circumstances",
                ticked(&["resident", "family"]),
            ),
            (
                "☒ Yes – signed form held ☐ No",
                ticked(&["Yes – signed form held"]),
            ),
        ] {
            assert_eq!(read_ticks(text), want, "{text}");
        }
    }

    #[test]
    fn a_box_alone_and_boxes_left_empty() {
        assert_eq!(read_ticks("☒"), ticked(&[]));
        assert_eq!(read_ticks("X"), ticked(&[]));
        assert_eq!(read_ticks("☐"), Ticks::NoneTicked);
        assert_eq!(read_ticks("☐ Yes ☐ No"), Ticks::NoneTicked);
        assert_eq!(read_ticks("[ ] Yes [ ] No"), Ticks::NoneTicked);
        // An empty box left over at the end is nothing.
        assert_eq!(read_ticks("☒ Yes ☐"), ticked(&["Yes"]));
    }

    #[test]
    fn table_cells_keep_each_box_beside_its_option() {
        let row = |cells: &[&str]| cells.join(&VALUE_CELL_SEPARATOR.to_string());
        for (cells, want) in [
            (&["Yes", "X", "No", ""][..], ticked(&["Yes"])),
            (&["Yes", "", "No", "X"][..], ticked(&["No"])),
            (&["X", "Yes", "", "No"][..], ticked(&["Yes"])),
            (&["", "Yes", "X", "No"][..], ticked(&["No"])),
            (&["Yes X", "No"][..], ticked(&["Yes"])),
            (&["☐ Yes", "☒ No"][..], ticked(&["No"])),
            (&["Yes ☒", "", "No ☐"][..], ticked(&["Yes"])),
            (&["Yes", "", "No", ""][..], Ticks::NoneTicked),
        ] {
            assert_eq!(read_ticks(&row(cells)), want, "{cells:?}");
        }
        // An empty cell in a plain answer is no box.
        assert_eq!(read_ticks(&row(&["Yes", "", "signed"])), Ticks::NoBoxes);
        assert_eq!(read_ticks(&row(&["Yes", "signed"])), Ticks::NoBoxes);
    }

    #[test]
    fn what_cannot_be_matched_is_unclear_never_guessed() {
        let row = |cells: &[&str]| cells.join(&VALUE_CELL_SEPARATOR.to_string());
        for text in [
            "Yes X No".to_string(),
            "Yes ✓ No".to_string(),
            "☒☐ Yes".to_string(),
            "☐ Yes ☒ No ☐".to_string(),
            row(&["", "Yes", "X", "No", ""]),
            row(&["Yes", "X", "No"]),
            row(&["Yes X", "", "X"]),
        ] {
            assert_eq!(read_ticks(&text), Ticks::Unclear, "{text:?}");
        }
    }

    #[test]
    fn a_mark_typed_beside_one_of_options_set_apart_is_that_option() {
        for (text, want) in [
            ("Yes   No X", ticked(&["No"])),
            ("Yes X   No", ticked(&["Yes"])),
            ("Yes   X No", ticked(&["No"])),
            ("X Yes   No", ticked(&["Yes"])),
            ("Yes\tNo X", ticked(&["No"])),
            ("Yes: X    No:", ticked(&["Yes"])),
            ("Yes  /  No X", ticked(&["No"])),
            ("Yes ☐   No ☒", ticked(&["No"])),
            // Further off, the nearer option still.
            ("Yes   X     No", ticked(&["Yes"])),
            ("Yes     No   X", ticked(&["No"])),
            ("Yes:\tX\tNo:", ticked(&["Yes"])),
            ("Yes:  X     No:", ticked(&["Yes"])),
            ("Yes: X No:", ticked(&["Yes"])),
            ("No: X Yes:", ticked(&["No"])),
            ("No - X Yes -", ticked(&["No"])),
            ("Yes. X No.", ticked(&["Yes"])),
            (
                "resident X   employed   family X",
                ticked(&["resident", "family"]),
            ),
        ] {
            assert_eq!(read_ticks(text), want, "{text:?}");
        }
        // As close to one as to the other, or two marks side by side:
        // still unclear.
        for text in [
            "Yes X No",
            "Yes  X  No",
            "Yes X X   No",
            "Yes   X   No",
            "Yes\tX\tNo",
        ] {
            assert_eq!(read_ticks(text), Ticks::Unclear, "{text:?}");
        }
        // A wide gap inside an option whose box comes first changes nothing.
        assert_eq!(
            read_ticks("☒ Yes  – signed form held ☐ No"),
            ticked(&["Yes – signed form held"])
        );
        // Both options with one mark after them and no gap between: which is
        // meant cannot be told from the spacing either.
        assert_eq!(read_ticks("Yes No X"), ticked(&["Yes No"]));
    }

    #[test]
    fn symbol_fonts_draw_the_marks_their_codes_stand_for() {
        for (name, font) in [
            ("ZapfDingbats", SymbolFont::ZapfDingbats),
            ("ABCDEF+ZapfDingbats", SymbolFont::ZapfDingbats),
            ("ZapfDingbatsITC", SymbolFont::ZapfDingbats),
            ("BCDFGH+Wingdings-Regular", SymbolFont::Wingdings),
            ("Wingdings,Bold", SymbolFont::Wingdings),
            ("Wingdings 2", SymbolFont::Wingdings2),
            ("Wingdings2-Identity-H", SymbolFont::Wingdings2),
            ("SymbolMT", SymbolFont::Symbol),
            ("Symbol", SymbolFont::Symbol),
        ] {
            assert_eq!(SymbolFont::named(name), Some(font), "{name}");
        }
        for name in [
            "Helvetica",
            "Symbola",
            "SegoeUISymbol",
            "DejaVuSans",
            "ABC+Wingdings",
        ] {
            assert_ne!(SymbolFont::named(name), Some(SymbolFont::Symbol), "{name}");
        }
        assert_eq!(SymbolFont::named("ABC+Wingdings"), None);
        let zapf = SymbolFont::ZapfDingbats;
        let wingdings = SymbolFont::Wingdings;
        for (font, code, drawn) in [
            (zapf, '4', '✔'),
            (zapf, '8', '✘'),
            (zapf, 'n', '■'),
            (zapf, 'o', '❏'),
            (zapf, 'q', '❑'),
            (zapf, 'l', '●'),
            (zapf, ' ', ' '),
            (wingdings, 'ü', '✓'),
            (wingdings, '\u{f0fc}', '✓'),
            (wingdings, 'ý', '☒'),
            (wingdings, 'þ', '☑'),
            (wingdings, 'o', '☐'),
            (SymbolFont::Wingdings2, 'R', '☑'),
            (SymbolFont::Wingdings2, '£', '☐'),
            (SymbolFont::Symbol, '\u{b7}', '•'),
            (SymbolFont::Symbol, 'a', 'a'),
            // Already the character it draws.
            (zapf, '✔', '✔'),
            // A picture whose meaning is not known.
            (zapf, '+', UNKNOWN_MARK),
            (wingdings, 'J', UNKNOWN_MARK),
        ] {
            assert_eq!(font.draw(code), drawn, "{font:?} {code:?}");
        }
        // What each mark drawn reads as.
        assert_eq!(read_ticks("❏ Yes ✔ No"), ticked(&["No"]));
        assert_eq!(read_ticks("● Yes ○ No"), ticked(&["Yes"]));
        assert_eq!(read_ticks("Yes ❑ No ■"), ticked(&["No"]));
        // A mark not known beside either option is never guessed.
        assert_eq!(read_ticks("Yes No \u{fffd}"), Ticks::Unclear);
        assert!(has_boxes("\u{fffd} No"));
    }

    #[test]
    fn answers_without_boxes_are_left_alone() {
        for text in [
            "Yes",
            "Yes - signed form held",
            "[Yes / No]",
            "Malcolm Xavier",
            "X123456",
            "Box 4",
            "resident, family",
            "(none)",
            "",
        ] {
            assert_eq!(read_ticks(text), Ticks::NoBoxes, "{text}");
            assert!(!has_boxes(text), "{text}");
        }
        assert!(has_boxes("Yes X No"));
        assert!(has_boxes("☐"));
    }
}
