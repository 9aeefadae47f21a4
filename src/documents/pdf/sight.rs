//! What of a page's drawing a reader sees: the colour text is drawn in,
//! judged in its colour space; its transparency and blend mode; optional
//! content the document keeps switched off; and areas filled over text
//! drawn before them.

pub(super) use super::colour_space::*;
use super::page::{Font, Piece, MIN_VISIBLE_SIZE};
use super::*;
use crate::documents::look::Colour;

/// A stroke narrower than this (in points on the page) may or may not be
/// seen, as the viewer draws it.
const HAIRLINE: f32 = 0.1;

/// Text drawn with less opacity than this is a ghost on the page; an
/// area filled with more than its complement hides what is under it.
const MIN_VISIBLE_ALPHA: f32 = 0.1;

/// A path of more rectangles than this is a drawing, not a box hiding
/// text (its rectangles are each checked against the others).
const MAX_PATH_RECTS: usize = 64;

/// How many times one page's pieces may be checked against areas filled
/// after them: a form's shaded boxes take a few thousand.
pub(super) const MAX_COVER_CHECKS: usize = 5_000_000;

/// What of the graphics state decides whether text is seen and where it
/// lands; `q` saves it and `Q` restores it, text state included.
#[derive(Clone, Copy)]
pub(super) struct Graphics<'a> {
    pub ctm: Matrix,
    /// The clipping area, in page space, when one is set.
    pub clip: Option<Rect>,
    pub fill: Paint,
    pub stroke: Paint,
    /// `BM` Normal (or Compatible): a fill hides what is under it.
    pub normal_blend: bool,
    /// `BM` Screen, Lighten or ColorDodge: anything drawn on a white page
    /// leaves it white.
    pub whitening_blend: bool,
    /// A soft mask (`SMask`): what it lets through is not told here, so a
    /// fill under it is not taken to hide anything.
    pub masked: bool,
    /// `w`: the width strokes are drawn at, in user space.
    pub line_width: f32,
    pub text: TextState<'a>,
}

/// The text state: the font and size, `TL`, `Tz`, `Ts`, `Tc`, `Tw` and
/// `Tr`.
#[derive(Clone, Copy)]
pub(super) struct TextState<'a> {
    pub font: Option<&'a Font<'a>>,
    pub size: f32,
    pub leading: f32,
    /// `Tz` as a fraction: 1 is as the font draws it.
    pub horizontal_scale: f32,
    /// `Ts`: how far above the baseline glyphs are drawn.
    pub rise: f32,
    /// `Tc`: space added after each glyph, in unscaled text space units.
    pub char_spacing: f32,
    /// `Tw`: space added after each single-byte space (code 32).
    pub word_spacing: f32,
    /// `Tr`: 3 draws nothing, 7 only clips.
    pub render_mode: i64,
}

impl Default for Graphics<'_> {
    fn default() -> Self {
        Graphics {
            ctm: IDENTITY,
            clip: None,
            fill: Paint::default(),
            stroke: Paint::default(),
            normal_blend: true,
            whitening_blend: false,
            masked: false,
            line_width: 1.0,
            text: TextState {
                font: None,
                size: 12.0,
                leading: 0.0,
                horizontal_scale: 1.0,
                rise: 0.0,
                char_spacing: 0.0,
                word_spacing: 0.0,
                render_mode: 0,
            },
        }
    }
}

