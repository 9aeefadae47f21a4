//! Renders an email's HTML as the lines a person would read, for the form
//! reader (`core::form`): blocks end lines, the cells of a table row become
//! one line `first cell<TAB>other cells` (`CELL_SEPARATOR`), and what a
//! reader never sees (style, script, title, comments, Outlook's conditional
//! comments, and elements hidden by `display:none`, `visibility:hidden`,
//! `mso-hide:all` or the `hidden` attribute) is dropped.
//!
//! One pass over html5gum's tokens, with the open tables on an explicit
//! stack: no tree is built and nothing recurses over the input's nesting,
//! so hostile nesting costs heap, never stack. The line layout follows the
//! `html2text` rendering this replaced (paragraphs, headings, list items
//! and tables are separated by a blank line, a `<div>` only ends a line, a
//! `&nbsp;` paragraph is a line of its own), because the form reader counts
//! blank lines when it looks for a value below its label.

use crate::core::form::{CELL_SEPARATOR, VALUE_CELL_SEPARATOR};
use html5gum::{naive_next_state, Emitter, Error, State, Tokenizer};
use std::convert::Infallible;

/// Renders HTML as lines a person would read, with each table row of two
/// or more cells written as `label<TAB>value`, so that label cells without
/// colons still read.
pub fn html_to_lines(html: &str) -> String {
    let mut renderer = Renderer::new(html.len());
    let events = Events {
        renderer: &mut renderer,
        text: Vec::new(),
        tag: Vec::new(),
        end_tag: false,
        last_start_tag: Vec::new(),
        attribute: Vec::new(),
        style: Vec::new(),
        hidden_attribute: false,
        hidden: None,
    };
    // Nothing is ever yielded (`pop_token` returns `None`, and reading a
    // `&str` cannot fail): running the iterator to its end runs the
    // tokenizer over the whole input.
    Tokenizer::new_with_emitter(html, events).for_each(|token| {
        let Ok(never) = token;
        match never {}
    });
    renderer.finish()
}

/// Feeds the tokenizer's text and tags to the renderer, leaving out hidden
/// elements. Of the attributes only `style` and `hidden` are looked at;
/// comments (Outlook's conditional ones included), doctypes and parse
/// errors show nothing, so they are not even kept.
struct Events<'r> {
    renderer: &'r mut Renderer,
    /// Text since the last tag: the tokenizer hands it over in pieces.
    text: Vec<u8>,
    tag: Vec<u8>,
    end_tag: bool,
    /// For the tokenizer's raw-text states (`<style>` ... `</style>`).
    last_start_tag: Vec<u8>,
    /// The name of the tag's attribute being read.
    attribute: Vec<u8>,
    /// The tag's `style` attribute.
    style: Vec<u8>,
    /// The tag has a `hidden` attribute.
    hidden_attribute: bool,
    /// Inside a hidden element: nothing in it is shown.
    hidden: Option<Hidden>,
}

/// A hidden element being skipped, and how to tell where it ends without a
/// tree: same-named elements opened inside it, and lists and tables opened
/// inside it (within which a `<td>` or `<li>` does not end it).
#[derive(Debug)]
struct Hidden {
    name: Vec<u8>,
    depth: usize,
    containers: usize,
}

/// Elements that hold others of their kind's siblings: inside one, a
/// `<td>` or `<li>` belongs to it.
fn is_container(tag: &[u8]) -> bool {
    matches!(tag, b"table" | b"ul" | b"ol" | b"dl" | b"select")
}

/// Elements with no content: hidden, they hide nothing else.
fn is_void(tag: &[u8]) -> bool {
    matches!(
        tag,
        b"br"
            | b"img"
            | b"hr"
            | b"input"
            | b"meta"
            | b"link"
            | b"wbr"
            | b"col"
            | b"area"
            | b"base"
            | b"embed"
            | b"param"
            | b"source"
            | b"track"
    )
}

/// Whether the start of `tag` ends `open` whose end tag may be left out,
/// as a browser's tree builder would end it.
fn start_closes(open: &[u8], tag: &[u8]) -> bool {
    match open {
        b"p" => matches!(
            role(tag),
            Role::Block | Role::Line | Role::Pre | Role::Table
        ),
        b"li" => tag == b"li",
        b"td" | b"th" => matches!(tag, b"td" | b"th" | b"tr"),
        b"tr" => tag == b"tr",
        b"dt" | b"dd" => matches!(tag, b"dt" | b"dd"),
        b"option" => tag == b"option",
        _ => false,
    }
}

/// Whether the end of `tag` (its parent's) ends `open` without its own.
fn end_closes(open: &[u8], tag: &[u8]) -> bool {
    match open {
        b"p" => matches!(
            role(tag),
            Role::Block | Role::Line | Role::Pre | Role::Table | Role::Row | Role::Cell
        ),
        b"li" => matches!(tag, b"ul" | b"ol"),
        b"td" | b"th" => matches!(tag, b"tr" | b"table" | b"tbody" | b"thead" | b"tfoot"),
        b"tr" => matches!(tag, b"table" | b"tbody" | b"thead" | b"tfoot"),
        b"dt" | b"dd" => tag == b"dl",
        b"option" => tag == b"select",
        _ => false,
    }
}

