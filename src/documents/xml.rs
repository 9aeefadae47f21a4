//! What the XML documents (Word's and OpenDocument's) share: a reader that
//! refuses a DTD, entity references resolved without expansion, and the
//! layout of paragraphs and table rows as the form reader's lines.

use super::{Budget, DocumentError, DocumentText, Unseen};
use crate::core::form::{
    holds_a_label, CELL_SEPARATOR, STRUCK_END, STRUCK_START, UNREADABLE, VALUE_CELL_SEPARATOR,
};
use crate::core::rows::{is_row_of_pairs, label_over_hint, notes_column, questions_in_cells};
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::{NamespaceResolver, QName, ResolveResult};
use quick_xml::Reader;

/// The next event of a part, the clock looked at every 4096 events
/// (`count` is the loop's own); a DTD, where entity expansion starts, is
/// refused wherever it stands.
pub(super) fn next_event<'x>(
    reader: &mut Reader<&'x [u8]>,
    count: &mut u32,
    budget: &Budget,
) -> Result<Event<'x>, DocumentError> {
    *count = count.wrapping_add(1);
    if count.is_multiple_of(4096) {
        budget.check_time()?;
    }
    match reader.read_event().map_err(malformed)? {
        Event::DocType(_) => Err(DocumentError::Dtd),
        event => Ok(event),
    }
}

/// A reader over an XML part. Its text must be UTF-8 (Word and
/// LibreOffice write nothing else).
pub(super) fn reader(xml: &[u8]) -> Result<Reader<&[u8]>, DocumentError> {
    let text = std::str::from_utf8(xml)
        .map_err(|_| DocumentError::Malformed("its XML is not UTF-8".into()))?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    Ok(reader)
}

pub(super) fn malformed(e: impl std::fmt::Display) -> DocumentError {
    DocumentError::Malformed(format!("its XML cannot be read ({e})"))
}

/// The text of `&amp;` or `&#x2612;`. Only the five entities XML itself
/// defines: a document's own entities would need its DTD, which is refused.
pub(super) fn reference(r: &BytesRef<'_>) -> Option<char> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Some(c);
    }
    match r.as_ref() {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

/// An attribute's value by its local name (`w:val`, `w14:val` → `val`).
pub(super) fn attribute(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        let key = a.key.as_ref();
        let name = key.rsplit(':').next().unwrap_or(key);
        (name == local)
            .then(|| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.into_owned())
            })
            .flatten()
    })
}

/// The namespaces declared around the element being read, so names are
/// known by the namespace they are bound to rather than by the prefix a
/// document happens to write. Each `Start` and `Empty` element is entered
/// before it is looked at; each `End` and `Empty` left after.
#[derive(Default)]
pub(super) struct Namespaces {
    resolver: NamespaceResolver,
}

impl Namespaces {
    pub fn enter(&mut self, e: &BytesStart<'_>) -> Result<(), DocumentError> {
        self.resolver.push(e).map_err(malformed)
    }

    pub fn leave(&mut self) {
        self.resolver.pop();
    }

    /// The namespace a prefix is bound to here.
    pub fn of_prefix(&self, prefix: &str) -> Option<&str> {
        let name = format!("{prefix}:_");
        match self.resolver.resolve_element(QName(&name)).0 {
            ResolveResult::Bound(namespace) => Some(namespace.0),
            _ => None,
        }
    }

    /// An element's namespace and local name.
    pub fn element<'n>(&self, name: QName<'n>) -> (Option<&str>, &'n str) {
        let (namespace, local) = self.resolver.resolve_element(name);
        let namespace = match namespace {
            ResolveResult::Bound(namespace) => Some(namespace.0),
            _ => None,
        };
        (namespace, local.into_inner())
    }

    /// An attribute's value by its namespace and local name.
    pub fn attribute(&self, e: &BytesStart<'_>, namespace: &str, local: &str) -> Option<String> {
        e.attributes().flatten().find_map(|a| {
            let (bound, name) = self.resolver.resolve_attribute(a.key);
            let matches = name.into_inner() == local
                && matches!(bound, ResolveResult::Bound(n) if n.0 == namespace);
            matches
                .then(|| {
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .ok()
                        .map(|v| v.into_owned())
                })
                .flatten()
        })
    }
}