impl Graphics<'_> {
    /// Whether text drawn now leaves a mark a reader sees, drawn on
    /// `beneath` (the colour of the area filled under it, else the white
    /// page).
    pub fn paints_text_on(&self, beneath: Colour) -> bool {
        if self.whitening_blend {
            return false;
        }
        let (fill, stroke) = (self.fill.seen_on(beneath), self.stroke.seen_on(beneath));
        match self.text.render_mode {
            0 | 4 => fill,
            1 | 5 => stroke,
            2 | 6 => fill || stroke,
            _ => false,
        }
    }

    /// Whether a path stroked now leaves a line a reader sees on the
    /// white page.
    pub fn strokes_visibly(&self) -> bool {
        !self.whitening_blend && self.stroke.seen_on(Colour::WHITE)
    }

    /// Whether a stroke drawn now is a hairline whose showing depends on
    /// the viewer: wider than nothing (a width of 0 is the thinnest line
    /// the device draws, which every viewer shows) yet narrower than
    /// `HAIRLINE` on the page, which one viewer draws as a pixel and
    /// another all but leaves out.
    pub fn strokes_hairline(&self) -> bool {
        let scale = (self.ctm[0] * self.ctm[3] - self.ctm[1] * self.ctm[2])
            .abs()
            .sqrt();
        let width = self.line_width.abs() * scale;
        width > 0.0 && width < HAIRLINE
    }

    /// Whether a path filled now leaves a mark a reader sees on the white
    /// page.
    pub fn fills_visibly(&self) -> bool {
        !self.whitening_blend && self.fill.seen_on(Colour::WHITE)
    }

    /// Whether an area filled now hides what was drawn under it.
    fn fill_hides(&self) -> bool {
        self.paints_opaquely() && !self.fill.pattern && !self.fill.no_ink()
    }

    /// Whether what is painted now (in whatever colours) hides what was
    /// drawn under it.
    fn paints_opaquely(&self) -> bool {
        self.fill.alpha > 1.0 - MIN_VISIBLE_ALPHA && self.normal_blend && !self.masked
    }

    /// `gs`: the parameters of a named graphics state that bear on sight.
    pub fn apply(&mut self, parameters: &Dictionary, document: &Document) {
        let value = |key: &[u8]| parameters.get(key).ok().map(|o| deref(document, o));
        if let Some(alpha) = value(b"ca") {
            self.fill.alpha = number(alpha).clamp(0.0, 1.0);
        }
        if let Some(alpha) = value(b"CA") {
            self.stroke.alpha = number(alpha).clamp(0.0, 1.0);
        }
        if let Some(mode) = value(b"BM") {
            let name = match mode {
                Object::Array(modes) => modes.first().and_then(|m| m.as_name().ok()),
                other => other.as_name().ok(),
            };
            let name = name.unwrap_or(b"Normal");
            self.normal_blend = matches!(name, b"Normal" | b"Compatible");
            self.whitening_blend = matches!(name, b"Screen" | b"Lighten" | b"ColorDodge");
        }
        if let Some(mask) = value(b"SMask") {
            self.masked = mask.as_name().ok() != Some(b"None".as_slice());
        }
        // `/Font [font size]`: the size, which decides a speck.
        if let Some(Object::Array(font)) = value(b"Font") {
            if let Some(size) = font.get(1) {
                self.text.size = number(deref(document, size));
            }
        }
    }
}

/// A colour text or areas are painted in, as far as sight goes.
#[derive(Clone, Copy)]
pub(super) struct Paint {
    pub space: Space,
    /// The colour leaves a white page white.
    pub white: bool,
    /// The colour as a screen shows it, when it can be told: a colour of
    /// no ink at all (a spot colour `/None`) has none, and nor has one
    /// whose ink cannot be told (a pattern, a tint of no simple function).
    pub colour: Option<Colour>,
    pub alpha: f32,
    /// A pattern, whose cells may leave what is under them showing.
    pub pattern: bool,
}

impl Default for Paint {
    fn default() -> Self {
        Paint {
            space: Space::Gray,
            white: false,
            colour: Some(Colour::BLACK),
            alpha: 1.0,
            pattern: false,
        }
    }
}

impl Paint {
    /// Whether what is painted in it shows on `beneath`: a colour that
    /// can be told by its contrast with it (the rule of `look`), one that
    /// cannot by whether it leaves a white page white.
    fn seen_on(&self, beneath: Colour) -> bool {
        self.alpha >= MIN_VISIBLE_ALPHA
            && match self.colour {
                Some(colour) => colour.stands_out_on(beneath),
                None => !self.white,
            }
    }

