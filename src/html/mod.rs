//! Renders an email's HTML as the lines a person would read, for the form
//! reader (`core::form`): blocks end lines, the cells of a table row become
//! one line `first cell<TAB>other cells` (`CELL_SEPARATOR`), and what a
//! reader never sees (style, script, title, comments, Outlook's conditional
//! comments, a `<template>`, and elements hidden by `display:none`,
//! `visibility:hidden`, `mso-hide:all`, `opacity`, a position or transform
//! off the screen or the `hidden` attribute, in their `style` or by a rule
//! of a `<style>` block: `css`) is dropped, and so is text too small to
//! read, transparent or the colour of its background (white on the white
//! page). Text this reader cannot tell is seen or not (`css`) is in doubt:
//! left out of [`html_to_lines`], and shown in the second rendering of
//! [`html_renderings`], so that what it changes of a form is asked about.
//! What Outlook alone shows (`<!--[if mso]>`) is read apart, by
//! [`outlook_lines`].
//! Letters that Outlook draws as boxes in the Wingdings fonts (Wingdings
//! 2's `£`, `T`, `R`, `S`; Wingdings' `o`, `x`, `þ`) are read as the boxes
//! they are.
//!
//! One pass over html5gum's tokens, with the open tables on an explicit
//! stack: no tree is built and nothing recurses over the input's nesting,
//! so hostile nesting costs heap, never stack. The line layout follows the
//! `html2text` rendering this replaced (paragraphs, headings, list items
//! and tables are separated by a blank line, a `<div>` only ends a line, a
//! `&nbsp;` paragraph is a line of its own), because the form reader counts
//! blank lines when it looks for a value below its label.

use crate::core::form::{
    holds, CELL_SEPARATOR, STRUCK_END, STRUCK_START, UNREADABLE, VALUE_CELL_SEPARATOR,
};
use crate::core::rows::is_row_of_pairs;
use colour::{alike, legacy_colour, Paint, PAGE};
use css::{Element, Look, Sheet, Styles, Symbols, MEDIUM, SMALLEST_READ};
use html5gum::{naive_next_state, Emitter, Error, State, Tokenizer};
use std::borrow::Cow;
use std::convert::Infallible;

/// Renders HTML as lines a person would read, with each table row of two
/// or more cells written as `label<TAB>value`, so that label cells without
/// colons still read.
pub fn html_to_lines(html: &str) -> String {
    render(html, &Sheet::of(html), false, false).0
}

/// The lines a person reads, as [`html_to_lines`], and, when the HTML
/// holds text this reader cannot tell is seen or not (`color: var(--c)`,
/// a rule of a selector it does not evaluate, `p:last-of-type {display:
/// none}`, a first line indented far out of its box), the lines with that
/// text shown as well. Left out of the first and shown in the second, such
/// text decides nothing alone: a form read differently from the two is
/// asked about (`FormReading::in_doubt`).
pub fn html_renderings(html: &str) -> (String, Option<String>) {
    renderings(html, false)
}

/// The lines and those with text in doubt shown, as [`html_renderings`],
/// with text struck through marked or not.
fn renderings(html: &str, mark_struck: bool) -> (String, Option<String>) {
    let sheet = Sheet::of(html);
    let (lines, doubt) = render(html, &sheet, false, mark_struck);
    let with_doubtful = doubt.then(|| render(html, &sheet, true, mark_struck).0);
    (lines, with_doubtful)
}

/// The renderings of [`html_renderings`] and [`outlook_renderings`], for
/// the form reader (`core::form::read_struck_form`): text struck through
/// (`<s>`, `<strike>`, `<del>`, `text-decoration: line-through`) is
/// marked, for an option struck out is not the one chosen.
pub fn form_renderings(html: &str) -> FormRenderings {
    (renderings(html, true), outlook_view(html, true))
}

