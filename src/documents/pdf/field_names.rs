//! Labels for fields that carry no tooltip: a name written as an
//! identifier (`DateOfBirth`, `txtFullName`, `Referral_Type`,
//! `full-name`, `ConsentNo`) read as the words it spells; a name a form
//! tool gives by default (`Text1`, `Check Box2`, `undefined_3`) replaced
//! by the page text printed beside the field's box.

use super::page::Piece;
use super::Rect;
use crate::core::field::Label;

/// A field name's words, as a label: CamelCase split, underscores,
/// dashes and dots as spaces, a leading type prefix (`txt`, `chk`, `cb`,
/// `fld`) and a trailing index (`_1`, `[0]`, `.0`) dropped.
pub(super) fn identifier_words(name: &str) -> String {
    let name = without_index(name.trim());
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if matches!(c, '_' | '-' | '.' | ' ' | '\t') {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        let previous = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        // `fullName`, `Crn2Name`: a capital after a small letter or a
        // digit; `CRNNumber`: the last capital of a run before a small
        // letter.
        let starts_word = c.is_uppercase()
            && !word.is_empty()
            && previous.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
            });
        if starts_word {
            words.push(std::mem::take(&mut word));
        }
        word.push(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    if words.len() > 1 && TYPE_PREFIXES.contains(&words[0].to_ascii_lowercase().as_str()) {
        words.remove(0);
    }
    words.join(" ")
}

/// What form tools put before a field's name to say what kind it is.
const TYPE_PREFIXES: [&str; 9] = ["txt", "chk", "cb", "cbx", "fld", "tb", "ddl", "rb", "opt"];

/// A name without its trailing index: `Consent_1`, `FullName[0]`,
/// `Email.0`, `Phone-2`, each stripped once.
fn without_index(name: &str) -> &str {
    let name = name.trim();
    if let Some(inner) = name.strip_suffix(']') {
        if let Some(open) = inner.rfind('[') {
            if inner[open + 1..].chars().all(|c| c.is_ascii_digit()) {
                return inner[..open].trim_end();
            }
        }
    }
    let digits = name.trim_end_matches(|c: char| c.is_ascii_digit());
    if digits.len() < name.len() {
        if let Some(stem) = digits.strip_suffix(['_', '.', '-', ' ']) {
            if !stem.trim().is_empty() {
                return stem.trim_end();
            }
        }
    }
    name
}

/// Words a form tool names a field by by default (`Text1`, `Text Field
/// 3`, `Check Box1`, `undefined_3`, `TextField1[0]`): a name that says
/// nothing of what the field asks.
const DEFAULT_WORDS: [&str; 16] = [
    "text",
    "field",
    "textfield",
    "check",
    "box",
    "checkbox",
    "undefined",
    "untitled",
    "fill",
    "radio",
    "button",
    "group",
    "combo",
    "dropdown",
    "list",
    "choice",
];

/// Whether a field's name is one a form tool gives by default, or no
/// words at all: the page says what it asks, not the name.
pub(super) fn is_default_name(name: &str) -> bool {
    let words = identifier_words(name);
    words
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .all(|w| DEFAULT_WORDS.contains(&w.to_ascii_lowercase().as_str()))
}

/// A run of text on a page: pieces on one baseline with no wide gap
/// between them.
#[derive(Debug, Clone)]
pub(super) struct Run {
    pub left: f32,
    pub right: f32,
    pub y: f32,
    pub size: f32,
    pub text: String,
}

/// A page's runs of text, by baseline, to find what is printed beside a
/// field's box without going through every run for every field.
#[derive(Debug, Default)]
pub(super) struct PlacedText {
    /// Bottom to top.
    runs: Vec<Run>,
}

/// How many runs near one box are looked at: a real form has a few on
/// a line; a hostile one with thousands on a line costs this at most.
const MAX_RUNS_NEAR: usize = 64;

impl PlacedText {
    /// The runs of a page's pieces (read as the page's lines are). A gap
    /// wider than the text's size ends a run.
    pub(super) fn of(pieces: &[Piece]) -> PlacedText {
        let mut order: Vec<&Piece> = pieces
            .iter()
            .filter(|p| !p.text.trim().is_empty())
            .collect();
        order.sort_by(|a, b| b.y.total_cmp(&a.y).then(a.x.total_cmp(&b.x)));
        let mut lines: Vec<Vec<&Piece>> = Vec::new();
        for piece in order {
            match lines.last_mut() {
                Some(line)
                    if line.first().is_some_and(|first| {
                        (first.y - piece.y).abs() <= first.size.max(piece.size) / 3.0
                    }) =>
                {
                    line.push(piece)
                }
                _ => lines.push(vec![piece]),
            }
        }
        let mut runs: Vec<Run> = Vec::new();
        for mut line in lines {
            line.sort_by(|a, b| a.x.total_cmp(&b.x));
            let mut current: Option<Run> = None;
            for piece in line {
                match current.as_mut() {
                    Some(run) if piece.x - run.right <= piece.size.max(run.size) => {
                        if piece.x - run.right > piece.size * 0.15
                            && !run.text.ends_with(' ')
                            && !piece.text.starts_with(' ')
                        {
                            run.text.push(' ');
                        }
                        run.text.push_str(&piece.text);
                        run.right = run.right.max(piece.end);
                    }
                    _ => {
                        runs.extend(current.take());
                        current = Some(Run {
                            left: piece.x,
                            right: piece.end,
                            y: piece.y,
                            size: piece.size,
                            text: piece.text.clone(),
                        });
                    }
                }
            }
            runs.extend(current);
        }
        for run in &mut runs {
            run.text = run.text.split_whitespace().collect::<Vec<_>>().join(" ");
        }
        runs.sort_by(|a, b| a.y.total_cmp(&b.y));
        PlacedText { runs }
    }