    /// A colour that puts no ink on the page whatever is under it.
    fn no_ink(&self) -> bool {
        self.white && self.colour.is_none()
    }

    /// `g`, `rg`, `k`: a device colour, its space set with it.
    pub fn set_device(&mut self, space: Space, args: &[Object]) {
        self.space = space;
        self.pattern = false;
        let values = &components(args).0[..args.len().min(MAX_COMPONENTS)];
        self.white = space.is_white(values);
        self.colour = space.colour(values);
    }

    /// `cs`: a colour space, and its initial colour.
    pub fn set_space(&mut self, space: Space) {
        self.space = space;
        self.pattern = matches!(space, Space::Pattern);
        self.white = space.initially_white();
        self.colour = space.initial_colour();
    }

    /// `sc`, `scn`: a colour in the current space; a pattern's name makes
    /// it a pattern.
    pub fn set_colour(&mut self, args: &[Object]) {
        if args.iter().any(|a| a.as_name().is_ok()) {
            self.pattern = true;
            self.white = false;
            self.colour = None;
            return;
        }
        let (values, count) = components(args);
        self.white = self.space.is_white(&values[..count]);
        self.colour = self.space.colour(&values[..count]);
    }
}

/// A page's resources: its own dictionary, then those it inherits.
pub(super) struct Resources<'a> {
    pub document: &'a Document,
    dictionaries: Vec<&'a Dictionary>,
}

impl<'a> Resources<'a> {
    pub fn of(document: &'a Document, page: ObjectId) -> Resources<'a> {
        let mut dictionaries = Vec::new();
        if let Ok((own, inherited)) = document.get_page_resources(page) {
            dictionaries.extend(own);
            dictionaries.extend(
                inherited
                    .into_iter()
                    .filter_map(|id| document.get_dictionary(id).ok()),
            );
        }
        Resources {
            document,
            dictionaries,
        }
    }

    /// None at all (an annotation's appearance draws with its own).
    pub fn none(document: &'a Document) -> Resources<'a> {
        Resources {
            document,
            dictionaries: Vec::new(),
        }
    }

    /// A form's resources: its own dictionary, then these (which older
    /// writers leave it to use).
    pub fn within(&self, own: Option<&'a Dictionary>) -> Resources<'a> {
        Resources {
            document: self.document,
            dictionaries: own
                .into_iter()
                .chain(self.dictionaries.iter().copied())
                .collect(),
        }
    }

    /// Where the dictionaries are: pages drawn from the same resources
    /// read alike.
    pub fn identity(&self) -> Vec<usize> {
        self.dictionaries
            .iter()
            .map(|d| std::ptr::from_ref(*d) as usize)
            .collect()
    }

    /// A named resource as written (a reference stays one).
    pub fn get(&self, category: &[u8], name: &[u8]) -> Option<&'a Object> {
        self.dictionaries.iter().find_map(|resources| {
            let named = deref(self.document, resources.get(category).ok()?)
                .as_dict()
                .ok()?;
            named.get(name).ok()
        })
    }

    /// A named graphics state's parameters.
    pub fn graphics_state(&self, name: &[u8]) -> Option<&'a Dictionary> {
        deref(self.document, self.get(b"ExtGState", name)?)
            .as_dict()
            .ok()
    }
}

/// The document's optional content (layers) as its default view shows
/// it: the groups switched off.
#[derive(Default)]
pub(super) struct OptionalContent {
    off: HashSet<ObjectId>,
    on: HashSet<ObjectId>,
    base_off: bool,
}

/// Layers of a form: a few; a document listing more is not honoured past
/// these.
const MAX_GROUPS: usize = 10_000;
/// Visibility expressions (`/VE`) nested deeper than this are no real
/// document's, and hide what they mark.
const MAX_EXPRESSION_DEPTH: usize = 8;

impl OptionalContent {
    pub fn of(document: &Document) -> OptionalContent {
        let config = document
            .catalog()
            .ok()
            .and_then(|c| c.get(b"OCProperties").ok())
            .and_then(|p| deref(document, p).as_dict().ok())
            .and_then(|p| p.get(b"D").ok())
            .and_then(|d| deref(document, d).as_dict().ok());
        let Some(config) = config else {
            return OptionalContent::default();
        };
        let groups = |key: &[u8]| -> HashSet<ObjectId> {
            config
                .get(key)
                .ok()
                .and_then(|a| deref(document, a).as_array().ok())
                .map(|a| {
                    a.iter()
                        .take(MAX_GROUPS)
                        .filter_map(|g| g.as_reference().ok())
                        .collect()
                })
                .unwrap_or_default()
        };
        OptionalContent {
            off: groups(b"OFF"),
            on: groups(b"ON"),
            base_off: config.get(b"BaseState").and_then(Object::as_name).ok()
                == Some(b"OFF".as_slice()),
        }
    }