/// A `style` attribute that takes the element out of sight.
fn style_hides(style: &[u8]) -> bool {
    style.split(|&b| b == b';').any(|declaration| {
        let Some(colon) = declaration.iter().position(|&b| b == b':') else {
            return false;
        };
        let property = declaration[..colon].trim_ascii();
        let mut value = declaration[colon + 1..].trim_ascii();
        if let Some(at) = value.iter().position(|&b| b == b'!') {
            // `none !important`
            value = value[..at].trim_ascii();
        }
        let is = |a: &[u8], b: &str| a.eq_ignore_ascii_case(b.as_bytes());
        (is(property, "display") && is(value, "none"))
            || (is(property, "visibility") && (is(value, "hidden") || is(value, "collapse")))
            || (is(property, "mso-hide") && is(value, "all"))
    })
}

impl Events<'_> {
    /// Ends the attribute read so far.
    fn end_attribute(&mut self) {
        if self.attribute == b"hidden" {
            self.hidden_attribute = true;
        }
        self.attribute.clear();
    }

    /// A start tag inside a hidden element: whether it ends that element
    /// (and is then shown as any other tag).
    fn start_inside_hidden(&mut self) -> bool {
        let Some(hidden) = self.hidden.as_mut() else {
            return false;
        };
        if hidden.depth == 1 && hidden.containers == 0 && start_closes(&hidden.name, &self.tag) {
            self.hidden = None;
            return false;
        }
        if self.tag == hidden.name {
            if !is_void(&self.tag) {
                hidden.depth += 1;
            }
        } else if is_container(&self.tag) {
            hidden.containers += 1;
        }
        true
    }

    /// An end tag inside a hidden element: whether it is still inside (or
    /// is the element's own end tag).
    fn end_inside_hidden(&mut self) -> bool {
        let Some(hidden) = self.hidden.as_mut() else {
            return false;
        };
        if self.tag == hidden.name {
            hidden.depth -= 1;
            if hidden.depth == 0 {
                self.hidden = None;
            }
            return true;
        }
        if hidden.containers > 0 {
            if is_container(&self.tag) {
                hidden.containers -= 1;
            }
            return true;
        }
        if end_closes(&hidden.name, &self.tag) {
            self.hidden = None;
            return false;
        }
        true
    }

    fn flush_text(&mut self) {
        if self.text.is_empty() {
            return;
        }
        // The tokenizer returns the input's own UTF-8 cut at ASCII
        // delimiters; the lossy path is only a guard.
        match std::str::from_utf8(&self.text) {
            Ok(text) => self.renderer.text(text),
            Err(_) => self.renderer.text(&String::from_utf8_lossy(&self.text)),
        }
        self.text.clear();
    }
}

impl Emitter for Events<'_> {
    type Token = Infallible;

    fn should_emit_errors(&mut self) -> bool {
        false
    }

    fn emit_error(&mut self, _: Error) {}

    fn pop_token(&mut self) -> Option<Infallible> {
        None
    }

    fn emit_eof(&mut self) {
        self.flush_text();
    }

    fn emit_string(&mut self, s: &[u8]) {
        // Style sheets are the bulk of an Outlook message's text.
        if !self.renderer.hidden && self.hidden.is_none() {
            self.text.extend_from_slice(s);
        }
    }

    fn init_start_tag(&mut self) {
        self.tag.clear();
        self.end_tag = false;
        self.attribute.clear();
        self.style.clear();
        self.hidden_attribute = false;
    }

    fn init_end_tag(&mut self) {
        self.tag.clear();
        self.end_tag = true;
        self.attribute.clear();
        self.style.clear();
        self.hidden_attribute = false;
    }

    fn push_tag_name(&mut self, s: &[u8]) {
        self.tag.extend_from_slice(s);
    }

    fn emit_current_tag(&mut self) -> Option<State> {
        self.flush_text();
        self.end_attribute();
        if self.end_tag {
            if !self.end_inside_hidden() {
                self.renderer.end_tag(&self.tag);
            }
            self.last_start_tag.clear();
            return None;
        }
        // The tokenizer alone cannot know that `<style>` holds raw text;
        // this switches on the tag name as a browser's tree builder would.
        let next = naive_next_state(&self.tag);
        // Raw text that a reader never sees: style sheets, scripts, the
        // title. A textarea's or an `<xmp>`'s text is shown.
        let hides = matches!(
            next,
            Some(State::RawText | State::ScriptData | State::RcData)
        ) && !matches!(self.tag.as_slice(), b"textarea" | b"xmp");
        let out_of_sight = self.hidden_attribute || style_hides(&self.style);
        if self.start_inside_hidden() {
            // Nothing inside a hidden element is shown.
        } else if out_of_sight && !hides {
            if !is_void(&self.tag) {
                self.hidden = Some(Hidden {
                    name: self.tag.clone(),
                    depth: 1,
                    containers: 0,
                });
            }
        } else {
            self.renderer.start_tag(&self.tag, hides);
        }
        std::mem::swap(&mut self.last_start_tag, &mut self.tag);
        next
    }

    fn current_is_appropriate_end_tag_token(&mut self) -> bool {
        self.end_tag && !self.last_start_tag.is_empty() && self.tag == self.last_start_tag
    }

    fn set_last_start_tag(&mut self, name: Option<&[u8]>) {
        self.last_start_tag.clear();
        self.last_start_tag
            .extend_from_slice(name.unwrap_or_default());
    }

    fn init_comment(&mut self) {}
    fn push_comment(&mut self, _: &[u8]) {}
    fn emit_current_comment(&mut self) {}
    fn init_doctype(&mut self) {}
    fn push_doctype_name(&mut self, _: &[u8]) {}
    fn set_force_quirks(&mut self) {}
    fn set_doctype_public_identifier(&mut self, _: &[u8]) {}
    fn set_doctype_system_identifier(&mut self, _: &[u8]) {}
    fn push_doctype_public_identifier(&mut self, _: &[u8]) {}
    fn push_doctype_system_identifier(&mut self, _: &[u8]) {}
    fn emit_current_doctype(&mut self) {}
    fn set_self_closing(&mut self) {}
    fn init_attribute(&mut self) {
        self.end_attribute();
    }

    fn push_attribute_name(&mut self, s: &[u8]) {
        // Tokenizer-lowercased; no attribute name worth reading is long.
        if self.attribute.len() < 16 {
            self.attribute.extend_from_slice(s);
        }
    }

    fn push_attribute_value(&mut self, s: &[u8]) {
        if self.attribute == b"style" && self.style.len() < 4096 {
            self.style.extend_from_slice(s);
        }
    }
}