    /// The runs whose baseline is within `low..=high`, at most
    /// `MAX_RUNS_NEAR` of them.
    fn between(&self, low: f32, high: f32) -> impl Iterator<Item = &Run> {
        let start = self.runs.partition_point(|r| r.y < low);
        self.runs[start..]
            .iter()
            .take_while(move |r| r.y <= high)
            .take(MAX_RUNS_NEAR)
    }

    /// What the page prints as a field's label beside its box `rect`:
    /// on the same line to its left, nearest first (a label the form
    /// reader knows before any other text), else just above it. For a
    /// check box, also its option: the short text just right of it (or
    /// else just left).
    pub(super) fn label_beside(
        &self,
        rect: &Rect,
        check_box: bool,
    ) -> Option<(String, Option<String>)> {
        let height = rect.top - rect.bottom;
        // Baselines within the box (less a little at the top: a label
        // over a short box sits just above it).
        let on_line: Vec<&Run> = self
            .between(rect.bottom - 3.0, rect.top - height.min(6.0) / 3.0)
            .collect();
        let option = check_box
            .then(|| {
                let short = |r: &&&Run| is_option_text(&r.text);
                let right = on_line
                    .iter()
                    .filter(|r| r.left >= rect.right - 1.0 && r.left <= rect.right + 3.0 * r.size)
                    .filter(short)
                    .min_by(|a, b| a.left.total_cmp(&b.left));
                right.or_else(|| {
                    on_line
                        .iter()
                        .filter(|r| {
                            r.right <= rect.left + 1.0 && r.right >= rect.left - 2.0 * r.size
                        })
                        .filter(short)
                        .max_by(|a, b| a.right.total_cmp(&b.right))
                })
            })
            .flatten()
            .copied();
        let mut left: Vec<&Run> = on_line
            .iter()
            .copied()
            .filter(|r| r.right <= rect.left + 2.0)
            .filter(|r| !option.is_some_and(|o| std::ptr::eq(o, *r)))
            .collect();
        left.sort_by(|a, b| b.right.total_cmp(&a.right));
        let label = choose(&left, check_box).or_else(|| {
            let mut above: Vec<&Run> = self
                .between(rect.top - 1.0, rect.top + 24.0)
                .filter(|r| r.y > rect.top - height.min(6.0) / 3.0)
                .filter(|r| r.left < rect.right && r.left >= rect.left - 2.0 * r.size)
                .collect();
            above.sort_by(|a, b| a.y.total_cmp(&b.y));
            choose(&above, check_box)
        })?;
        Some((label, option.map(|o| o.text.clone())))
    }
}

/// Of runs nearest first, the label: the first the form reader knows as
/// one, else the nearest (for a check box, the nearest that is no
/// option).
fn choose(runs: &[&Run], check_box: bool) -> Option<String> {
    let text = |r: &Run| {
        r.text
            .trim()
            .trim_end_matches([':', '?', '*'])
            .trim()
            .to_string()
    };
    runs.iter()
        .map(|r| text(r))
        .find(|t| Label::from_text(t).is_some())
        .or_else(|| {
            runs.iter()
                .filter(|r| !(check_box && is_option_text(&r.text)))
                .map(|r| text(r))
                .find(|t| !t.is_empty())
        })
}

/// Text short enough to be a check box's option (`Yes`, `No`, `Don't
/// know`), not a question.
fn is_option_text(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty()
        && text.chars().count() <= 16
        && text.split_whitespace().count() <= 2
        && Label::from_text(text.trim_end_matches(':')).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_read_as_words() {
        for (name, words) in [
            ("FullName", "Full Name"),
            ("DateOfBirth", "Date Of Birth"),
            ("ReferrerEmail", "Referrer Email"),
            ("Referral_Type", "Referral Type"),
            ("full-name", "full name"),
            ("txtFullName", "Full Name"),
            ("chkConsentYes", "Consent Yes"),
            ("Consent to referral_1", "Consent to referral"),
            ("FullName[0]", "Full Name"),
            ("Email.0", "Email"),
            ("CRNNumber", "CRN Number"),
            ("CRN", "CRN"),
        ] {
            assert_eq!(identifier_words(name), words, "{name}");
        }
    }

    #[test]
    fn default_names_say_nothing() {
        for name in [
            "Text1",
            "Text2",
            "Check Box1",
            "undefined_3",
            "TextField1[0]",
            "Text Field 3",
            "7",
        ] {
            assert!(is_default_name(name), "{name}");
        }
        for name in ["FullName", "Consent", "txtFullName", "ConsentYes"] {
            assert!(!is_default_name(name), "{name}");
        }
    }
}