    fn group_off(&self, id: ObjectId) -> bool {
        self.off.contains(&id) || (self.base_off && !self.on.contains(&id))
    }

    /// Whether what an `/OC` entry (a group, or a membership dictionary
    /// of groups) marks is hidden.
    /// A membership dictionary is judged even when no group is switched
    /// off: `/AllOff` or `[/Not group]` over groups that are on hides.
    pub fn hides(&self, document: &Document, entry: &Object) -> bool {
        if let Object::Reference(id) = entry {
            let is_group = document.get_dictionary(*id).is_ok_and(|d| {
                d.get(b"Type").and_then(Object::as_name).ok() != Some(b"OCMD".as_slice())
            });
            if is_group {
                return self.group_off(*id);
            }
        }
        let Ok(membership) = deref(document, entry).as_dict() else {
            return false;
        };
        if let Ok(expression) = membership.get(b"VE") {
            // An expression nested past the limit is taken as hiding:
            // no viewer's view of it can be told.
            return self.visible_by(document, expression, 0) != Some(true);
        }
        let groups: Vec<ObjectId> = match membership.get(b"OCGs").map(|g| deref(document, g)) {
            Ok(Object::Array(groups)) => groups
                .iter()
                .take(MAX_GROUPS)
                .filter_map(|g| g.as_reference().ok())
                .collect(),
            _ => membership
                .get(b"OCGs")
                .and_then(Object::as_reference)
                .into_iter()
                .collect(),
        };
        if groups.is_empty() {
            return false;
        }
        let on = |id: &ObjectId| !self.group_off(*id);
        let visible = match membership.get(b"P").and_then(Object::as_name) {
            Ok(b"AllOn") => groups.iter().all(on),
            Ok(b"AnyOff") => !groups.iter().all(on),
            Ok(b"AllOff") => !groups.iter().any(on),
            _ => groups.iter().any(on),
        };
        !visible
    }

    /// A visibility expression: `[/And ...]`, `[/Or ...]`, `[/Not e]`
    /// over groups; `None` when nested deeper than `MAX_EXPRESSION_DEPTH`.
    fn visible_by(&self, document: &Document, expression: &Object, depth: usize) -> Option<bool> {
        if let Object::Reference(id) = expression {
            if document.get_dictionary(*id).is_ok_and(|d| {
                d.get(b"Type").and_then(Object::as_name).ok() == Some(b"OCG".as_slice())
            }) {
                return Some(!self.group_off(*id));
            }
        }
        let Ok(array) = deref(document, expression).as_array() else {
            return Some(true);
        };
        if depth >= MAX_EXPRESSION_DEPTH {
            return None;
        }
        let mut operands = array.iter().skip(1).take(MAX_GROUPS);
        let mut each = |all: bool| -> Option<bool> {
            for e in operands.by_ref() {
                if self.visible_by(document, e, depth + 1)? != all {
                    return Some(!all);
                }
            }
            Some(all)
        };
        match array.first().and_then(|o| o.as_name().ok()) {
            Some(b"And") => each(true),
            Some(b"Or") => each(false),
            Some(b"Not") => match array.get(1) {
                Some(e) => self.visible_by(document, e, depth + 1).map(|v| !v),
                None => Some(true),
            },
            _ => Some(true),
        }
    }
}

/// Marked content (`BMC`/`BDC` ... `EMC`) open on the page, and from how
/// deep an optional content group switched off hides what is drawn.
#[derive(Default)]
pub(super) struct Marked {
    depth: usize,
    hidden_from: Option<usize>,
}

impl Marked {
    pub fn open(&mut self, hidden: bool) {
        self.depth += 1;
        if hidden && self.hidden_from.is_none() {
            self.hidden_from = Some(self.depth);
        }
    }