/// What [`form_renderings`] gives: the lines seen and those with text in
/// doubt shown, and likewise what Outlook alone shows, when it differs.
pub type FormRenderings = ((String, Option<String>), Option<(String, Option<String>)>);

/// As [`html_to_lines`] with [`outlook_lines`] beside it, text struck
/// through marked, as [`form_renderings`] gives them.
pub fn form_lines(html: &str) -> (String, Option<String>) {
    let ((lines, _), outlook) = form_renderings(html);
    (lines, outlook.map(|(lines, _)| lines))
}

/// Renders the HTML, with the text in doubt shown or left out and the
/// text struck through marked or not, and says whether there was text in
/// doubt.
fn render(html: &str, sheet: &Sheet, show_doubtful: bool, mark_struck: bool) -> (String, bool) {
    let mut renderer = Renderer::new(html.len(), mark_struck);
    let mut doubt = false;
    let events = Events {
        renderer: &mut renderer,
        sheet,
        show_doubtful,
        doubt: &mut doubt,
        text: Vec::new(),
        tag: Vec::new(),
        end_tag: false,
        last_start_tag: Vec::new(),
        attribute: Vec::new(),
        style: Vec::new(),
        class: Vec::new(),
        id: Vec::new(),
        bgcolor: Vec::new(),
        color: Vec::new(),
        face: Vec::new(),
        seen: 0,
        hidden_attribute: false,
        hidden: None,
        scopes: Vec::new(),
        open_ancestors: Vec::new(),
        matched: Vec::new(),
        styles: Styles::default(),
    };
    // Nothing is ever yielded (`pop_token` returns `None`, and reading a
    // `&str` cannot fail): running the iterator to its end runs the
    // tokenizer over the whole input.
    Tokenizer::new_with_emitter(html, events).for_each(|token| {
        let Ok(never) = token;
        match never {}
    });
    (renderer.finish(), doubt)
}

/// The lines Outlook shows, when its conditional comments make them differ
/// from what other mail programs show (`<!--[if mso]>No<![endif]-->
/// <!--[if !mso]><!-->Yes<!--<![endif]-->`): the officers read mail in
/// Outlook, the sender may have seen the other. Both are read, and a form
/// answered differently in the two is asked about, never read as either.
pub fn outlook_lines(html: &str) -> Option<String> {
    outlook_renderings(html).map(|(lines, _)| lines)
}

/// The lines Outlook shows, as [`outlook_lines`], and, as
/// [`html_renderings`] gives them, those lines with the text in doubt
/// shown, when there is such text.
pub fn outlook_renderings(html: &str) -> Option<(String, Option<String>)> {
    outlook_view(html, false)
}

/// What Outlook shows, as [`outlook_renderings`], text struck through
/// marked or not.
fn outlook_view(html: &str, mark_struck: bool) -> Option<(String, Option<String>)> {
    if !html.contains("<!--[") {
        return None;
    }
    // A part holding only text in doubt holds text.
    let shows_text = |part: &str| {
        let (lines, doubtful) = html_renderings(part);
        !lines.trim().is_empty() || doubtful.is_some_and(|d| !d.trim().is_empty())
    };
    conditional::outlook_view(html, shows_text).map(|view| renderings(&view, mark_struck))
}