/// What an element does to the layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// A block with a blank line before and after (`<p>`, headings).
    Block,
    /// Ends the line, no blank line (`<div>`).
    Line,
    /// `<br>`.
    Break,
    /// `<pre>`: a block whose white space is kept.
    Pre,
    Table,
    Row,
    Cell,
    /// Inline or unknown: only its text counts.
    Inline,
}

fn role(tag: &[u8]) -> Role {
    match tag {
        b"p" | b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" | b"li" | b"blockquote" | b"hr"
        | b"caption" => Role::Block,
        b"div" | b"ul" | b"ol" | b"dl" | b"dt" | b"dd" | b"address" | b"article" | b"aside"
        | b"center" | b"details" | b"dialog" | b"fieldset" | b"figcaption" | b"figure"
        | b"footer" | b"form" | b"header" | b"legend" | b"main" | b"menu" | b"nav" | b"section"
        | b"summary" | b"option" => Role::Line,
        b"br" => Role::Break,
        b"pre" | b"listing" => Role::Pre,
        b"table" => Role::Table,
        b"tr" => Role::Row,
        b"td" | b"th" => Role::Cell,
        _ => Role::Inline,
    }
}

/// Text laid out as lines: the finished lines, the line being built, and
/// the blank line a block owes before the next line with text.
#[derive(Debug, Default)]
struct Lines {
    text: String,
    line: String,
    /// White space was seen since the last word of `line`.
    space: bool,
    /// A block ended or started: a blank line goes before the next line.
    margin: bool,
}

impl Lines {
    fn with_capacity(bytes: usize) -> Self {
        Lines {
            text: String::with_capacity(bytes),
            ..Lines::default()
        }
    }

    /// Text where runs of white space collapse to one space. HTML's white
    /// space is ASCII's; `&nbsp;` is not among it, as in a browser (a
    /// paragraph of `&nbsp;` is a visible empty line).
    fn add_text(&mut self, text: &str) {
        let is_space = |c: char| c.is_ascii_whitespace();
        let mut space = self.space || text.starts_with(is_space);
        let mut words = false;
        for word in text.split_ascii_whitespace() {
            if space && !self.line.is_empty() {
                self.line.push(' ');
            }
            self.line.push_str(word);
            space = true;
            words = true;
        }
        self.space = if words {
            text.ends_with(is_space)
        } else {
            space
        };
    }

    /// Text inside `<pre>`: every newline ends a line. Tabs become spaces
    /// so that no preformatted line passes for a table row.
    fn add_pre_text(&mut self, text: &str) {
        for (i, part) in text.split('\n').enumerate() {
            if i > 0 {
                self.hard_break();
            }
            self.line
                .extend(part.chars().filter(|&c| c != '\r').map(|c| match c {
                    '\t' => ' ',
                    c => c,
                }));
        }
    }

    fn end_line(&mut self) {
        self.space = false;
        if self.line.is_empty() {
            return;
        }
        if self.margin && !self.text.is_empty() {
            self.text.push('\n');
        }
        self.margin = false;
        self.text.push_str(self.line.trim_end());
        self.text.push('\n');
        self.line.clear();
    }