    pub fn close(&mut self) {
        if self.hidden_from == Some(self.depth) {
            self.hidden_from = None;
        }
        self.depth = self.depth.saturating_sub(1);
    }

    pub fn hidden(&self) -> bool {
        self.hidden_from.is_some()
    }
}

/// An area filled opaquely, and when (the operation's place in the
/// content stream).
pub(super) struct Cover {
    area: Rect,
    drawn: usize,
}

impl Cover {
    /// Whether it hides what was drawn at `drawn` over `area`: filled
    /// after it, over all of it.
    pub fn hides(&self, area: &Rect, drawn: usize) -> bool {
        const SLACK: f32 = 1.0;
        drawn < self.drawn
            && area.left >= self.area.left - SLACK
            && area.right <= self.area.right + SLACK
            && area.bottom >= self.area.bottom - SLACK
            && area.top <= self.area.top + SLACK
    }
}

/// The path being built, as far as it is rectangles (`re`) that a fill
/// may hide text under.
pub(super) struct Path {
    /// Each rectangle in page space, and which way round it is drawn.
    rects: Vec<(Rect, bool)>,
    /// Nothing but upright rectangles so far.
    only_rects: bool,
    /// The subpath being drawn of straight lines (`m`, `l`), in page
    /// space: four corners of an upright rectangle are one, as `re` is.
    lines: Vec<(f32, f32)>,
}

/// Points of a subpath of lines that may still be a rectangle: four
/// corners, the first again.
const MAX_RECTANGLE_POINTS: usize = 5;

impl Default for Path {
    fn default() -> Self {
        Path {
            rects: Vec::new(),
            only_rects: true,
            lines: Vec::new(),
        }
    }
}

impl Path {
    /// `m`: a new subpath.
    pub fn move_to(&mut self, point: (f32, f32)) {
        self.close_lines();
        self.lines.push(point);
    }

    /// `l`: a line on from the last point.
    pub fn line_to(&mut self, point: (f32, f32)) {
        if self.lines.is_empty() || self.lines.len() >= MAX_RECTANGLE_POINTS {
            self.lines.clear();
            self.only_rects = false;
            return;
        }
        self.lines.push(point);
    }

    /// The subpath of lines ended: an upright rectangle (each side
    /// across or up the page, in turn) is kept as `re` keeps one, any
    /// other shape makes the path more than rectangles.
    fn close_lines(&mut self) {
        let mut points = std::mem::take(&mut self.lines);
        if points.len() <= 1 {
            return;
        }
        if points.len() == MAX_RECTANGLE_POINTS && points.first() == points.last() {
            points.pop();
        }
        const EVEN: f32 = 0.01;
        let upright = points.len() == 4 && {
            let across = |i: usize| {
                let (a, b) = (points[i], points[(i + 1) % 4]);
                ((a.1 - b.1).abs() <= EVEN, (a.0 - b.0).abs() <= EVEN)
            };
            let sides: Vec<(bool, bool)> = (0..4).map(across).collect();
            let alternating = |start_across: bool| {
                sides.iter().enumerate().all(|(i, (flat, plumb))| {
                    if (i % 2 == 0) == start_across {
                        *flat
                    } else {
                        *plumb
                    }
                })
            };
            alternating(true) || alternating(false)
        };
        if !upright || self.rects.len() >= MAX_PATH_RECTS {
            self.only_rects = false;
            return;
        }
        let mut area = None;
        let mut twice_signed_area = 0.0;
        for (i, &(x, y)) in points.iter().enumerate() {
            area = Some(Rect::extend(area, (x, y)));
            let (nx, ny) = points[(i + 1) % points.len()];
            twice_signed_area += x * ny - nx * y;
        }
        if let Some(area) = area {
            self.rects.push((area, twice_signed_area >= 0.0));
        }
    }