/// Feeds the tokenizer's text and tags to the renderer, leaving out hidden
/// elements. Of the attributes only `style` and `hidden` are looked at;
/// comments (Outlook's conditional ones included), doctypes and parse
/// errors show nothing, so they are not even kept.
struct Events<'r> {
    renderer: &'r mut Renderer,
    /// The rules of the message's style sheets.
    sheet: &'r Sheet,
    /// Text in doubt (`Sight::Doubtful`) is shown, rather than left out.
    show_doubtful: bool,
    /// Text in doubt was met.
    doubt: &'r mut bool,
    /// Text since the last tag: the tokenizer hands it over in pieces.
    text: Vec<u8>,
    tag: Vec<u8>,
    end_tag: bool,
    /// For the tokenizer's raw-text states (`<style>` ... `</style>`).
    last_start_tag: Vec<u8>,
    /// The name of the tag's attribute being read.
    attribute: Vec<u8>,
    /// The tag's `style` attribute (the first: a browser ignores another).
    style: Vec<u8>,
    /// Its `class`, `id`, `bgcolor`, `color` (of a `<font>`) and `face`.
    class: Vec<u8>,
    id: Vec<u8>,
    bgcolor: Vec<u8>,
    color: Vec<u8>,
    face: Vec<u8>,
    /// The attributes above already read for this tag, by `ATTRIBUTES`'
    /// bit: a second of one is not read, as a browser drops it.
    seen: u8,
    /// The tag has a `hidden` attribute.
    hidden_attribute: bool,
    /// Inside a hidden element: nothing in it is shown.
    hidden: Option<Hidden>,
    /// Open elements that set what their text inherits (its size, colour,
    /// background, font) or that a descendant rule of the style sheet
    /// asks for, innermost last.
    scopes: Vec<Scope>,
    /// For each descendant rule of the style sheet, how many open scopes
    /// match its first part: asked of every rule an element matches, so
    /// kept as the scopes open and close rather than searched for.
    open_ancestors: Vec<u32>,
    /// The style sheet's rules that match the element being read (room
    /// kept from one element to the next).
    matched: Vec<usize>,
    /// The `style` attributes read so far, with what they declare.
    styles: Styles,
}

/// Whether text is seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sight {
    Seen,
    Unseen,
    /// Seen or not by what this reader does not work out (`var()`, a
    /// colour function it does not know, a rule of a selector it does not
    /// evaluate): never read as seen or as unseen alone.
    Doubtful,
}

/// The attributes read, each by its bit in `Events::seen`.
const ATTRIBUTES: [&[u8]; 6] = [b"style", b"class", b"id", b"bgcolor", b"color", b"face"];

/// The most open elements followed for what their text inherits.
const MAX_SCOPES: usize = 256;

/// A scope closed: the descendant rules it opened are one fewer deep.
fn forget(open_ancestors: &mut [u32], scope: &Scope) {
    for &rule in &scope.ancestor_of {
        if let Some(n) = open_ancestors.get_mut(rule) {
            *n = n.saturating_sub(1);
        }
    }
}

/// An open element that sets what its text inherits or is the first part
/// of a descendant rule, and how to tell where it ends without a tree (as
/// for `Hidden`).
#[derive(Debug)]
struct Scope {
    name: Vec<u8>,
    depth: usize,
    containers: usize,
    look: Look,
    /// How it looks if the rules read loosely that may match it do.
    maybe: Option<Look>,
    /// The size of its text in pixels, by `look` and by `maybe` (`None`:
    /// not worked out).
    size: Option<f64>,
    maybe_size: Option<f64>,
    /// The style sheet's descendant rules whose first part it matches.
    ancestor_of: Vec<usize>,
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

impl Events<'_> {
    /// Ends the attribute read so far.
    fn end_attribute(&mut self) {
        if self.attribute == b"hidden" {
            self.hidden_attribute = true;
        }
        if let Some(bit) = ATTRIBUTES.iter().position(|a| *a == self.attribute) {
            self.seen |= 1 << bit;
        }
        self.attribute.clear();
    }

    fn clear_attributes(&mut self) {
        self.attribute.clear();
        self.style.clear();
        self.class.clear();
        self.id.clear();
        self.bgcolor.clear();
        self.color.clear();
        self.face.clear();
        self.seen = 0;
        self.hidden_attribute = false;
    }