    fn block(&mut self) {
        self.end_line();
        self.margin = true;
    }

    /// `<br>`: ends the line, or stands for an empty line of its own.
    fn hard_break(&mut self) {
        if self.line.is_empty() {
            self.space = false;
            self.text.push('\n');
        } else {
            self.end_line();
        }
    }

    /// Finished lines (each ending in a newline) from elsewhere, as one
    /// block.
    fn add_block(&mut self, lines: &str) {
        self.block();
        if lines.trim().is_empty() {
            return;
        }
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        self.text.push_str(lines);
        self.margin = true;
    }

    /// One line as a block of its own, written as it is (a table row's
    /// trailing separator stays).
    fn add_line(&mut self, line: &str) {
        self.end_line();
        if self.margin && !self.text.is_empty() {
            self.text.push('\n');
        }
        self.text.push_str(line);
        self.text.push('\n');
        self.margin = true;
    }

    /// A table's top or bottom border: an empty line, which the form
    /// reader counts as blank, in place of the margin after a row.
    fn border(&mut self, after_row: bool) {
        self.end_line();
        if self.text.is_empty() {
            return;
        }
        if self.margin && !after_row {
            self.text.push('\n');
        }
        self.text.push('\n');
        self.margin = false;
    }

    fn finish(mut self) -> String {
        self.end_line();
        self.text
    }

    /// Every line of a table cell on one line, as a person reads a cell.
    fn joined(mut self) -> String {
        self.end_line();
        let mut out = String::with_capacity(self.text.len());
        for line in self.text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(line);
        }
        out
    }
}

/// The row being read in the innermost open table.
#[derive(Debug)]
enum Row {
    /// Between rows.
    Outside,
    /// Collecting cells, to be written as one line when the row ends.
    Cells(Vec<Lines>),
    /// The row holds a nested table: it is a layout row, and its text is
    /// written as ordinary lines.
    Flowing,
}

struct Renderer {
    out: Lines,
    /// One entry per open `<table>`, innermost last. Only the innermost
    /// can be collecting cells: a nested table turns the row around it
    /// into a `Flowing` one.
    tables: Vec<Row>,
    /// Inside an element whose text is never shown.
    hidden: bool,
    /// Depth of open `<pre>` elements.
    pre: usize,
}

impl Renderer {
    fn new(html_bytes: usize) -> Self {
        Renderer {
            out: Lines::with_capacity(html_bytes / 4),
            tables: Vec::new(),
            hidden: false,
            pre: 0,
        }
    }

    /// Where text goes now: the last cell of the row being collected, or
    /// the output. Text in a table but outside any cell goes to the output,
    /// as a browser moves it out of the table.
    fn sink(&mut self) -> &mut Lines {
        match self.tables.last_mut() {
            Some(Row::Cells(cells)) if !cells.is_empty() => {
                let last = cells.len() - 1;
                &mut cells[last]
            }
            _ => &mut self.out,
        }
    }

    fn text(&mut self, text: &str) {
        if self.hidden {
            return;
        }
        if self.pre > 0 {
            self.sink().add_pre_text(text);
        } else {
            self.sink().add_text(text);
        }
    }

    /// `hides`: the element's raw text is never shown; the tokenizer reads
    /// it up to the element's own end tag.
    fn start_tag(&mut self, name: &[u8], hides: bool) {
        if hides {
            self.hidden = true;
            return;
        }
        match role(name) {
            Role::Block => self.sink().block(),
            Role::Line => self.sink().end_line(),
            Role::Break => self.sink().hard_break(),
            Role::Pre => {
                self.pre += 1;
                self.sink().block();
            }
            Role::Table => self.open_table(),
            Role::Row => self.open_row(),
            Role::Cell => self.open_cell(),
            Role::Inline => {}
        }
    }

    fn end_tag(&mut self, name: &[u8]) {
        if self.hidden {
            // In raw text only the element's own end tag is a tag.
            self.hidden = false;
            return;
        }
        match role(name) {
            Role::Block => self.sink().block(),
            Role::Line => self.sink().end_line(),
            // `</br>` is read as `<br>` by browsers.
            Role::Break => self.sink().hard_break(),
            Role::Pre => {
                self.pre = self.pre.saturating_sub(1);
                self.sink().block();
            }
            Role::Table => self.close_table(),
            Role::Row => self.close_row(),
            Role::Cell | Role::Inline => {}
        }
    }

    fn open_table(&mut self) {
        // The row around a nested table is for layout: what it holds so
        // far, and all it holds after, is written as ordinary lines.
        if let Some(row @ Row::Cells(_)) = self.tables.last_mut() {
            if let Row::Cells(cells) = std::mem::replace(row, Row::Flowing) {
                self.spill(cells);
            }
        }
        self.out.block();
        self.out.border(false);
        self.tables.push(Row::Outside);
    }