/// An on/off attribute (`w:val="0"`, `w14:val="true"`); present without a
/// value means on.
pub(super) fn is_on(e: &BytesStart<'_>) -> bool {
    match attribute(e, "val") {
        None => true,
        Some(v) => !matches!(v.trim(), "0" | "false" | "off"),
    }
}

pub(super) fn tick(checked: bool) -> char {
    if checked {
        '☒'
    } else {
        '☐'
    }
}

/// Where the layout stands: the paragraphs ended so far and the length
/// of the one being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Mark {
    ended: usize,
    at: usize,
}

/// Text judged out of sight is kept to this many bytes, a line for each
/// paragraph or cell it was in: enough to tell whether it holds a form.
const MAX_UNSEEN_KEPT: usize = 64 * 1024;

/// Lines as the form reader takes them, built from paragraphs and tables,
/// and apart from them the text judged out of sight.
#[derive(Default)]
pub(super) struct Layout {
    out: String,
    paragraph: String,
    /// Open tables, innermost last.
    tables: Vec<OpenTable>,
    unseen: Unseen,
    unseen_line: String,
    /// Paragraphs (and loose text) ended so far.
    ended: usize,
}

/// A table being laid out: the cells of the row being read and, for a
/// table inside a cell, its rows read so far.
#[derive(Default)]
struct OpenTable {
    cells: Vec<Cell>,
    in_cell: bool,
    rows: Vec<NestedRow>,
    /// Rows ended so far: the first may be a header naming a notes column.
    rows_ended: usize,
    /// The column from which the header says the cells hold notes, no
    /// part of the answers (`rows::notes_column`).
    notes_from: Option<crate::core::rows::NotesColumn>,
}

/// A cell's content in order: its paragraphs, each one piece of its
/// row's line, and the lines of a form laid out in a table inside it.
#[derive(Default)]
struct Cell {
    blocks: Vec<Block>,
}

enum Block {
    Paragraph(String),
    Lines(String),
}

impl Cell {
    fn push_paragraph(&mut self, text: String) {
        if !text.is_empty() {
            self.blocks.push(Block::Paragraph(text));
        }
    }

    /// Its paragraphs, when it holds no form of its own.
    fn paragraphs(&self) -> Vec<&str> {
        self.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(p) => Some(p.as_str()),
                Block::Lines(_) => None,
            })
            .collect()
    }

    fn holds_lines(&self) -> bool {
        self.blocks.iter().any(|b| matches!(b, Block::Lines(_)))
    }

    /// Its text as one piece of its row's line.
    fn text(&self) -> String {
        self.paragraphs().join(" ")
    }
}

/// A row of a table inside a cell: the lines it reads as, and its text
/// as one piece of its cell's, whichever its table turns out to be.
struct NestedRow {
    lines: String,
    text: String,
    /// Its lines hold a question of the form (or its heading).
    form: bool,
}

impl Layout {
    pub fn mark(&self) -> Mark {
        Mark {
            ended: self.ended,
            at: self.paragraph.len(),
        }
    }

    /// The text of the paragraph being read since `mark`, when it is
    /// still the paragraph `mark` was taken in.
    pub fn since(&self, mark: Mark) -> Option<&str> {
        (mark.ended == self.ended)
            .then(|| self.paragraph.get(mark.at..))
            .flatten()
    }

    /// The text since `mark` (in the same paragraph) replaced by `c`; a
    /// mark in a paragraph ended since is left as it is.
    pub fn replace_since(&mut self, mark: Mark, c: char) {
        if self.since(mark).is_some() {
            self.paragraph.truncate(mark.at);
            self.paragraph.push(c);
        }
    }

    pub fn text(&mut self, text: &str) {
        self.paragraph.push_str(&unmarked(text));
    }

    /// Text drawn struck through, marked as such for the form reader
    /// (`STRUCK_START` ... `STRUCK_END`): a struck option is not chosen.
    pub fn struck_text(&mut self, text: &str) {
        if text.trim().is_empty() {
            self.paragraph.push_str(text);
            return;
        }
        self.paragraph.push(STRUCK_START);
        self.paragraph.push_str(&unmarked(text));
        self.paragraph.push(STRUCK_END);
    }