    pub fn rectangle(&mut self, ctm: &Matrix, x: f32, y: f32, width: f32, height: f32) {
        self.close_lines();
        let upright = (ctm[1] == 0.0 && ctm[2] == 0.0) || (ctm[0] == 0.0 && ctm[3] == 0.0);
        if !upright || self.rects.len() >= MAX_PATH_RECTS {
            self.only_rects = false;
            return;
        }
        let corner = transform(ctm, x, y);
        let area = Rect::extend(
            Some(Rect::extend(None, corner)),
            transform(ctm, x + width, y + height),
        );
        let turning = (width * height >= 0.0) == (ctm[0] * ctm[3] - ctm[1] * ctm[2] >= 0.0);
        self.rects.push((area, turning));
    }

    /// The path's rectangles, when it is nothing else (its last subpath
    /// of lines closed).
    pub fn rectangles(&mut self) -> Option<Vec<Rect>> {
        self.close_lines();
        self.only_rects
            .then(|| self.rects.iter().map(|(area, _)| *area).collect())
    }

    /// A curve: the fill is no longer of rectangles alone.
    pub fn other(&mut self) {
        self.lines.clear();
        self.only_rects = false;
    }

    /// The path painted (`f`, `B`, ... when `fills`) or dropped: its
    /// rectangles filled in full, when the fill hides, are covers.
    pub fn end(
        &mut self,
        fills: Option<EvenOdd>,
        state: &Graphics,
        hidden: bool,
        drawn: usize,
        filled: &mut Filled,
    ) {
        self.close_lines();
        if let Some(even_odd) = fills {
            if self.only_rects && !hidden && state.fill_hides() {
                self.cover(even_odd.0, state, drawn, filled);
            }
        }
        self.rects.clear();
        self.only_rects = true;
    }