    fn close_table(&mut self) {
        if self.tables.is_empty() {
            return;
        }
        self.close_row();
        self.tables.pop();
        self.out.border(true);
        self.out.block();
    }

    fn open_row(&mut self) {
        if self.tables.is_empty() {
            self.out.end_line();
            return;
        }
        self.close_row();
        if let Some(row) = self.tables.last_mut() {
            *row = Row::Cells(Vec::new());
        }
    }

    /// Writes the row being read, if any.
    fn close_row(&mut self) {
        let Some(row) = self.tables.last_mut() else {
            return;
        };
        match std::mem::replace(row, Row::Outside) {
            Row::Cells(cells) => self.write_row(cells),
            Row::Flowing => self.out.block(),
            Row::Outside => {}
        }
    }

    fn open_cell(&mut self) {
        match self.tables.last_mut() {
            None => self.out.end_line(),
            // A cell outside a row opens one, as in a browser.
            Some(row @ Row::Outside) => *row = Row::Cells(vec![Lines::default()]),
            Some(Row::Cells(cells)) => cells.push(Lines::default()),
            Some(Row::Flowing) => self.out.block(),
        }
    }

    /// A row of two or more cells is one `label<TAB>value` line, even with
    /// an empty value (so the reader never takes the next row for it); a
    /// single cell is a layout cell whose lines stay as they are. The value
    /// cells of a wider row are kept apart, empty ones too, by
    /// `VALUE_CELL_SEPARATOR`: in `Yes | X | No | ` the box beside each
    /// option matters.
    fn write_row(&mut self, cells: Vec<Lines>) {
        if cells.len() < 2 {
            self.spill(cells);
            return;
        }
        let cells: Vec<String> = cells.into_iter().map(Lines::joined).collect();
        if cells.iter().all(String::is_empty) {
            self.out.block();
            return;
        }
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            match i {
                0 => {}
                1 => line.push(CELL_SEPARATOR),
                _ => line.push(VALUE_CELL_SEPARATOR),
            }
            line.push_str(cell);
        }
        self.out.add_line(&line);
    }

    /// Writes cells as ordinary blocks of lines.
    fn spill(&mut self, cells: Vec<Lines>) {
        for cell in cells {
            self.out.add_block(&cell.finish());
        }
    }

    fn finish(mut self) -> String {
        while !self.tables.is_empty() {
            self.close_table();
        }
        self.out.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::field::Field;
    use crate::core::form::read_form;

    fn values(html: &str) -> std::collections::BTreeMap<Field, String> {
        read_form(&html_to_lines(html)).values
    }

    #[test]
    fn paragraphs_are_blocks_and_divs_are_lines() {
        assert_eq!(
            html_to_lines("<p>One</p><p>Two</p><div>Three</div><div>Four</div>"),
            "One\n\nTwo\n\nThree\nFour\n"
        );
        assert_eq!(
            html_to_lines("<h2>Head</h2>text<ul><li>a</li><li>b</li></ul>"),
            "Head\n\ntext\n\na\n\nb\n"
        );
    }

    #[test]
    fn white_space_collapses_but_nbsp_does_not() {
        assert_eq!(
            html_to_lines("<p>  Full \r\n\t name:   Sam  </p>"),
            "Full name: Sam\n"
        );
        // An Outlook spacer paragraph is a line of its own (shown blank).
        assert_eq!(
            html_to_lines("<p>a</p><p>&nbsp;</p><p>b</p>"),
            "a\n\n\n\nb\n"
        );
        assert_eq!(
            html_to_lines("<p>07700&nbsp;900&nbsp;640</p>"),
            "07700\u{a0}900\u{a0}640\n"
        );
    }

    #[test]
    fn breaks_end_lines_and_stand_for_empty_lines() {
        assert_eq!(html_to_lines("a<br>b<br><br>c<br/>"), "a\nb\n\nc\n");
        assert_eq!(html_to_lines("a</br>b"), "a\nb\n");
    }

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            html_to_lines(
                "<p>O&#8217;Brien &amp; Sons &lt;x&gt; &pound;5 &#x2013; caf&eacute;</p>"
            ),
            "O\u{2019}Brien & Sons <x> \u{a3}5 \u{2013} caf\u{e9}\n"
        );
        // A decoded tab or newline is white space like any other.
        assert_eq!(
            html_to_lines("<p>Full name&#9;Sam&#10;X</p>"),
            "Full name Sam X\n"
        );
    }

    #[test]
    fn tables_with_colons_become_label_value_lines() {
        let html = "<table><tr><td><p><b>Full name:</b></p></td><td><p>Sam Example</p></td></tr>\
            <tr><td>Date of birth:</td><td>01/02/1990</td></tr></table>";
        assert_eq!(
            html_to_lines(html),
            "Full name:\tSam Example\n\nDate of birth:\t01/02/1990\n\n"
        );
        let v = values(html);
        assert_eq!(v[&Field::FullName], "Sam Example");
        assert_eq!(v[&Field::DateOfBirth], "01/02/1990");
    }

    #[test]
    fn tables_without_colons_and_with_empty_values() {
        // `&nbsp;` in an empty value cell, as Outlook writes it: the row
        // keeps its separator, with nothing after it.
        let html = "<table>\
            <tr><td><p class=MsoNormal><b>Full name<o:p></o:p></b></p></td>\
                <td><p class=MsoNormal>Dean Fuller<o:p></o:p></p></td></tr>\
            <tr><td><p>Prison number</p></td><td><p><o:p>&nbsp;</o:p></p></td></tr>\
            <tr><td>CRN</td><td>X310288</td></tr></table>";
        let text = html_to_lines(html);
        assert!(text.contains("\nPrison number\t\n"), "{text:?}");
        let v = values(html);
        assert_eq!(v[&Field::FullName], "Dean Fuller");
        assert_eq!(v[&Field::Crn], "X310288");
        assert!(!v.contains_key(&Field::PrisonNumber), "{v:?}");
    }

    #[test]
    fn breaks_and_paragraphs_inside_cells_join_with_spaces() {
        let html = "<table><tr><td>Reason at risk of homelessness</td>\
            <td>First line<br>second line<p>third</p></td></tr></table>";
        assert_eq!(
            html_to_lines(html),
            "Reason at risk of homelessness\tFirst line second line third\n\n"
        );
        // Three or more cells: the value is every other cell, in order,
        // each apart (empty ones too), read as words of one value.
        let html = "<table><tr><th>Name</th><td>Sam</td><td></td><td>Example</td></tr></table>";
        assert_eq!(html_to_lines(html), "Name\tSam\u{1f}\u{1f}Example\n\n");
        assert_eq!(values(html)[&Field::FullName], "Sam Example");
    }

    #[test]
    fn tick_box_rows_keep_each_box_beside_its_option() {
        // An X typed beside an option, the other box cell left empty.
        let html = "<table><tr><td>Consent to referral</td><td>Yes</td><td>X</td>\
            <td>No</td><td>&nbsp;</td></tr>\
            <tr><td>At risk of rough sleeping</td><td><p>&#9744; Yes</p></td><td><p>&#9746; No</p></td></tr>\
            <tr><td>Existing tenancy or mortgage</td><td></td><td>Yes</td><td>X</td><td>No</td></tr></table>";
        let v = values(html);
        assert_eq!(v[&Field::Consent], "Yes");
        assert_eq!(v[&Field::RoughSleepingRisk], "No");
        assert_eq!(v[&Field::ExistingTenancy], "No");
    }

    #[test]
    fn single_cell_rows_keep_their_lines() {
        let html =
            "<table><tr><td colspan=2><p>DUTY TO REFER REFERRAL</p><p>Full name: Sam</p></td></tr>\
            <tr><td>CRN</td><td>X123456</td></tr></table>";
        assert_eq!(
            html_to_lines(html),
            "DUTY TO REFER REFERRAL\n\nFull name: Sam\n\nCRN\tX123456\n\n"
        );
        assert!(read_form(&html_to_lines(html)).heading);
    }

    #[test]
    fn nested_tables_as_outlook_writes_them() {
        // A layout table around the message, and the form's own table
        // inside its one cell, with text before and after it.
        let html = "<table class=MsoNormalTable><tr><td style='padding:0'>\
            <p class=MsoNormal>Hello,</p>\
            <table class=MsoTableGrid><tr><td><p><b>Full name</b></p></td><td><p>Sam Example</p></td></tr>\
            <tr><td><p>DOB</p></td><td><p>01/02/1990</p></td></tr></table>\
            <p class=MsoNormal>Kind regards</p></td></tr></table>";
        let text = html_to_lines(html);
        assert!(text.contains("\nFull name\tSam Example\n"), "{text:?}");
        assert!(text.contains("\nDOB\t01/02/1990\n"), "{text:?}");
        assert!(text.starts_with("Hello,\n"), "{text:?}");
        assert!(text.trim_end().ends_with("Kind regards"), "{text:?}");
        // A signature-style outer row of two cells, the form in the second.
        let html = "<table><tr><td><img alt=logo></td><td>\
            <table><tr><td>Full name</td><td>Sam Example</td></tr>\
            <tr><td>CRN</td><td>X123456</td></tr></table></td></tr>\
            <tr><td>Referrer name</td><td>Jo Officer</td></tr></table>";
        let v = values(html);
        assert_eq!(v[&Field::FullName], "Sam Example");
        assert_eq!(v[&Field::Crn], "X123456");
        assert_eq!(v[&Field::ReferrerName], "Jo Officer");
    }

    #[test]
    fn conditional_comments_and_comments_are_dropped() {
        let html = "<html><head><!--[if gte mso 9]><xml><o:OfficeDocumentSettings>\
            <o:AllowPNG/>Full name: Hidden</o:OfficeDocumentSettings></xml><![endif]--></head>\
            <body><!-- Full name: Comment --><p>Full name: Shown</p>\
            <p><![if !supportLists]>1.<![endif]>Item</p></body></html>";
        assert_eq!(html_to_lines(html), "Full name: Shown\n\n1.Item\n");
    }

    #[test]
    fn style_script_and_title_are_dropped() {
        let html = "<html><head><title>Full name: Title</title>\
            <style><!-- p.MsoNormal {margin:0cm;} <p>Full name: Style</p> --></style>\
            <script>var x = '<p>Full name: Script</p>';</script></head>\
            <body><p>Full name: Body</p><style>td {border:0}</style><p>Done</p></body></html>";
        assert_eq!(html_to_lines(html), "Full name: Body\n\nDone\n");
        // A textarea's text is shown.
        assert_eq!(html_to_lines("<textarea>a <b> c</textarea>"), "a <b> c\n");
    }

    #[test]
    fn hidden_elements_are_never_read() {
        let html = "<div style='display:none'>Full name: Hidden Div<p>Consent to referral: Yes</p>\
            <div>Full name: Nested</div></div>\
            <p style=\"mso-hide: all\">Full name: Outlook Hidden</p>\
            <span style='visibility:hidden'>Full name: Invisible</span>\
            <p hidden>Full name: Attribute</p>\
            <p style='color:red; DISPLAY : NONE !important'>Full name: Important</p>\
            <table><tr style='display:none'><td>Consent to referral</td><td>Yes</td></tr>\
            <tr><td>Full name</td><td style='display:none'>Hidden Cell</td><td>Sam Shown</td></tr>\
            </table><p>Consent to referral: No<span hidden> and Yes</span></p>";
        let v = values(html);
        assert_eq!(v[&Field::FullName], "Sam Shown");
        assert_eq!(v[&Field::Consent], "No");
        let text = html_to_lines(html);
        for hidden in [
            "Hidden",
            "Nested",
            "Invisible",
            "Attribute",
            "Important",
            "and Yes",
        ] {
            assert!(!text.contains(hidden), "{hidden}: {text:?}");
        }
        // Styles that do not hide, and hidden elements with nothing in them.
        assert_eq!(
            html_to_lines(
                "<p style='display:block;visibility:visible;mso-hide:none'>Shown</p>\
                 <p>a<br style='display:none'>b<img hidden></p><p style='x-display:none'>c</p>"
            ),
            "Shown\n\nab\n\nc\n"
        );
    }

    #[test]
    fn a_hidden_element_ends_where_a_browser_ends_it() {
        // End tags left out: the next paragraph, cell or row ends it.
        assert_eq!(
            html_to_lines("<p style=display:none>hidden<p>shown</p>"),
            "shown\n"
        );
        assert_eq!(
            html_to_lines("<div><p hidden>hidden</div><p>shown"),
            "shown\n"
        );
        let html = "<table><tr><td>Full name<td hidden>Hidden<td>Sam</tr>\
            <tr hidden><td>CRN<td>X999999<tr><td>DOB<td>01/02/1990</table>";
        let v = values(html);
        assert_eq!(v[&Field::FullName], "Sam");
        assert_eq!(v[&Field::DateOfBirth], "01/02/1990");
        assert!(!v.contains_key(&Field::Crn), "{v:?}");
        // A table or list inside a hidden cell or item: its cells and items
        // do not end it; same-named elements nest.
        let html = "<table><tr><td>Full name</td><td hidden><table><tr><td>Hidden</td>\
            <td>Too</td></tr></table>Still hidden</td><td>Sam</td></tr></table>\
            <ul><li hidden>a<ul><li>b</li></ul>c</li><li>shown</li></ul>\
            <div hidden><div>x</div>y</div>z";
        let text = html_to_lines(html);
        assert!(text.contains("Full name\tSam"), "{text:?}");
        for hidden in ["Hidden", "Too", "Still", "a\n", "b", "c", "x", "y"] {
            assert!(!text.contains(hidden), "{hidden}: {text:?}");
        }
        assert!(text.contains("shown") && text.ends_with("z\n"), "{text:?}");
    }

    #[test]
    fn preformatted_text_keeps_its_lines() {
        assert_eq!(
            html_to_lines("<pre>Full name:  Sam\n\nCRN:\tX1</pre>after"),
            "Full name:  Sam\n\nCRN: X1\n\nafter\n"
        );
    }

    #[test]
    fn unclosed_and_stray_tags() {
        assert_eq!(
            html_to_lines("<p>Full name: Sam<p>DOB: 1/2/90<div>CRN: X1"),
            "Full name: Sam\n\nDOB: 1/2/90\nCRN: X1\n"
        );
        assert_eq!(
            html_to_lines("<table><tr><td>Full name<td>Sam<tr><td>CRN<td>X1"),
            "Full name\tSam\n\nCRN\tX1\n\n"
        );
        // Cells without a table, a row without cells, closing tags with
        // nothing open, a style sheet cut off.
        assert_eq!(
            html_to_lines("</table></tr></td><td>a<td>b<tr>c</p></div>"),
            "a\nb\nc\n"
        );
        assert_eq!(
            html_to_lines("<table><td>Name<td>Sam</table>x"),
            "Name\tSam\n\n\nx\n"
        );
        assert_eq!(html_to_lines("<p>kept</p><style>p {"), "kept\n");
        assert_eq!(html_to_lines("<p>cut <b"), "cut\n");
        assert_eq!(html_to_lines(""), "");
        assert_eq!(
            html_to_lines("<<>>&&;&#xFFFFFFFF;&#0;"),
            "<<>>&&;\u{fffd}\u{fffd}\n"
        );
    }

    #[test]
    fn deep_nesting_costs_no_stack() {
        let depth = 10_000;
        let divs = format!(
            "{}Full name: X{}",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        assert_eq!(html_to_lines(&divs), "Full name: X\n");
        let quotes = format!("{}Full name: X", "<blockquote><p>".repeat(depth));
        assert_eq!(html_to_lines(&quotes), "Full name: X\n");
        let tables = format!("{}Full name: X", "<table><tr><td>".repeat(depth));
        assert_eq!(html_to_lines(&tables).trim(), "Full name: X");
        let rows = format!(
            "<table><tr><td>Full name</td><td>{}X",
            "<table><tr><td>a<td>".repeat(depth)
        );
        assert!(html_to_lines(&rows).contains("a\tX"));
    }

    #[test]
    fn a_full_outlook_message_reads() {
        let html = "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><head>\
            <meta http-equiv=Content-Type content=\"text/html; charset=us-ascii\">\
            <style><!-- p.MsoNormal {margin:0cm;} --></style></head>\
            <body lang=EN-GB><div class=WordSection1>\
            <p class=MsoNormal><b>DUTY TO REFER REFERRAL</b><o:p></o:p></p>\
            <p class=MsoNormal><o:p>&nbsp;</o:p></p>\
            <p class=MsoNormal><b>Full name:</b> Kieran O&#8217;Brien<o:p></o:p></p>\
            <p class=MsoNormal><b>Contact phone:</b> 07700&nbsp;900&nbsp;640<o:p></o:p></p>\
            <p class=MsoNormal><b>Reason at risk of homelessness:</b> The friend has moved<br>\
            and will not let him return.<o:p></o:p></p>\
            <p class=MsoNormal><b>Referrer email:</b> <a href=\"mailto:jane.doe@justice.gov.uk\">\
            jane.doe@justice.gov.uk</a><o:p></o:p></p>\
            <p class=MsoNormal><b>Referring agency:</b> HMP &amp; YOI Chelmsford<o:p></o:p></p>\
            <p class=MsoNormal>Kind regards<o:p></o:p></p></div></body></html>";
        let reading = read_form(&html_to_lines(html));
        assert!(reading.heading);
        let v = reading.values;
        assert_eq!(v[&Field::FullName], "Kieran O\u{2019}Brien");
        assert_eq!(v[&Field::PersonPhone], "07700 900 640");
        assert_eq!(
            v[&Field::HomelessnessReason],
            "The friend has moved and will not let him return."
        );
        assert_eq!(v[&Field::ReferrerEmail], "jane.doe@justice.gov.uk");
        assert_eq!(v[&Field::ReferringAgency], "HMP & YOI Chelmsford");
    }
}