    /// How the start tag just read shows its content, and how it does if
    /// the rules read loosely that may match it do.
    fn look(&mut self) -> (Look, Option<Look>) {
        let element = Element {
            tag: &self.tag,
            classes: &self.class,
            id: &self.id,
        };
        let open = &self.open_ancestors;
        let (mut look, mut maybe) = self.sheet.look(
            &element,
            &self.style,
            &mut self.styles,
            &mut self.matched,
            |rule| open.get(rule).is_some_and(|&n| n > 0),
        );
        for look in std::iter::once(&mut look).chain(maybe.as_mut()) {
            if look.background.is_none() {
                look.background = legacy_colour(&self.bgcolor).map(Paint::Colour);
            }
            // Browsers strike these through unless a style says otherwise.
            if matches!(self.tag.as_slice(), b"s" | b"strike" | b"del") && look.struck.is_none() {
                look.struck = Some(true);
            }
            if self.tag == b"font" {
                if look.color.is_none() {
                    look.color = legacy_colour(&self.color).map(Paint::Colour);
                }
                if look.symbols.is_none() && !self.face.is_empty() {
                    look.symbols = Some(Symbols::of(&self.face));
                }
            }
        }
        (look, maybe)
    }

    /// A start tag shown: the open scopes it ends or nests in.
    fn scopes_at_start(&mut self, mut look: Look, mut maybe: Option<Look>) {
        let tag = self.tag.as_slice();
        // `text-indent` moves the first line of a block: on an inline
        // element it moves nothing.
        if role(tag) == Role::Inline {
            for look in std::iter::once(&mut look).chain(maybe.as_mut()) {
                look.indent_off = None;
            }
        }
        if let Some(ended) = self
            .scopes
            .iter()
            .position(|s| s.depth == 1 && s.containers == 0 && start_closes(&s.name, tag))
        {
            for scope in &self.scopes[ended..] {
                forget(&mut self.open_ancestors, scope);
            }
            self.scopes.truncate(ended);
        }
        if is_void(tag) {
            return;
        }
        for scope in &mut self.scopes {
            if scope.name == tag {
                scope.depth += 1;
            } else if is_container(tag) {
                scope.containers += 1;
            }
        }
        let ancestor_of = if self.sheet.has_descendant_rules() {
            self.sheet.ancestor_of(&Element {
                tag,
                classes: &self.class,
                id: &self.id,
            })
        } else {
            Vec::new()
        };
        let inherited = look.inherited() || maybe.as_ref().is_some_and(Look::inherited);
        if (inherited || !ancestor_of.is_empty()) && self.scopes.len() < MAX_SCOPES {
            for &rule in &ancestor_of {
                if self.open_ancestors.len() <= rule {
                    self.open_ancestors.resize(rule + 1, 0);
                }
                self.open_ancestors[rule] += 1;
            }
            let (parent, maybe_parent) = self
                .scopes
                .last()
                .map_or((Some(MEDIUM), Some(MEDIUM)), |s| (s.size, s.maybe_size));
            let size = look.font_size.map_or(parent, |f| f.within(parent));
            let maybe_size = maybe
                .as_ref()
                .unwrap_or(&look)
                .font_size
                .map_or(maybe_parent, |f| f.within(maybe_parent));
            self.scopes.push(Scope {
                name: tag.to_vec(),
                depth: 1,
                containers: 0,
                look,
                maybe,
                size,
                maybe_size,
                ancestor_of,
            });
        }
    }

    /// An end tag shown: the open scopes it ends.
    fn scopes_at_end(&mut self) {
        let tag = self.tag.as_slice();
        let block = role(tag) != Role::Inline;
        let open = &mut self.open_ancestors;
        self.scopes.retain_mut(|scope| {
            let ends = if scope.name == tag {
                scope.depth -= 1;
                scope.depth == 0
            } else if scope.containers > 0 {
                if is_container(tag) {
                    scope.containers -= 1;
                }
                false
            } else {
                end_closes(&scope.name, tag)
            };
            if ends {
                forget(open, scope);
            }
            !ends
        });
        // The end of a block ends the inline elements left open inside it.
        if block {
            while self.scopes.last().is_some_and(|s| {
                s.name != tag && role(&s.name) == Role::Inline && s.containers == 0
            }) {
                if let Some(scope) = self.scopes.pop() {
                    forget(&mut self.open_ancestors, &scope);
                }
            }
        }
    }