    /// A rectangle is filled in full when no other rectangle of the path
    /// cuts a hole in it: under even-odd, none overlaps it; under
    /// non-zero winding, none drawn the other way round does.
    fn cover(&self, even_odd: bool, state: &Graphics, drawn: usize, filled: &mut Filled) {
        let clip = state.clip;
        for (i, (area, turning)) in self.rects.iter().enumerate() {
            let holed = self
                .rects
                .iter()
                .enumerate()
                .any(|(j, (other, other_turning))| {
                    i != j && overlap(area, other) && (even_odd || turning != other_turning)
                });
            if holed {
                continue;
            }
            let area = match clip {
                Some(clip) => area.intersect(&clip),
                None => *area,
            };
            if area.right - area.left >= MIN_VISIBLE_SIZE
                && area.top - area.bottom >= MIN_VISIBLE_SIZE
            {
                filled.covers.push(Cover { area, drawn });
                filled.beneath.push(area, state.fill.colour);
            }
        }
    }
}

/// `Do` of an image: one that is opaque (no mask of any kind) hides what
/// is under it as a filled rectangle does.
pub(super) fn image_cover(
    resources: &Resources,
    name: &[u8],
    state: &Graphics,
    hidden: bool,
    drawn: usize,
    filled: &mut Filled,
) {
    let Some(image) = resources
        .get(b"XObject", name)
        .and_then(|o| deref(resources.document, o).as_stream().ok())
    else {
        return;
    };
    let dict = &image.dict;
    let opaque = dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Image".as_slice())
        && !dict
            .get(b"ImageMask")
            .and_then(Object::as_bool)
            .unwrap_or(false)
        && dict.get(b"SMask").is_err()
        && dict.get(b"Mask").is_err()
        && dict.get(b"SMaskInData").map_or(true, |m| number(m) == 0.0);
    if opaque {
        unit_square_cover(state, hidden, drawn, filled);
    }
}

/// An opaque image (named or inline) fills the unit square of its matrix.
pub(super) fn unit_square_cover(state: &Graphics, hidden: bool, drawn: usize, filled: &mut Filled) {
    let mut path = Path::default();
    path.rectangle(&state.ctm, 0.0, 0.0, 1.0, 1.0);
    let mut image_state = *state;
    // What it shows under text drawn on it cannot be told.
    image_state.fill.colour = None;
    image_state.fill.white = false;
    image_state.fill.pattern = false;
    path.end(Some(EvenOdd(false)), &image_state, hidden, drawn, filled);
}

/// `sh`: a shading painted over the whole clipping area (else the page),
/// cut to its own `/BBox`, hides what is under it as a fill does; what
/// colour it shows under text drawn on it is not told.
pub(super) fn shading_cover(
    resources: &Resources,
    name: &[u8],
    state: &Graphics,
    page_box: Option<Rect>,
    hidden: bool,
    drawn: usize,
    filled: &mut Filled,
) {
    let document = resources.document;
    let Some(shading) = resources.get(b"Shading", name).map(|o| deref(document, o)) else {
        return;
    };
    let dict = match shading {
        Object::Stream(s) => &s.dict,
        other => match other.as_dict() {
            Ok(d) => d,
            Err(_) => return,
        },
    };
    if hidden || !state.paints_opaquely() {
        return;
    }
    let Some(mut area) = state.clip.or(page_box) else {
        return;
    };
    if let Some(bbox) = dict.get(b"BBox").ok().and_then(|b| Rect::of(document, b)) {
        area = area.intersect(&bbox.transformed(&state.ctm));
    }
    if area.right - area.left >= MIN_VISIBLE_SIZE && area.top - area.bottom >= MIN_VISIBLE_SIZE {
        filled.covers.push(Cover { area, drawn });
        filled.beneath.push(area, None);
    }
}

/// The areas filled opaquely on a page: as covers of the text drawn
/// before them, and as what the text drawn after them is seen on.
#[derive(Default)]
pub(super) struct Filled {
    pub covers: Vec<Cover>,
    pub beneath: Beneath,
}

/// Areas a page has filled opaquely so far (upright rectangles, and
/// images), topmost last, with the colour each shows when it can be told:
/// text is judged against the colour of the topmost that holds its glyphs
/// (white on a navy header cell shows; navy on it does not).
///
/// Bounded, so that a page of thousands of fills costs no more than a
/// look at each of `MAX_FILLS_BENEATH` for each piece of text, and no
/// more than `MAX_BENEATH_CHECKS` looks in all: a fill that wholly covers
/// the one before it replaces it; fills past the first
/// `MAX_FILLS_BENEATH` are not kept, and once the looks are spent text is
/// judged against the white page, as it would be with no fills at all.
#[derive(Default)]
pub(super) struct Beneath {
    fills: Vec<(Rect, Option<Colour>)>,
    checks: usize,
}

/// Fills kept to judge text against: a form's table has a few hundred
/// cells.
const MAX_FILLS_BENEATH: usize = 4096;
/// Looks at a fill for the text drawn on a page.
pub(super) const MAX_BENEATH_CHECKS: usize = 2_000_000;

impl Beneath {
    /// The looks at fills taken so far.
    #[cfg(test)]
    pub fn checks(&self) -> usize {
        self.checks
    }