#[cfg(test)]
mod properties {
    use super::html_to_lines;
    use proptest::prelude::*;

    /// Tag soup from the pieces that steer the renderer.
    fn soup() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("<table>"),
            Just("</table>"),
            Just("<tr>"),
            Just("</tr>"),
            Just("<td>"),
            Just("</td>"),
            Just("<th>"),
            Just("<p>"),
            Just("</p>"),
            Just("<div>"),
            Just("<br>"),
            Just("<pre>"),
            Just("</pre>"),
            Just("<style>"),
            Just("</style>"),
            Just("<title>"),
            Just("<!--"),
            Just("-->"),
            Just("<![if x]>"),
            Just("&nbsp;"),
            Just("&#9;"),
            Just("&"),
            Just("<"),
            Just(">"),
            Just("\t"),
            Just("\n"),
            Just(" "),
            Just("Full name"),
            Just(":"),
            Just("é"),
            Just("<b x='"),
            Just("'"),
            Just("<p hidden>"),
            Just("<td style='display:none'>"),
            Just("<div style=mso-hide:all>"),
            Just("</div>"),
        ];
        proptest::collection::vec(piece, 0..200).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        #[test]
        fn tag_soup_renders_without_panicking(html in soup()) {
            let text = html_to_lines(&html);
            // Only a table row carries the cell separator, once.
            for line in text.lines() {
                prop_assert!(line.matches('\t').count() <= 1, "{:?}", line);
            }
        }

        #[test]
        fn any_text_renders_without_panicking(html in "(?s).{0,400}") {
            let _ = html_to_lines(&html);
        }
    }
}