    /// What the open scopes make of text: whether it is seen (not too
    /// small, nor the colour of its background), by the rules that match
    /// for certain and by those read loosely that may, the symbol font it
    /// is drawn in, and whether a line is drawn through it (by any of
    /// them: a line through an element is drawn through all inside it).
    fn text_look(&self) -> (Sight, Symbols, bool) {
        let mut sight = self.sight(false);
        if self.scopes.iter().any(|s| s.maybe.is_some()) && self.sight(true) != sight {
            sight = Sight::Doubtful;
        }
        let symbols = self
            .scopes
            .iter()
            .rev()
            .find_map(|s| s.look.symbols)
            .unwrap_or(Symbols::Text);
        let struck = self.scopes.iter().any(|s| s.look.struck == Some(true));
        (sight, symbols, struck)
    }

    /// Whether text is seen by the open scopes' looks, or (`maybe`) by
    /// their looks if the rules read loosely match.
    fn sight(&self, maybe: bool) -> Sight {
        fn pick(s: &Scope, maybe: bool) -> &Look {
            match (maybe, &s.maybe) {
                (true, Some(m)) => m,
                _ => &s.look,
            }
        }
        let pick = |s| pick(s, maybe);
        let tiny = self.scopes.iter().rev().find_map(|s| pick(s).tiny) == Some(true);
        let size =
            self.scopes
                .last()
                .map_or(Some(MEDIUM), |s| if maybe { s.maybe_size } else { s.size });
        let colour = self
            .scopes
            .iter()
            .rev()
            .find_map(|s| pick(s).fill)
            .or_else(|| self.scopes.iter().rev().find_map(|s| pick(s).color));
        let background = self
            .scopes
            .iter()
            .rev()
            .find_map(|s| pick(s).background)
            .unwrap_or(Paint::Colour(PAGE));
        let indented_out = self.scopes.iter().rev().find_map(|s| pick(s).indent_off) == Some(true);
        // Text with no colour set is drawn in the reader's text colour,
        // which a mail program shown dark makes light: seen.
        let coloured_away = match (colour, background) {
            (None, _) => Some(false),
            (Some(Paint::Transparent), _) => Some(true),
            (Some(Paint::Colour(c)), Paint::Colour(b)) => Some(alike(c, b)),
            _ => None,
        };
        let small = size.map(|px| px < SMALLEST_READ);
        if tiny || small == Some(true) || coloured_away == Some(true) {
            Sight::Unseen
        } else if small.is_none() || coloured_away.is_none() || indented_out {
            Sight::Doubtful
        } else {
            Sight::Seen
        }
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
        let (sight, symbols, struck) = self.text_look();
        let shown = match sight {
            Sight::Seen => true,
            Sight::Unseen => false,
            Sight::Doubtful => {
                if self.text.iter().any(|b| !b.is_ascii_whitespace()) {
                    *self.doubt = true;
                }
                self.show_doubtful
            }
        };
        if !shown {
            self.text.clear();
            return;
        }
        // The tokenizer returns the input's own UTF-8 cut at ASCII
        // delimiters; the lossy path is only a guard.
        // Copied only when something in it changes: most pieces of text
        // are white space between tags, passed on as they are.
        let mut text = String::from_utf8_lossy(&self.text);
        if symbols != Symbols::Text {
            text = Cow::Owned(text.chars().map(|c| symbols.draw(c)).collect());
        }
        if self.renderer.mark_struck {
            // A strike mark typed in the message strikes nothing.
            if holds(&text, STRUCK_START) || holds(&text, STRUCK_END) {
                text =
                    Cow::Owned(text.replace([STRUCK_START, STRUCK_END], &UNREADABLE.to_string()));
            }
            if struck && !text.trim().is_empty() {
                text = Cow::Owned(format!("{STRUCK_START}{text}{STRUCK_END}"));
            }
        }
        self.renderer.text(&text);
        drop(text);
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
        self.clear_attributes();
    }