    /// Text of the paragraph being read that a reader does not see: not
    /// part of its line, but counted and kept apart.
    pub fn unseen_text(&mut self, text: &str) {
        self.unseen.chars += text.chars().filter(|c| !c.is_whitespace()).count();
        if self.unseen.text.len() + self.unseen_line.len() + text.len() <= MAX_UNSEEN_KEPT {
            self.unseen_line.push_str(text);
        }
    }

    /// The out-of-sight text of the paragraph or cell that ends: a line.
    fn end_unseen_line(&mut self) {
        let line = std::mem::take(&mut self.unseen_line);
        let line = line.trim();
        if !line.is_empty() {
            self.unseen.text.push_str(&in_one_cell(line));
            self.unseen.text.push('\n');
        }
    }

    pub fn push(&mut self, c: char) {
        if matches!(c, STRUCK_START | STRUCK_END) {
            self.paragraph.push(UNREADABLE);
        } else {
            self.paragraph.push(c);
        }
    }

    /// The paragraph being read is not shown: what it has so far is
    /// dropped.
    pub fn discard_paragraph(&mut self) {
        self.paragraph.clear();
    }

    /// The cell being read, if the innermost table is in one.
    fn cell(&mut self) -> Option<&mut Cell> {
        self.tables
            .last_mut()
            .filter(|t| t.in_cell)
            .and_then(|t| t.cells.last_mut())
    }

    /// A paragraph ends: a line of its own, or part of its table cell.
    pub fn end_paragraph(&mut self, budget: &Budget) -> Result<(), DocumentError> {
        self.end_unseen_line();
        self.ended += 1;
        let paragraph = std::mem::take(&mut self.paragraph);
        match self.cell() {
            Some(cell) => cell.push_paragraph(in_one_cell(&paragraph)),
            None => {
                // A line break inside a paragraph (`w:br`) stays one.
                self.out.push_str(paragraph.trim_end());
                self.out.push('\n');
            }
        }
        budget.check_text(&self.out)?;
        budget.check_time()
    }

    pub fn start_table(&mut self) {
        self.end_loose_text();
        self.tables.push(OpenTable::default());
    }

    /// A table ends. One inside a cell that lays out questions of the
    /// form (a council's form inside the table holding its logo and
    /// heading) reads as its rows' lines, in its cell's place; any other
    /// (boxes beside their options) as its cell's text.
    pub fn end_table(&mut self) {
        let Some(table) = self.tables.pop() else {
            return;
        };
        let Some(cell) = self.tables.last_mut().and_then(|t| t.cells.last_mut()) else {
            return;
        };
        if table.rows.iter().any(|row| row.form) {
            let lines: String = table.rows.iter().map(|row| row.lines.as_str()).collect();
            cell.blocks.push(Block::Lines(lines));
        } else {
            for row in table.rows {
                cell.push_paragraph(row.text);
            }
        }
    }

    pub fn start_row(&mut self) {
        if let Some(table) = self.tables.last_mut() {
            table.cells.clear();
        }
    }

    pub fn start_cell(&mut self) {
        self.end_loose_text();
        if let Some(table) = self.tables.last_mut() {
            table.cells.push(Cell::default());
            table.in_cell = true;
        }
    }

    pub fn end_cell(&mut self) {
        self.end_loose_text();
        if let Some(table) = self.tables.last_mut() {
            table.in_cell = false;
        }
    }

    /// Text outside any paragraph (a cell's text written bare): ends as if
    /// its paragraph had.
    fn end_loose_text(&mut self) {
        self.end_unseen_line();
        self.ended += 1;
        if self.paragraph.trim().is_empty() {
            self.paragraph.clear();
            return;
        }
        let text = std::mem::take(&mut self.paragraph);
        match self.cell() {
            Some(cell) => cell.push_paragraph(in_one_cell(&text)),
            None => {
                self.out.push_str(text.trim_end());
                self.out.push('\n');
            }
        }
    }

    /// The cell just ended is not on the page (a tracked deletion): the
    /// cells after it stand in its place.
    pub fn discard_cell(&mut self) {
        if let Some(table) = self.tables.last_mut() {
            table.cells.pop();
        }
    }

    /// The row ending is not on the page (a tracked deletion): no line.
    pub fn discard_row(&mut self) {
        if let Some(table) = self.tables.last_mut() {
            table.cells.clear();
        }
    }