    /// A fill, in a colour that can be told or not (then what is drawn on
    /// it is judged as on the white page).
    pub fn push(&mut self, area: Rect, colour: Option<Colour>) {
        while self
            .fills
            .last()
            .is_some_and(|(last, _)| holds(&area, last, 0.0))
        {
            self.fills.pop();
        }
        if self.fills.len() < MAX_FILLS_BENEATH {
            self.fills.push((area, colour));
        }
    }

    /// The colour under text whose glyphs take `glyphs`: the topmost fill
    /// holding them from top to bottom and at least half of them across
    /// (where glyphs end is only estimated when a font's widths are not
    /// read), else the white page.
    pub fn under(&mut self, glyphs: &Rect) -> Colour {
        const SLACK: f32 = 1.0;
        let width = glyphs.right - glyphs.left;
        for (area, colour) in self.fills.iter().rev() {
            if self.checks >= MAX_BENEATH_CHECKS {
                break;
            }
            self.checks += 1;
            let upright = glyphs.bottom >= area.bottom - SLACK && glyphs.top <= area.top + SLACK;
            let across = glyphs.right.min(area.right + SLACK) - glyphs.left.max(area.left - SLACK);
            if upright && across >= width / 2.0 && across >= 0.0 {
                return colour.unwrap_or(Colour::WHITE);
            }
        }
        Colour::WHITE
    }
}

/// Whether `outer` holds `inner`, within `slack` points.
fn holds(outer: &Rect, inner: &Rect, slack: f32) -> bool {
    inner.left >= outer.left - slack
        && inner.right <= outer.right + slack
        && inner.bottom >= outer.bottom - slack
        && inner.top <= outer.top + slack
}

/// Whether a fill uses the even-odd rule.
pub(super) struct EvenOdd(pub bool);

fn overlap(a: &Rect, b: &Rect) -> bool {
    a.left < b.right && b.left < a.right && a.bottom < b.top && b.bottom < a.top
}

/// Drops the pieces of text lying wholly under an area filled after they
/// were drawn. Within the document's time and `MAX_COVER_CHECKS`.
pub(super) fn drop_covered(
    pieces: &mut Vec<Piece>,
    covers: &[Cover],
    budget: &Budget,
) -> Result<(), DocumentError> {
    let Some(first_text) = pieces.iter().map(|p| p.drawn).min() else {
        return Ok(());
    };
    // A page's background, filled before any text, hides nothing.
    if covers.iter().all(|c| c.drawn < first_text) {
        return Ok(());
    }
    const SLACK: f32 = 1.0;
    // The pieces from the bottom of the page up, each cover checked
    // against those whose bottom is within its height.
    let mut order: Vec<usize> = (0..pieces.len()).collect();
    order.sort_by(|&a, &b| pieces[a].area.bottom.total_cmp(&pieces[b].area.bottom));
    let mut covered = vec![false; pieces.len()];
    let mut checks = 0usize;
    for (n, cover) in covers.iter().enumerate() {
        if n % 1024 == 0 {
            budget.check_time()?;
        }
        if cover.drawn < first_text {
            continue;
        }
        let c = &cover.area;
        let from = order.partition_point(|&i| pieces[i].area.bottom < c.bottom - SLACK);
        for &i in &order[from..] {
            let piece = &pieces[i];
            if piece.area.bottom > c.top + SLACK {
                break;
            }
            checks += 1;
            if checks.is_multiple_of(65_536) {
                budget.check_time()?;
            }
            covered[i] |= piece.drawn < cover.drawn
                && piece.area.left >= c.left - SLACK
                && piece.area.right <= c.right + SLACK
                && piece.area.top <= c.top + SLACK;
        }
        if checks > MAX_COVER_CHECKS {
            return Err(DocumentError::PdfOverdrawn {
                limit: MAX_COVER_CHECKS,
            });
        }
    }
    let mut covered = covered.into_iter();
    pieces.retain(|_| !covered.next().unwrap_or(false));
    Ok(())
}