    fn init_end_tag(&mut self) {
        self.tag.clear();
        self.end_tag = true;
        self.clear_attributes();
    }

    fn push_tag_name(&mut self, s: &[u8]) {
        self.tag.extend_from_slice(s);
    }

    fn emit_current_tag(&mut self) -> Option<State> {
        self.flush_text();
        self.end_attribute();
        if self.end_tag {
            if !self.end_inside_hidden() {
                if !self.renderer.hidden {
                    self.scopes_at_end();
                }
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
        if self.start_inside_hidden() {
            // Nothing inside a hidden element is shown.
        } else if hides {
            self.renderer.start_tag(&self.tag, hides);
        } else {
            let (look, maybe) = self.look();
            let hidden = look.hidden();
            let maybe_hidden = maybe.as_ref().map_or(hidden, Look::hidden);
            // Office's data islands (`<xml>` in a conditional comment)
            // are settings, and a `<template>` is for scripts: never
            // shown.
            let out_of_sight = self.hidden_attribute
                || (hidden && maybe_hidden)
                || matches!(self.tag.as_slice(), b"xml" | b"template");
            // Hidden or not by what is not worked out here; or setting
            // what its text inherits too deep inside others to follow.
            let in_doubt = !out_of_sight
                && (hidden != maybe_hidden
                    || look.in_doubt()
                    || maybe.as_ref().is_some_and(Look::in_doubt)
                    || (look.inherited() && self.scopes.len() >= MAX_SCOPES));
            if in_doubt {
                *self.doubt = true;
            }
            if out_of_sight || (in_doubt && !self.show_doubtful) {
                if !is_void(&self.tag) {
                    self.hidden = Some(Hidden {
                        name: self.tag.clone(),
                        depth: 1,
                        containers: 0,
                    });
                }
            } else {
                self.scopes_at_start(look, maybe);
                self.renderer.start_tag(&self.tag, hides);
            }
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
        let Some(bit) = ATTRIBUTES.iter().position(|a| *a == self.attribute) else {
            return;
        };
        if self.seen & (1 << bit) != 0 {
            return;
        }
        let value = match bit {
            0 => &mut self.style,
            1 => &mut self.class,
            2 => &mut self.id,
            3 => &mut self.bgcolor,
            4 => &mut self.color,
            _ => &mut self.face,
        };
        if value.len() < 4096 {
            value.extend_from_slice(s);
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

    /// How many bytes the lines hold so far.
    fn len(&self) -> usize {
        self.text.len() + self.line.len()
    }

    /// What the lines hold so far, without ending the line being written.
    fn peek(&self) -> String {
        format!("{}{}", self.text, self.line)
    }

    /// The start of another cell of a table nested in this one: a
    /// `VALUE_CELL_SEPARATOR` after whatever the cell holds already.
    fn cell_break(&mut self) {
        if !self.text.is_empty() || !self.line.is_empty() {
            self.line.push(VALUE_CELL_SEPARATOR);
            self.space = false;
        }
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

/// What a table's first row says of its columns: from which column on
/// they hold notes beside the answers (`Question | Answer | Notes`), no
/// part of any answer.
#[derive(Default)]
struct Columns {
    rows: usize,
    notes_from: Option<crate::core::rows::NotesColumn>,
}

impl Columns {
    /// Reads a row of the table: the first may be a header naming a notes
    /// column; from then on that column and those after it are dropped.
    fn read(&mut self, cells: &mut Vec<String>) {
        if self.rows == 0 {
            self.notes_from = crate::core::rows::notes_column(cells);
        }
        self.rows += 1;
        if let Some(notes) = self.notes_from {
            cells.truncate(notes.kept(cells));
        }
    }
}

/// The longest first cell looked at as a label when a table opens in
/// the cell beside it (labels are far shorter).
const MAX_LABEL_CELL: usize = 200;

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
    /// How many tables nested in an answer's cell are open (`Date of birth
    /// | [14/07/1988]`, `Consent | [Yes | X] [No | ]`): their cells are
    /// part of the answer, written into that cell one after another with
    /// `VALUE_CELL_SEPARATOR` between, so the boxes beside options stay
    /// beside them.
    in_answer_tables: usize,
    /// What is known of each open table's columns, as `tables`.
    columns: Vec<Columns>,
    /// Inside an element whose text is never shown.
    hidden: bool,
    /// Depth of open `<pre>` elements.
    pre: usize,
    /// Text struck through is marked (`STRUCK_START` ... `STRUCK_END`),
    /// for the form reader.
    mark_struck: bool,
}

impl Renderer {
    fn new(html_bytes: usize, mark_struck: bool) -> Self {
        Renderer {
            out: Lines::with_capacity(html_bytes / 4),
            tables: Vec::new(),
            in_answer_tables: 0,
            columns: Vec::new(),
            hidden: false,
            pre: 0,
            mark_struck,
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

    /// Whether a table opening now is part of an answer: in the answer's
    /// cell of a row whose first cell is one of the form's labels, or
    /// inside such a table already. A table in any other cell is layout.
    fn nests_in_an_answer(&self) -> bool {
        if self.in_answer_tables > 0 {
            return true;
        }
        match self.tables.last() {
            Some(Row::Cells(cells)) if cells.len() >= 2 && cells[0].len() <= MAX_LABEL_CELL => {
                let first = cells[0].peek();
                crate::core::field::Label::from_text(first.trim().trim_end_matches(':').trim())
                    .is_some()
            }
            _ => false,
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
        if self.nests_in_an_answer() {
            self.in_answer_tables += 1;
            return;
        }
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
        self.columns.push(Columns::default());
    }

    fn close_table(&mut self) {
        if self.tables.is_empty() {
            return;
        }
        if self.in_answer_tables > 0 {
            self.in_answer_tables -= 1;
            return;
        }
        self.close_row();
        self.tables.pop();
        self.columns.pop();
        self.out.border(true);
        self.out.block();
    }

    fn open_row(&mut self) {
        if self.tables.is_empty() {
            self.out.end_line();
            return;
        }
        if self.in_answer_tables > 0 {
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
        if self.in_answer_tables > 0 {
            return;
        }
        match std::mem::replace(row, Row::Outside) {
            Row::Cells(cells) => self.write_row(cells),
            Row::Flowing => self.out.block(),
            Row::Outside => {}
        }
    }

    fn open_cell(&mut self) {
        if self.in_answer_tables > 0 {
            self.sink().cell_break();
            return;
        }
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
    /// single cell is a layout cell whose lines stay as they are. A row of
    /// pairs (`Date of birth | ... | Prison number | ...`) is a line for
    /// each pair, as a Word table's is (`is_row_of_pairs`). The value
    /// cells of another wider row are kept apart, empty ones too, by
    /// `VALUE_CELL_SEPARATOR`: in `Yes | X | No | ` the box beside each
    /// option matters.
    fn write_row(&mut self, cells: Vec<Lines>) {
        if cells.len() < 2 {
            self.spill(cells);
            return;
        }
        let mut cells: Vec<String> = cells.into_iter().map(Lines::joined).collect();
        if let Some(columns) = self.columns.last_mut() {
            columns.read(&mut cells);
        }
        if cells.iter().all(String::is_empty) {
            self.out.block();
            return;
        }
        let texts: Vec<&str> = cells.iter().map(String::as_str).collect();
        if is_row_of_pairs(&texts) {
            for pair in cells.chunks(2) {
                self.out
                    .add_line(&format!("{}{CELL_SEPARATOR}{}", pair[0], pair[1]));
            }
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

mod colour;
mod conditional;
mod css;
#[cfg(test)]
mod tests;