    /// A row ends: one `label<TAB>value` line as the HTML rendering writes
    /// it. A row of a table inside a cell is kept until its table ends.
    pub fn end_row(&mut self) {
        let nested = self.tables.len() > 1;
        let Some(table) = self.tables.last_mut() else {
            return;
        };
        let mut cells = std::mem::take(&mut table.cells);
        if !cells.is_empty() {
            let texts: Vec<String> = cells.iter().map(Cell::text).collect();
            if table.rows_ended == 0 {
                table.notes_from = notes_column(&texts);
            }
            table.rows_ended += 1;
            if let Some(notes) = table.notes_from {
                cells.truncate(notes.kept(&texts));
            }
        }
        let mut lines = String::new();
        write_row(&mut lines, &cells);
        if nested {
            let text = cells
                .iter()
                .map(Cell::text)
                .filter(|c| !c.trim().is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let form = cells.iter().any(Cell::holds_lines) || holds_a_label(&lines);
            table.rows.push(NestedRow { lines, text, form });
        } else {
            self.out.push_str(&lines);
        }
    }

    pub fn finish(mut self) -> DocumentText {
        self.end_loose_text();
        DocumentText {
            text: self.out,
            unseen: self.unseen,
        }
    }
}

/// A document's own text, where a struck mark (`STRUCK_START`,
/// `STRUCK_END`) typed in it is no strike: it cannot be read.
fn unmarked(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([STRUCK_START, STRUCK_END]) {
        std::borrow::Cow::Owned(text.replace([STRUCK_START, STRUCK_END], &UNREADABLE.to_string()))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// A cell's text as one piece of its row's line: a tab typed in it (`1.`
/// and a tab before the question, as Word users number them) or a line
/// break is a space, never the separator between cells or lines.
fn in_one_cell(text: &str) -> String {
    text.trim()
        .replace(['\t', '\n', '\r', VALUE_CELL_SEPARATOR], " ")
}

/// A row of two or more cells is one line, `label<TAB>value<US>value...`;
/// a row of pairs (`Date of birth | ... | Prison number | ...`), as forms
/// often lay out short questions, is a line for each pair, as is a row
/// whose cells each hold a question over its answer. A single cell is a
/// line of its own. A row with a form laid out in a table inside one of
/// its cells is a page of its own: each cell's paragraphs a line, that
/// form's rows their lines.
fn write_row(out: &mut String, cells: &[Cell]) {
    if cells.iter().any(Cell::holds_lines) {
        for cell in cells {
            for block in &cell.blocks {
                match block {
                    Block::Paragraph(p) => {
                        out.push_str(p.trim());
                        out.push('\n');
                    }
                    Block::Lines(lines) => out.push_str(lines),
                }
            }
        }
        return;
    }
    let paragraphs: Vec<Vec<&str>> = cells.iter().map(Cell::paragraphs).collect();
    if let Some(lines) = questions_in_cells(&paragraphs) {
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
        return;
    }
    // A label over a hint in its cell, its answer in the next: the hint
    // read as the label's, never as the answer.
    let texts: Vec<String> = cells
        .iter()
        .enumerate()
        .map(|(at, cell)| {
            let answered_beside = cells[at + 1..]
                .first()
                .is_some_and(|next| !next.text().trim().is_empty());
            answered_beside
                .then(|| label_over_hint(&cell.paragraphs()))
                .flatten()
                .unwrap_or_else(|| cell.text())
        })
        .collect();
    let cells: Vec<&str> = texts.iter().map(|c| c.trim()).collect();
    if cells.iter().all(|c| c.is_empty()) {
        out.push('\n');
        return;
    }
    if cells.len() < 2 {
        for cell in cells {
            out.push_str(cell);
            out.push('\n');
        }
        return;
    }
    let pairs = is_row_of_pairs(&cells);
    if pairs {
        for pair in cells.chunks(2) {
            out.push_str(pair[0]);
            out.push(CELL_SEPARATOR);
            out.push_str(pair[1]);
            out.push('\n');
        }
        return;
    }
    for (i, cell) in cells.iter().enumerate() {
        match i {
            0 => {}
            1 => out.push(CELL_SEPARATOR),
            _ => out.push(VALUE_CELL_SEPARATOR),
        }
        out.push_str(cell);
    }
    out.push('\n');
}
