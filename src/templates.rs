//! The mail the gateway writes: handlebars templates, one set per purpose,
//! each a subject, a plain-text body and an HTML body.
//!
//! The files under `templates/` are compiled in as the defaults. A
//! configuration folder may override any of them, for every authority with
//! `DIR/templates/NAME.EXT.hbs` or for one with `DIR/templates/CODE/NAME.EXT.hbs`
//! (`CODE` being its three-letter code, such as `COL`; `EXT` is `subject`,
//! `txt` or `html`). The most specific wins: the authority's file, then the
//! folder-wide one, then the embedded one. Overrides are files inside the
//! configuration folder: a symbolic link (to a file or to a folder, the
//! `templates` folder included) is refused, so that what the gateway mails
//! is what the folder holds, and `check-config` loads and checks every one.
//!
//! Both registries run in strict mode, and `{{#if}}`/`{{#unless}}` are made
//! strict too (handlebars' own treat a missing variable as false), so that a
//! misspelt variable is an error at start-up ([`Templates::check`]) instead of
//! a blank in a mail. Subjects and plain text are not escaped; HTML is, with
//! handlebars' HTML escaping.
//!
//! # The data contract
//!
//! Every purpose receives the same keys, every key always present: null or
//! empty when unknown, so that a template can test it with `{{#if}}`.
//! [`sample_data`] is an example of each.
//!
//! | key | value |
//! |---|---|
//! | `case_ref` | the case reference, `DTR-COL-2026-00042`; null for `blank_form` and `quarantine_notice` |
//! | `authority` | `{name, code, inbox, lead_name, lead_email}`: the authority the mail speaks for (`lead_*` is its operational lead) |
//! | `received` | when the message arrived, in words: `Monday 23 November 2026 at 10:15` |
//! | `referrer_name` | who referred, or null |
//! | `deadlines` | `[{what, by}]`, strings: what the authority will do, and by when |
//! | `urgent` | bool |
//! | `urgent_reasons` | `[string]`: why the case is urgent |
//! | `outcome` | `complete` or `incomplete` (`no_consent` for a refusal; null when there is no referral) |
//! | `missing` | `[label]`: required fields not given, by their form labels |
//! | `invalid` | `[label]`: fields given but unreadable, by their form labels |
//! | `fields` | `[{label, value}]`: every field of the referral, health and risk included (`notice` only; empty otherwise) |
//! | `blank_form` | the text of `templates/blank-form.txt` |
//! | `sender` | the address a quarantined message came from (`quarantine_notice`) |
//! | `reason` | why it was set aside (`quarantine_notice`) |
//! | `deadline` | `{id, commitment, what, due, owed_by, working_days_overdue, asks_for_lead}`: the protocol deadline a follow-up is about (`reminder`, `chase`, `escalation`; null otherwise). `id` and `commitment` are the protocol rule's (`lead_officer`, `10`; a commitment may be words, as in Kent's), `what` its description, `due` the date in words, `owed_by` `authority` or `referrer`, `working_days_overdue` a number, 0 when not yet overdue, `asks_for_lead` true when the rule is met by the authority naming its lead officer (from the protocol file when the mail is sent) |
//! | `step` | `{kind, number, on}`: this follow-up (`reminder`, `chase`, `escalation`; null otherwise). `kind` is `reminder`, `chase` or `escalation`, `number` counts the chases (1 for the others), `on` the date sent, in words |
//! | `history` | `[{what, on, to}]`: the earlier follow-ups of the same deadline, oldest first (`what` is `Reminder`, `Chase 1` or `Escalation`; `to` the name it was addressed to). Always a list: empty when there were none, and for the other purposes |
//! | `addressee` | the name of the person a `reminder`, `chase`, `escalation` or `lead_changed` is addressed to (the operational lead for a chase, the dispute-resolution contact or the next level for an escalation), or null to write to the team: `Dear colleagues` |
//! | `lead` | `{side, name, email, phone, previous_name}`: the new named lead of a case (`lead_changed`; null otherwise). `side` `authority` means the council's lead officer changed and the mail goes to the referrer's side; `referrer` means the probation or prison lead changed and the mail goes to the council. `phone` and `previous_name` may be null |
//!
//! Mail that does not show the person's details (every purpose but
//! `notice` and `quarantine_notice`: see [`Purpose::shows_person_details`])
//! is read outside the housing team, by referrers, senior managers and
//! whoever is chased. It is rendered from every key but four: `fields`,
//! `urgent_reasons`, `sender` and `reason` are taken out before rendering,
//! because they can describe the person (health, risk, rough sleeping), and
//! such a template that uses them fails [`Templates::check`]. The keys it
//! keeps carry nothing about the person referred: the follow-ups and
//! `lead_changed` give only the case reference, the dates and the officers'
//! names.

use handlebars::{
    html_escape, no_escape, Context, Handlebars, Helper, HelperDef, HelperResult, JsonTruthy,
    Output, RenderContext, RenderError, RenderErrorReason, Renderable,
};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The folder of a configuration folder that holds template overrides.
pub const TEMPLATES_FOLDER: &str = "templates";

const SAMPLE_BLANK_FORM: &str = include_str!("../templates/blank-form.txt");

pub use crate::core::mail::Purpose;

/// The three parts of a mail, one template each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Part {
    Subject,
    Text,
    Html,
}

impl Part {
    const ALL: [Part; 3] = [Part::Subject, Part::Text, Part::Html];

    fn ext(self) -> &'static str {
        match self {
            Part::Subject => "subject",
            Part::Text => "txt",
            Part::Html => "html",
        }
    }
}

fn file_name(purpose: Purpose, part: Part) -> String {
    format!("{}.{}.hbs", purpose.name(), part.ext())
}

/// `acknowledgement.txt` to its purpose and part.
fn parse_stem(stem: &str) -> Option<(Purpose, Part)> {
    let (name, ext) = stem.rsplit_once('.')?;
    let part = Part::ALL.into_iter().find(|p| p.ext() == ext)?;
    Some((Purpose::from_name(name)?, part))
}

macro_rules! embedded {
    ($($purpose:ident => $stem:literal),* $(,)?) => {
        [$((
            Purpose::$purpose,
            [
                include_str!(concat!("../templates/", $stem, ".subject.hbs")),
                include_str!(concat!("../templates/", $stem, ".txt.hbs")),
                include_str!(concat!("../templates/", $stem, ".html.hbs")),
            ],
        )),*]
    };
}

/// The defaults, in the order of [`Purpose::ALL`] and [`Part::ALL`].
const EMBEDDED: [(Purpose, [&str; 3]); 13] = embedded![
    Acknowledgement => "acknowledgement",
    Incomplete => "incomplete",
    NoConsent => "no_consent",
    BlankForm => "blank_form",
    Notice => "notice",
    QuarantineNotice => "quarantine_notice",
    Reminder => "reminder",
    Chase => "chase",
    Escalation => "escalation",
    LeadChanged => "lead_changed",
    LeadChangePending => "lead_change_pending",
    FurtherReferral => "further_referral",
    UnreadableAnswer => "unreadable_answer",
];

/// A rendered mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// One line, never containing CR or LF.
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Where a template came from, as errors name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Compiled in: the file name under `templates/`.
    Embedded(String),
    /// An override in a configuration folder.
    File(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Embedded(name) => write!(f, "(embedded) {TEMPLATES_FOLDER}/{name}"),
            Origin::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// A template that cannot be loaded or rendered.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read {}: {source}", .path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{}: not a template the gateway uses: expected NAME.subject.hbs, NAME.txt.hbs or \
         NAME.html.hbs, NAME being one of {}",
        .path.display(),
        purpose_list()
    )]
    UnknownFile { path: PathBuf },
    #[error(
        "{}: unexpected folder: the only folders read are one per authority directly \
         under {TEMPLATES_FOLDER}/, named by its three-letter code such as COL",
        .path.display()
    )]
    UnexpectedFolder { path: PathBuf },
    #[error("{}: no configured authority has the code {code}", .path.display())]
    UnknownAuthority { path: PathBuf, code: String },
    #[error(
        "{}: a symbolic link: template overrides must be files in the configuration \
         folder {}, not links",
        .path.display(),
        .folder.display()
    )]
    Link { path: PathBuf, folder: PathBuf },
    #[error(
        "{}: outside the configuration folder {}: template overrides must be inside it",
        .path.display(),
        .folder.display()
    )]
    Outside { path: PathBuf, folder: PathBuf },
    #[error("{origin}: {message}")]
    Syntax {
        purpose: Purpose,
        /// The authority code for a per-authority override.
        authority: Option<String>,
        origin: Origin,
        /// handlebars' reason, with the line and column.
        message: String,
    },
    #[error("{origin}: cannot render the {purpose} mail for {authority}: {message}")]
    Render {
        purpose: Purpose,
        /// The authority code, or `every authority` for a shared template.
        authority: String,
        origin: Origin,
        /// handlebars' reason, with the line and column.
        message: String,
    },
}

fn purpose_list() -> String {
    Purpose::ALL.map(Purpose::name).join(", ")
}

/// Which authorities a template serves.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    Embedded,
    /// A configuration folder's template for every authority.
    All,
    /// One authority's, by code.
    Authority(String),
}

impl Scope {
    fn key(&self, purpose: Purpose, part: Part) -> String {
        let scope = match self {
            Scope::Embedded => "(embedded)",
            Scope::All => "(all)",
            Scope::Authority(code) => code,
        };
        format!("{scope}/{}", file_name(purpose, part))
    }

    fn authority(&self) -> Option<String> {
        match self {
            Scope::Authority(code) => Some(code.clone()),
            Scope::Embedded | Scope::All => None,
        }
    }
}

/// The compiled templates, embedded and overridden.
#[derive(Debug)]
pub struct Templates {
    /// Subjects and plain text: not escaped.
    text: Handlebars<'static>,
    /// HTML: HTML-escaped.
    html: Handlebars<'static>,
    sources: BTreeMap<(Scope, Purpose, Part), Origin>,
    /// Per-authority override folders, to check their codes against the
    /// configured authorities.
    authority_folders: Vec<(String, PathBuf)>,
}

fn registry(escape: fn(&str) -> String) -> Handlebars<'static> {
    let mut registry = Handlebars::new();
    registry.set_strict_mode(true);
    registry.register_escape_fn(escape);
    registry.register_helper("if", Box::new(StrictIf { positive: true }));
    registry.register_helper("unless", Box::new(StrictIf { positive: false }));
    registry
}

impl Templates {
    /// The embedded templates, with the overrides of `config_dir/templates/`
    /// when a configuration folder is given (a folder without `templates/`
    /// keeps every default). The first error found, if any.
    pub fn load(config_dir: Option<&Path>) -> Result<Templates, TemplateError> {
        let (templates, errors) = Templates::load_all(config_dir);
        match errors.into_iter().next() {
            None => Ok(templates),
            Some(error) => Err(error),
        }
    }

    /// Loads as [`Templates::load`] does and [checks](Templates::check)
    /// every template against the configured authorities: every error of
    /// either, for `check-config` and the daemon's start.
    pub fn load_checked(
        config_dir: Option<&Path>,
        authority_codes: &[&str],
    ) -> Result<Templates, Vec<TemplateError>> {
        let (templates, mut errors) = Templates::load_all(config_dir);
        if let Err(more) = templates.check(authority_codes) {
            errors.extend(more);
        }
        if errors.is_empty() {
            Ok(templates)
        } else {
            Err(errors)
        }
    }

    /// The embedded templates and every override that loads and compiles,
    /// with an error for each that does not (it keeps the default).
    pub fn load_all(config_dir: Option<&Path>) -> (Templates, Vec<TemplateError>) {
        let mut templates = Templates {
            text: registry(no_escape),
            html: registry(html_escape),
            sources: BTreeMap::new(),
            authority_folders: Vec::new(),
        };
        let mut errors = Vec::new();
        for (purpose, texts) in EMBEDDED {
            for (part, text) in Part::ALL.into_iter().zip(texts) {
                let origin = Origin::Embedded(file_name(purpose, part));
                if let Err(e) = templates.add(Scope::Embedded, purpose, part, origin, text) {
                    errors.push(e);
                }
            }
        }
        if let Some(dir) = config_dir {
            if let Err(e) = templates.load_overrides(dir, &mut errors) {
                errors.push(e);
            }
        }
        (templates, errors)
    }

    /// Reads `dir/templates/`, when there is one.
    fn load_overrides(
        &mut self,
        dir: &Path,
        errors: &mut Vec<TemplateError>,
    ) -> Result<(), TemplateError> {
        let folder = dir.join(TEMPLATES_FOLDER);
        let unreadable = |path: &Path| {
            let path = path.to_path_buf();
            move |source| TemplateError::Unreadable { path, source }
        };
        let meta = match std::fs::symlink_metadata(&folder) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(unreadable(&folder)(e)),
        };
        if meta.file_type().is_symlink() {
            return Err(TemplateError::Link {
                path: folder,
                folder: dir.to_path_buf(),
            });
        }
        let root = std::fs::canonicalize(dir).map_err(unreadable(dir))?;
        self.load_folder(&root, &folder, None, errors);
        Ok(())
    }

    /// Reads `folder`: the folder-wide overrides and one folder per
    /// authority (`code` is set when reading one of those). Links are
    /// refused, and anything that resolves outside `root` (the
    /// configuration folder, resolved).
    fn load_folder(
        &mut self,
        root: &Path,
        folder: &Path,
        code: Option<&str>,
        errors: &mut Vec<TemplateError>,
    ) {
        let unreadable = |path: &Path| {
            let path = path.to_path_buf();
            move |source| TemplateError::Unreadable { path, source }
        };
        let entries = match std::fs::read_dir(folder) {
            Ok(entries) => entries,
            Err(e) => return errors.push(unreadable(folder)(e)),
        };
        let mut paths = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => paths.push(entry.path()),
                Err(e) => return errors.push(unreadable(folder)(e)),
            }
        }
        // Sorted, so that errors are always reported in the same order.
        paths.sort();
        for path in paths {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // Editors' and file managers' hidden files.
            if name.starts_with('.') {
                continue;
            }
            let meta = match std::fs::symlink_metadata(&path) {
                Ok(meta) => meta,
                Err(e) => {
                    errors.push(unreadable(&path)(e));
                    continue;
                }
            };
            if meta.file_type().is_symlink() {
                errors.push(TemplateError::Link {
                    path,
                    folder: root.to_path_buf(),
                });
                continue;
            }
            match std::fs::canonicalize(&path) {
                Ok(resolved) if resolved.starts_with(root) => {}
                Ok(_) => {
                    errors.push(TemplateError::Outside {
                        path,
                        folder: root.to_path_buf(),
                    });
                    continue;
                }
                Err(e) => {
                    errors.push(unreadable(&path)(e));
                    continue;
                }
            }
            if meta.is_dir() {
                match code {
                    None if is_short_code(&name) => {
                        self.load_folder(root, &path, Some(&name), errors);
                        self.authority_folders.push((name, path));
                    }
                    _ => errors.push(TemplateError::UnexpectedFolder { path }),
                }
                continue;
            }
            // Anything else (notes, backups) is not a template.
            let Some(stem) = name.strip_suffix(".hbs") else {
                continue;
            };
            let Some((purpose, part)) = parse_stem(stem) else {
                errors.push(TemplateError::UnknownFile { path });
                continue;
            };
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) => {
                    errors.push(unreadable(&path)(e));
                    continue;
                }
            };
            let scope = code.map_or(Scope::All, |c| Scope::Authority(c.to_string()));
            if let Err(e) = self.add(scope, purpose, part, Origin::File(path), &text) {
                errors.push(e);
            }
        }
    }

    /// How many overrides are loaded.
    pub fn overrides(&self) -> usize {
        self.sources
            .values()
            .filter(|origin| matches!(origin, Origin::File(_)))
            .count()
    }

    fn add(
        &mut self,
        scope: Scope,
        purpose: Purpose,
        part: Part,
        origin: Origin,
        text: &str,
    ) -> Result<(), TemplateError> {
        let registry = match part {
            Part::Html => &mut self.html,
            Part::Subject | Part::Text => &mut self.text,
        };
        registry
            .register_template_string(&scope.key(purpose, part), text)
            .map_err(|e| TemplateError::Syntax {
                purpose,
                authority: scope.authority(),
                origin: origin.clone(),
                message: at(e.pos(), e.reason().to_string()),
            })?;
        self.sources.insert((scope, purpose, part), origin);
        Ok(())
    }

    /// Writes the `purpose` mail for the authority `authority_code` from
    /// `data` (see the data contract above).
    pub fn render(
        &self,
        purpose: Purpose,
        authority_code: &str,
        data: &Value,
    ) -> Result<Rendered, TemplateError> {
        let code = authority_code.to_ascii_uppercase();
        let data = visible_data(purpose, data);
        let part = |part| self.render_part(purpose, &code, part, &data);
        Ok(Rendered {
            subject: one_line(&part(Part::Subject)?),
            text: part(Part::Text)?,
            html: part(Part::Html)?,
        })
    }

    /// The most specific template for the authority: its own, the
    /// folder-wide one, the embedded one.
    fn render_part(
        &self,
        purpose: Purpose,
        code: &str,
        part: Part,
        data: &Value,
    ) -> Result<String, TemplateError> {
        let scopes = [
            Scope::Authority(code.to_string()),
            Scope::All,
            Scope::Embedded,
        ];
        let found = scopes.into_iter().find_map(|scope| {
            let origin = self.sources.get(&(scope.clone(), purpose, part))?;
            Some((scope, origin))
        });
        match found {
            Some((scope, origin)) => self.render_source(&scope, purpose, part, origin, code, data),
            // Unreachable once loaded: every embedded template is registered.
            None => Err(TemplateError::Render {
                purpose,
                authority: code.to_string(),
                origin: Origin::Embedded(file_name(purpose, part)),
                message: "the template is not loaded".into(),
            }),
        }
    }

    fn render_source(
        &self,
        scope: &Scope,
        purpose: Purpose,
        part: Part,
        origin: &Origin,
        authority: &str,
        data: &Value,
    ) -> Result<String, TemplateError> {
        let registry = match part {
            Part::Html => &self.html,
            Part::Subject | Part::Text => &self.text,
        };
        registry
            .render(&scope.key(purpose, part), data)
            .map_err(|e| TemplateError::Render {
                purpose,
                authority: authority.to_string(),
                origin: origin.clone(),
                message: render_message(purpose, &e),
            })
    }

    /// Renders every template with [`sample_data`] and with a sparse sample
    /// (nulls, empty lists, not urgent), so that both sides of each `{{#if}}`
    /// are tried and a broken override fails at start-up rather than on the
    /// first referral. Every authority's mail is made of these templates, so
    /// this covers every purpose for every authority. Override folders must
    /// name one of `authority_codes`.
    pub fn check(&self, authority_codes: &[&str]) -> Result<(), Vec<TemplateError>> {
        let mut errors = Vec::new();
        for (code, path) in &self.authority_folders {
            if !authority_codes.iter().any(|c| c.eq_ignore_ascii_case(code)) {
                errors.push(TemplateError::UnknownAuthority {
                    path: path.clone(),
                    code: code.clone(),
                });
            }
        }
        for ((scope, purpose, part), origin) in &self.sources {
            let authority = scope
                .authority()
                .unwrap_or_else(|| "every authority".into());
            for sample in [sample_data(*purpose), sparse_data(*purpose)] {
                let data = visible_data(*purpose, &sample);
                let rendered =
                    self.render_source(scope, *purpose, *part, origin, &authority, &data);
                if let Err(e) = rendered {
                    errors.push(e);
                    break;
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn is_short_code(name: &str) -> bool {
    crate::core::case_ref::ShortCode::parse(name).is_ok()
}

/// The keys of the data contract given to mail that does not show the
/// person's details (to referrers, follow-ups, lead changes). The others
/// (`fields`, `urgent_reasons`, `sender`, `reason`) can describe the person;
/// these carry nothing about the person referred.
const KEYS_WITHOUT_PERSON_DETAILS: [&str; 19] = [
    "case_ref",
    "authority",
    "protocol",
    "received",
    "referrer_name",
    "deadlines",
    "urgent",
    "outcome",
    "missing",
    "invalid",
    "blank_form",
    "deadline",
    "step",
    "history",
    "addressee",
    "lead",
    "original",
    "escalation",
    "further",
];

/// Keys of the contract withheld from mail that does not show the person's
/// details, to explain the error when such a template uses one.
const WITHHELD_KEYS: [&str; 5] = ["fields", "urgent_reasons", "notes", "sender", "reason"];

/// The data as `purpose` may see it: mail that does not show the person's
/// details gets only [`KEYS_WITHOUT_PERSON_DETAILS`], whatever the caller
/// passed.
fn visible_data(purpose: Purpose, data: &Value) -> Cow<'_, Value> {
    match data {
        Value::Object(map) if !purpose.shows_person_details() => {
            let kept: Map<String, Value> = map
                .iter()
                .filter(|(k, _)| KEYS_WITHOUT_PERSON_DETAILS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Cow::Owned(Value::Object(kept))
        }
        _ => Cow::Borrowed(data),
    }
}

/// A subject is one header line: every run of whitespace or control
/// characters (CR and LF included) becomes one space, so that no value can
/// start a header of its own.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn at(pos: Option<(usize, usize)>, reason: String) -> String {
    match pos {
        Some((line, column)) => format!("line {line}, column {column}: {reason}"),
        None => reason,
    }
}

fn render_message(purpose: Purpose, e: &RenderError) -> String {
    let reason = match e.reason() {
        RenderErrorReason::MissingVariable(Some(path)) => {
            let withheld = path
                .split(['.', '/', '[', ']'])
                .any(|segment| WITHHELD_KEYS.contains(&segment));
            if !purpose.shows_person_details() && withheld {
                format!(
                    "`{path}` is not given to mail to referrers, nor to any mail but notice \
                     and quarantine_notice: it can describe the person"
                )
            } else {
                format!("`{path}` is not in the data (templates are strict: see sample_data)")
            }
        }
        RenderErrorReason::MissingVariable(None) => {
            "a value used is not in the data (templates are strict: see sample_data)".into()
        }
        other => other.to_string(),
    };
    let pos = e.line_no.zip(e.column_no);
    at(pos, reason)
}

/// `if` and `unless` that refuse a variable missing from the data. In
/// handlebars' own, even in strict mode, `{{#if urgnet}}` is silently false
/// and a line goes missing from the mail; here it fails `check`.
#[derive(Clone, Copy)]
struct StrictIf {
    positive: bool,
}

impl HelperDef for StrictIf {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let name = if self.positive { "if" } else { "unless" };
        let param = h
            .param(0)
            .ok_or(RenderErrorReason::ParamNotFoundForIndex(name, 0))?;
        if param.is_value_missing() {
            return Err(RenderErrorReason::MissingVariable(param.relative_path().cloned()).into());
        }
        let include_zero = h
            .hash_get("includeZero")
            .and_then(|v| v.value().as_bool())
            .unwrap_or(false);
        let show = param.value().is_truthy(include_zero) == self.positive;
        match if show { h.template() } else { h.inverse() } {
            Some(t) => t.render(r, ctx, rc, out),
            None => Ok(()),
        }
    }
}

/// An example of the data each purpose receives, every key present and
/// every list filled (see the contract at the top of this module). The
/// person is fictional.
pub fn sample_data(purpose: Purpose) -> Value {
    let has_case = !matches!(purpose, Purpose::BlankForm | Purpose::QuarantineNotice);
    let outcome = match purpose {
        Purpose::Acknowledgement
        | Purpose::Reminder
        | Purpose::Chase
        | Purpose::Escalation
        | Purpose::LeadChanged
        | Purpose::LeadChangePending
        | Purpose::FurtherReferral
        | Purpose::UnreadableAnswer => json!("complete"),
        Purpose::Incomplete | Purpose::Notice => json!("incomplete"),
        Purpose::NoConsent => json!("no_consent"),
        Purpose::BlankForm | Purpose::QuarantineNotice => Value::Null,
    };
    let field = |label: &str, value: &str| json!({ "label": label, "value": value });
    // The follow-ups of the lead officer deadline (commitment 10 of the
    // Essex protocol), due Monday 30 November: the reminder on the Friday
    // before, the first chase the next working day, the escalation the day
    // after that.
    let sent = |what: &str, on: &str| json!({ "what": what, "on": on, "to": "Sam Lead" });
    let reminder = sent("Reminder", "Friday 27 November 2026");
    let chase = sent("Chase 1", "Tuesday 1 December 2026");
    let (step, overdue, history) = match purpose {
        Purpose::Reminder => (
            json!({ "kind": "reminder", "number": 1, "on": "Friday 27 November 2026" }),
            0,
            json!([]),
        ),
        Purpose::Chase => (
            json!({ "kind": "chase", "number": 1, "on": "Tuesday 1 December 2026" }),
            1,
            json!([reminder]),
        ),
        Purpose::Escalation => (
            json!({ "kind": "escalation", "number": 1, "on": "Wednesday 2 December 2026" }),
            2,
            json!([reminder, chase]),
        ),
        _ => (Value::Null, 0, json!([])),
    };
    let deadline = if purpose.is_follow_up() {
        json!({
            "id": "lead_officer",
            "commitment": "10",
            "what": "A substantive response naming the authority's lead officer",
            "due": "Monday 30 November 2026",
            "due_short": "Mon 30 Nov",
            "owed_by": "authority",
            "working_days_overdue": overdue,
            "asks_for_lead": true,
            "late": false,
            "before_release": false,
        })
    } else {
        Value::Null
    };
    let escalation = if purpose.is_follow_up() {
        json!({
            "to": "Chris Senior",
            "on": "Wednesday 2 December 2026",
            "none": Value::Null,
            "as_head_of_housing_options": true,
            "authority": "Colchester City Council",
        })
    } else {
        json!({ "to": Value::Null, "on": Value::Null, "none": Value::Null, "as_head_of_housing_options": false, "authority": Value::Null })
    };
    let original = if matches!(
        purpose,
        Purpose::Acknowledgement
            | Purpose::Incomplete
            | Purpose::NoConsent
            | Purpose::QuarantineNotice
            | Purpose::UnreadableAnswer
            | Purpose::Notice
    ) {
        json!({ "subject": "Referral: J Example, HMP Chelmsford", "sent": "Monday 23 November 2026 at 10:02" })
    } else {
        json!({ "subject": Value::Null, "sent": Value::Null })
    };
    let further = if matches!(purpose, Purpose::FurtherReferral | Purpose::Notice) {
        json!({
            "first_case": "DTR-COL-2026-00041",
            "agency": "HMP Chelmsford",
            "referrer_name": "Robin Other",
        })
    } else {
        json!({ "first_case": Value::Null, "agency": Value::Null, "referrer_name": Value::Null })
    };
    let addressee = match purpose {
        Purpose::Reminder | Purpose::Chase => json!("Sam Lead"),
        Purpose::LeadChangePending => json!("Kim Casework"),
        Purpose::Escalation => json!("Chris Senior"),
        // The council's lead changed: the mail goes to the referrer.
        Purpose::LeadChanged => json!("Alex Morgan"),
        _ => Value::Null,
    };
    let lead = match purpose {
        Purpose::LeadChanged => json!({
            "side": "authority",
            "name": "Jo Officer",
            "email": "jo.officer@colchester.gov.uk",
            "phone": "01206 500000",
            "previous_name": "Sam Lead",
            "claimed_by": Value::Null,
            "bounced": false,
        }),
        Purpose::LeadChangePending => json!({
            "side": "referrer",
            "name": "Priya Shah",
            "email": "priya.shah@justice.gov.uk",
            "phone": "01245 000000",
            "previous_name": "Kim Casework",
            "claimed_by": "priya.shah@justice.gov.uk",
            "bounced": true,
        }),
        _ => Value::Null,
    };
    json!({
        "case_ref": if has_case { json!("DTR-COL-2026-00042") } else { Value::Null },
        "authority": {
            "name": "Colchester",
            "full_name": "Colchester City Council",
            "code": "COL",
            "inbox": "dutytorefer@colchester.gov.uk",
            "lead_name": "Sam Lead",
            "lead_email": "sam.lead@colchester.gov.uk",
        },
        "protocol": {
            "name": "Essex Prisoner Release Housing Protocol",
            "dispute_resolution": "Annex C of the protocol (dispute resolution)",
            "change_of_lead": "Commitment 11 of the protocol",
        },
        "received": "Monday 23 November 2026 at 10:15",
        "referrer_name": "Alex Morgan",
        "deadlines": [
            { "what": "An acknowledgement of the referral", "by": "Thursday 26 November 2026" },
            {
                "what": "A response naming the council's lead officer for this referral",
                "by": "Monday 30 November 2026",
            },
        ],
        "urgent": true,
        "urgent_reasons": [
            "Release in 46 days (8 January 2027).",
            "At risk of rough sleeping.",
        ],
        "notes": [
            "The form says the person is managed under MAPPA, which takes precedence over the protocol.",
        ],
        "outcome": outcome,
        "missing": ["Date of birth", "Referrer phone"],
        "invalid": ["Expected release date"],
        "fields": [
            field("Referral type", "Duty to Refer"),
            field("Full name", "Jo Example"),
            field("Date of birth", ""),
            field("Prison number", "A1234BC"),
            field("Current location", "HMP Chelmsford"),
            field("Custody status", "sentenced"),
            field("Expected release date", "31/02/2027"),
            field("Consent to referral", "Yes"),
            field("At risk of rough sleeping", "Yes"),
            field("Reason at risk of homelessness", "Tenancy ended while in custody.\nNo family able to help."),
            field("Local housing authority", "Colchester"),
            field("Local connection", "resident"),
            field("Physical health", "Asthma"),
            field("Mental health", "Anxiety, under the prison mental health team"),
            field("Risk to others", "MAPPA level 1"),
            field("Risk to self", "None known"),
            field("Referring agency", "HMPPS Probation Service"),
            field("Referrer name", "Alex Morgan"),
            field("Referrer email", "alex.morgan@justice.gov.uk"),
            field("Referrer phone", ""),
        ],
        "blank_form": SAMPLE_BLANK_FORM,
        "sender": "someone@example.org",
        "reason": "the sender's domain example.org is not allowed to refer",
        "deadline": deadline,
        "step": step,
        "history": history,
        "addressee": addressee,
        "lead": lead,
        "original": original,
        "escalation": escalation,
        "further": further,
    })
}

/// [`sample_data`] with every optional value empty: the other side of each
/// `{{#if}}` and `{{#each}}`. The deadline is owed by the referrer, and the
/// lead that changed is the referrer's, for the other side of the tests on
/// `owed_by` and `side`.
fn sparse_data(purpose: Purpose) -> Value {
    let mut data = sample_data(purpose);
    if let Value::Object(map) = &mut data {
        map.insert("referrer_name".into(), Value::Null);
        map.insert("urgent".into(), json!(false));
        map.insert("addressee".into(), Value::Null);
        if let Some(Value::Object(protocol)) = map.get_mut("protocol") {
            protocol.insert("dispute_resolution".into(), Value::Null);
            protocol.insert("change_of_lead".into(), Value::Null);
        }
        for key in [
            "deadlines",
            "urgent_reasons",
            "notes",
            "missing",
            "invalid",
            "history",
        ] {
            map.insert(key.into(), json!([]));
        }
        map.insert(
            "original".into(),
            json!({ "subject": Value::Null, "sent": Value::Null }),
        );
        if let Some(Value::Object(escalation)) = map.get_mut("escalation") {
            escalation.insert("to".into(), Value::Null);
            escalation.insert(
                "none".into(),
                json!("no escalation contact for the referring side is configured"),
            );
            escalation.insert("as_head_of_housing_options".into(), json!(false));
            escalation.insert("authority".into(), Value::Null);
        }
        if let Some(Value::Object(deadline)) = map.get_mut("deadline") {
            deadline.insert("id".into(), json!("appointments_confirmed"));
            deadline.insert(
                "what".into(),
                json!("Written confirmation of all appointments made for the date of release"),
            );
            deadline.insert("owed_by".into(), json!("referrer"));
            deadline.insert("asks_for_lead".into(), json!(false));
        }
        if let Some(Value::Object(lead)) = map.get_mut("lead") {
            lead.insert("side".into(), json!("referrer"));
            lead.insert("phone".into(), Value::Null);
            lead.insert("previous_name".into(), Value::Null);
            lead.insert("claimed_by".into(), Value::Null);
            lead.insert("bounced".into(), json!(false));
        }
        if let Some(Value::Array(fields)) = map.get_mut("fields") {
            for field in fields.iter_mut() {
                if let Value::Object(field) = field {
                    field.insert("value".into(), json!(""));
                }
            }
        }
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn embedded() -> Templates {
        Templates::load(None).expect("embedded templates load")
    }

    fn write(dir: &Path, relative: &str, text: &str) -> PathBuf {
        let path = dir.join(TEMPLATES_FOLDER).join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create folder");
        }
        fs::write(&path, text).expect("write template");
        path
    }

    fn errors_of(templates: &Templates, codes: &[&str]) -> Vec<String> {
        match templates.check(codes) {
            Ok(()) => Vec::new(),
            Err(errors) => errors.iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn embedded_list_follows_purpose_order() {
        for ((purpose, _), expected) in EMBEDDED.iter().zip(Purpose::ALL) {
            assert_eq!(*purpose, expected);
            assert_eq!(Purpose::from_name(expected.name()), Some(expected));
        }
    }

    #[test]
    fn every_purpose_renders_from_the_embedded_templates() {
        let templates = embedded();
        assert_eq!(errors_of(&templates, &["COL"]), Vec::<String>::new());
        for purpose in Purpose::ALL {
            for data in [sample_data(purpose), sparse_data(purpose)] {
                let mail = templates
                    .render(purpose, "COL", &data)
                    .unwrap_or_else(|e| panic!("{e}"));
                assert!(!mail.subject.is_empty(), "{purpose}");
                assert!(mail.text.contains("Colchester"), "{purpose}");
                assert!(mail.html.starts_with("<!DOCTYPE html>"), "{purpose}");
                assert!(!mail.html.contains("http"), "{purpose}: no external links");
                assert!(!mail.html.contains("<img"), "{purpose}: no images");
            }
        }
    }

    #[test]
    fn subjects_are_the_agreed_ones() {
        let templates = embedded();
        let subject = |purpose, urgent: bool| {
            let mut data = sample_data(purpose);
            data["urgent"] = json!(urgent);
            templates
                .render(purpose, "COL", &data)
                .map(|m| m.subject)
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let r = "DTR-COL-2026-00042";
        assert_eq!(
            subject(Purpose::Acknowledgement, true),
            format!("[{r}] Referral received")
        );
        assert_eq!(
            subject(Purpose::Incomplete, false),
            format!("[{r}] Referral incomplete: information needed")
        );
        assert_eq!(
            subject(Purpose::NoConsent, false),
            format!("[{r}] Referral not accepted: consent needed")
        );
        assert_eq!(
            subject(Purpose::BlankForm, false),
            "Duty to Refer referral form"
        );
        assert_eq!(
            subject(Purpose::Notice, false),
            format!("[{r}] New Duty to Refer referral")
        );
        assert_eq!(
            subject(Purpose::Notice, true),
            format!("URGENT: [{r}] New Duty to Refer referral")
        );
        assert_eq!(
            subject(Purpose::QuarantineNotice, false),
            "Message set aside: not answered automatically"
        );
        assert_eq!(
            subject(Purpose::Reminder, false),
            format!("[{r}] Reminder: commitment 10 due Mon 30 Nov")
        );
        assert_eq!(
            subject(Purpose::Chase, false),
            format!("[{r}] Chase 1: overdue since Mon 30 Nov")
        );
        assert_eq!(
            subject(Purpose::Escalation, true),
            format!("[{r}] Escalation: overdue since Mon 30 Nov")
        );
        assert_eq!(
            subject(Purpose::LeadChanged, false),
            format!("[{r}] New lead officer for this referral")
        );
        assert_eq!(
            subject(Purpose::LeadChangePending, false),
            format!("[{r}] Change of case lead: please confirm")
        );
        assert_eq!(
            subject(Purpose::FurtherReferral, false),
            "[DTR-COL-2026-00041] A further referral for the same person"
        );
        // Short enough to read in a list of mail.
        for purpose in Purpose::ALL {
            for urgent in [false, true] {
                let line = subject(purpose, urgent);
                assert!(line.chars().count() < 80, "{purpose}: {line}");
            }
        }
    }

    const FOLLOW_UPS_AND_LEAD_CHANGES: [Purpose; 4] = [
        Purpose::Reminder,
        Purpose::Chase,
        Purpose::Escalation,
        Purpose::LeadChanged,
    ];

    #[test]
    fn follow_ups_and_lead_changes_render_with_sample_and_sparse_data() {
        let templates = embedded();
        for purpose in FOLLOW_UPS_AND_LEAD_CHANGES {
            let sample = templates
                .render(purpose, "COL", &sample_data(purpose))
                .unwrap_or_else(|e| panic!("{e}"));
            let sparse = templates
                .render(purpose, "COL", &sparse_data(purpose))
                .unwrap_or_else(|e| panic!("{e}"));
            for mail in [&sample, &sparse] {
                assert!(mail.text.contains("DTR-COL-2026-00042"), "{purpose}");
                assert!(mail.html.contains("DTR-COL-2026-00042"), "{purpose}");
                assert!(mail.html.trim_end().ends_with("</html>"), "{purpose}");
                assert!(!mail.text.contains("{{"), "{purpose}");
            }
            let greeting = |mail: &Rendered| mail.text.lines().next().map(str::to_string);
            assert_eq!(greeting(&sparse).as_deref(), Some("Dear colleagues,"));
            assert!(sparse.html.contains(">Dear colleagues,</p>"), "{purpose}");
            let addressee = sample_data(purpose)["addressee"]
                .as_str()
                .expect("an addressee")
                .to_string();
            assert_eq!(greeting(&sample), Some(format!("Dear {addressee},")));
            if purpose.is_follow_up() {
                for mail in [&sample, &sparse] {
                    assert!(mail.text.contains("Monday 30 November 2026"), "{purpose}");
                    assert!(mail
                        .text
                        .contains("Received:   Monday 23 November 2026 at 10:15"));
                    assert!(mail.text.contains("Commitment: 10\n"), "{purpose}");
                }
                assert!(
                    sample
                        .text
                        .contains("Owed by:    Colchester City Council\n"),
                    "{purpose}"
                );
                assert!(
                    sparse.text.contains("Owed by:    the referrer\n"),
                    "{purpose}"
                );
                // How to record the lead officer, only for that deadline.
                assert!(sample
                    .text
                    .contains("\nLead officer: (name)\nEmail: (email address)\n"));
                assert!(sample.html.contains("Lead officer: (name)"), "{purpose}");
                assert!(!sparse.text.contains("Lead officer:"), "{purpose}");
                assert!(!sparse.html.contains("Lead officer:"), "{purpose}");
            }
        }
    }

    #[test]
    fn a_reminder_is_before_the_deadline_and_a_chase_counts_working_days() {
        let templates = embedded();
        let mail = templates
            .render(Purpose::Reminder, "COL", &sample_data(Purpose::Reminder))
            .expect("renders");
        assert!(mail.text.contains("is due on Monday 30 November 2026"));
        assert!(one_line(&mail.text).contains("Nothing is overdue yet"));
        assert!(!mail.text.contains("Overdue"));
        assert!(one_line(&mail.text).contains("keeping DTR-COL-2026-00042 in the subject"));
        // Who the escalation will go to, and when.
        assert!(one_line(&mail.text).contains(
            "it will be escalated on Wednesday 2 December 2026 to Chris Senior, under Annex C \
             of the protocol (dispute resolution)."
        ));
        // How to answer, in one line: the reference, and the inbox copied.
        assert!(one_line(&mail.text).contains(
            "Keep DTR-COL-2026-00042 in the subject and copy dutytorefer@colchester.gov.uk into \
             any message about this referral."
        ));

        let mut data = sample_data(Purpose::Chase);
        let mail = templates
            .render(Purpose::Chase, "COL", &data)
            .expect("renders");
        assert!(mail.text.contains("It is now 1 working day overdue."));
        assert!(mail.html.contains("1 working day overdue</strong>"));
        assert_eq!(
            list_under(&mail.text, "Already sent about this step"),
            ["Reminder: Friday 27 November 2026, to Sam Lead"]
        );
        assert!(one_line(&mail.text).contains(
            "If it stays overdue, it will be escalated on Wednesday 2 December 2026 to Chris Senior"
        ));
        // Where nobody is configured, the chase says so.
        let mail = templates
            .render(Purpose::Chase, "COL", &sparse_data(Purpose::Chase))
            .expect("renders");
        assert!(one_line(&mail.text).contains(
            "nobody further is written to: no escalation contact for the referring side is configured."
        ));
        data["deadline"]["working_days_overdue"] = json!(3);
        let mail = templates
            .render(Purpose::Chase, "COL", &data)
            .expect("renders");
        assert!(mail.text.contains("It is now 3 working days overdue."));
        assert!(mail.text.contains("Overdue:    3 working days\n"));

        let mail = templates
            .render(Purpose::Chase, "COL", &sparse_data(Purpose::Chase))
            .expect("renders");
        assert!(!mail.text.contains("Already sent"));
        assert!(!mail.html.contains("Already sent"));
    }

    #[test]
    fn an_escalation_lists_every_earlier_step_under_annex_c() {
        let templates = embedded();
        let mut data = sample_data(Purpose::Escalation);
        let mail = templates
            .render(Purpose::Escalation, "COL", &data)
            .expect("renders");
        assert_eq!(
            list_under(&mail.text, "Reminders and chases sent"),
            [
                "Reminder: Friday 27 November 2026, to Sam Lead",
                "Chase 1: Tuesday 1 December 2026, to Sam Lead",
            ]
        );
        assert!(mail.text.starts_with("Dear Chris Senior,\n"));
        let text = one_line(&mail.text);
        assert!(text.contains(
            "the operational leads have not resolved it. Under Annex C of the protocol (dispute \
             resolution), the referring side refers the matter to you, as the authority's senior \
             contact for dispute resolution."
        ));
        assert!(mail.text.contains("Overdue:    2 working days\n"));
        assert!(text.contains(
            "Sam Lead, the operational lead for Colchester City Council, the authority's Duty to \
             Refer inbox and the referring side are copied into this message."
        ));
        assert!(mail
            .html
            .contains("Annex C of the protocol (dispute resolution)"));
        assert!(mail
            .html
            .contains("Sam Lead, the operational lead for Colchester City Council"));

        let entries: Vec<Value> = (1..=5)
            .map(|n| json!({ "what": format!("Chase {n}"), "on": format!("Day {n}"), "to": format!("Officer {n}") }))
            .collect();
        data["history"] = Value::Array(entries);
        let mail = templates
            .render(Purpose::Escalation, "COL", &data)
            .expect("renders");
        let expected: Vec<String> = (1..=5)
            .map(|n| format!("Chase {n}: Day {n}, to Officer {n}"))
            .collect();
        assert_eq!(
            list_under(&mail.text, "Reminders and chases sent"),
            expected
        );
        for line in &expected {
            assert!(mail.html.contains(&format!("<li>{line}</li>")), "{line}");
        }

        let mail = templates
            .render(
                Purpose::Escalation,
                "COL",
                &sparse_data(Purpose::Escalation),
            )
            .expect("renders");
        assert_eq!(
            list_under(&mail.text, "Reminders and chases sent"),
            ["none recorded"]
        );
        assert!(one_line(&mail.text).contains(
            "The referrer, the case lead and Colchester City Council's Duty to Refer inbox are \
             copied into this message."
        ));
        // A protocol without a dispute-resolution part (Kent's) is not
        // made to cite Essex's Annex C.
        let text = one_line(&mail.text);
        assert!(!text.contains("Annex C") && !mail.html.contains("Annex C"));
        assert!(text.contains(
            "Under the protocol's arrangements for resolving disputes, Colchester City Council \
             refers the matter to you."
        ));
        assert!(mail
            .html
            .contains("Under the protocol's arrangements for resolving disputes,"));
    }

    #[test]
    fn a_lead_change_names_the_side_and_the_new_lead() {
        let templates = embedded();
        let mut data = sample_data(Purpose::LeadChanged);
        let mail = templates
            .render(Purpose::LeadChanged, "COL", &data)
            .expect("renders");
        assert!(one_line(&mail.text).contains(
            "The council's lead officer for the Duty to Refer referral DTR-COL-2026-00042 \
             has changed. The new lead officer at Colchester City Council is:"
        ));
        assert!(!mail.text.contains("probation"));
        assert!(mail.text.contains("Name:      Jo Officer\n"));
        assert!(mail
            .text
            .contains("Email:     jo.officer@colchester.gov.uk\n"));
        assert!(mail.text.contains("Telephone: 01206 500000\n"));
        assert!(mail.text.contains("This replaces Sam Lead."));
        assert!(mail.text.contains("Commitment 11 of the protocol"));
        assert!(mail.html.contains("The council's lead officer"));
        assert!(mail.html.contains("<strong>Jo Officer</strong>"));
        assert!(mail.html.contains("mailto:jo.officer@colchester.gov.uk"));
        assert!(mail.html.contains(">01206 500000</td>"));

        data["lead"]["side"] = json!("referrer");
        data["lead"]["name"] = json!("Pat Probation");
        data["lead"]["email"] = json!("pat.probation@justice.gov.uk");
        let mail = templates
            .render(Purpose::LeadChanged, "COL", &data)
            .expect("renders");
        assert!(one_line(&mail.text).contains(
            "The probation or prison lead for the Duty to Refer referral DTR-COL-2026-00042 to Colchester City Council has changed."
        ));
        assert!(!mail.text.contains("council's lead officer"));
        assert!(mail.text.contains("Name:      Pat Probation\n"));
        assert!(mail
            .text
            .contains("Email:     pat.probation@justice.gov.uk\n"));
        assert!(mail.html.contains("The probation or prison lead"));
        assert!(mail.html.contains("mailto:pat.probation@justice.gov.uk"));

        // No telephone and no previous lead: neither line.
        let mail = templates
            .render(
                Purpose::LeadChanged,
                "COL",
                &sparse_data(Purpose::LeadChanged),
            )
            .expect("renders");
        assert!(mail.text.contains("Name:      Jo Officer\n"));
        assert!(!mail.text.contains("Telephone"));
        assert!(!mail.html.contains("Telephone"));
        assert!(!mail.text.contains("This replaces"));
        // Without a commitment on changes of lead, no sentence citing one.
        assert!(!mail.text.contains("Commitment") && !mail.html.contains("Commitment"));
        assert!(!mail.text.contains("\n\n\n"), "no gap left: {}", mail.text);
    }

    #[test]
    fn acknowledgement_says_urgent_only_when_urgent() {
        let templates = embedded();
        let mut data = sample_data(Purpose::Acknowledgement);
        let mail = templates
            .render(Purpose::Acknowledgement, "COL", &data)
            .expect("renders");
        assert!(mail.text.contains("marked as urgent"));
        assert!(mail.text.contains("Thursday 26 November 2026"));
        assert!(mail.text.contains("dutytorefer@colchester.gov.uk"));
        data["urgent"] = json!(false);
        let mail = templates
            .render(Purpose::Acknowledgement, "COL", &data)
            .expect("renders");
        assert!(!mail.text.contains("urgent"));
        assert!(!mail.html.contains("urgent"));
    }

    #[test]
    fn overrides_go_authority_then_folder_then_embedded() {
        let dir = tempfile::tempdir().expect("temporary folder");
        write(
            dir.path(),
            "acknowledgement.txt.hbs",
            "Everyone: {{case_ref}} at {{authority.name}}\n",
        );
        write(
            dir.path(),
            "COL/acknowledgement.txt.hbs",
            "Colchester only: {{case_ref}}\n",
        );
        write(
            dir.path(),
            "COL/acknowledgement.subject.hbs",
            "Colchester {{case_ref}}\n",
        );
        write(dir.path(), "notes.md", "not a template");
        write(dir.path(), ".acknowledgement.txt.hbs.swp", "editor file");
        let templates = Templates::load(Some(dir.path())).expect("loads");
        assert_eq!(errors_of(&templates, &["COL", "BAS"]), Vec::<String>::new());

        let data = sample_data(Purpose::Acknowledgement);
        let col = templates
            .render(Purpose::Acknowledgement, "col", &data)
            .expect("renders");
        assert_eq!(col.subject, "Colchester DTR-COL-2026-00042");
        assert_eq!(col.text, "Colchester only: DTR-COL-2026-00042\n");
        let bas = templates
            .render(Purpose::Acknowledgement, "BAS", &data)
            .expect("renders");
        assert_eq!(bas.subject, "[DTR-COL-2026-00042] Referral received");
        assert_eq!(bas.text, "Everyone: DTR-COL-2026-00042 at Colchester\n");
        assert!(bas.html.contains("What happens next"));
    }

    #[test]
    fn every_purpose_renders_from_an_override_folder() {
        let dir = tempfile::tempdir().expect("temporary folder");
        for purpose in Purpose::ALL {
            for part in Part::ALL {
                let name = file_name(purpose, part);
                let text = EMBEDDED
                    .iter()
                    .find(|(p, _)| *p == purpose)
                    .map(|(_, texts)| texts[part as usize])
                    .expect("embedded");
                write(dir.path(), &name, &format!("OVERRIDE {text}"));
                write(dir.path(), &format!("COL/{name}"), &format!("COL {text}"));
            }
        }
        let templates = Templates::load(Some(dir.path())).expect("loads");
        assert_eq!(errors_of(&templates, &["COL", "BAS"]), Vec::<String>::new());
        for purpose in Purpose::ALL {
            let data = sample_data(purpose);
            for (code, marker) in [("COL", "COL "), ("BAS", "OVERRIDE ")] {
                let mail = templates.render(purpose, code, &data).expect("renders");
                assert!(mail.subject.starts_with(marker), "{purpose} {code}");
                assert!(mail.text.starts_with(marker), "{purpose} {code}");
                assert!(mail.html.starts_with(marker), "{purpose} {code}");
            }
        }
    }

    #[test]
    fn a_missing_variable_in_an_override_fails_check_naming_the_file() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = write(
            dir.path(),
            "COL/notice.html.hbs",
            "<p>{{case_ref}}</p>\n<p>{{case_reference}}</p>\n",
        );
        let templates = Templates::load(Some(dir.path())).expect("loads");
        let errors = errors_of(&templates, &["COL"]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        let error = &errors[0];
        assert!(error.contains(&path.display().to_string()), "{error}");
        assert!(error.contains("notice mail for COL"), "{error}");
        assert!(error.contains("line 2"), "{error}");
        assert!(error.contains("`case_reference`"), "{error}");
        // Rendering it is refused the same way, never a blank.
        let data = sample_data(Purpose::Notice);
        assert!(templates.render(Purpose::Notice, "COL", &data).is_err());
        assert!(templates.render(Purpose::Notice, "BAS", &data).is_ok());
    }

    #[test]
    fn a_misspelt_if_or_each_inside_fails_check() {
        let dir = tempfile::tempdir().expect("temporary folder");
        write(
            dir.path(),
            "notice.txt.hbs",
            "{{#if urgnet}}URGENT{{/if}}\n",
        );
        write(
            dir.path(),
            "acknowledgement.txt.hbs",
            "{{#each deadlines}}{{what}} {{when}}{{/each}}\n",
        );
        write(
            dir.path(),
            "incomplete.txt.hbs",
            "{{#unless referrer}}Hello{{/unless}}\n",
        );
        let templates = Templates::load(Some(dir.path())).expect("loads");
        let errors = errors_of(&templates, &["COL"]);
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("`urgnet`")), "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("`when`")), "{errors:?}");
        assert!(
            errors.iter().any(|e| e.contains("`referrer`")),
            "{errors:?}"
        );
    }

    #[test]
    fn broken_files_and_folders_are_named() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = write(dir.path(), "notice.txt.hbs", "line one\n{{#if urgent}}\n");
        let error = Templates::load(Some(dir.path())).expect_err("syntax error");
        let text = error.to_string();
        assert!(text.starts_with(&path.display().to_string()), "{text}");
        assert!(text.contains("line "), "{text}");

        let dir = tempfile::tempdir().expect("temporary folder");
        let path = write(dir.path(), "acknowledgment.txt.hbs", "{{case_ref}}");
        let error = Templates::load(Some(dir.path())).expect_err("unknown name");
        assert!(matches!(&error, TemplateError::UnknownFile { path: p } if *p == path));
        assert!(error.to_string().contains("acknowledgement, incomplete"));

        let dir = tempfile::tempdir().expect("temporary folder");
        write(dir.path(), "colchester/notice.txt.hbs", "{{case_ref}}");
        let error = Templates::load(Some(dir.path())).expect_err("not a code");
        assert!(
            matches!(error, TemplateError::UnexpectedFolder { .. }),
            "{error}"
        );

        let dir = tempfile::tempdir().expect("temporary folder");
        write(dir.path(), "CLO/notice.txt.hbs", "{{case_ref}}");
        let templates = Templates::load(Some(dir.path())).expect("loads");
        let errors = errors_of(&templates, &["COL"]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("no configured authority has the code CLO"));
    }

    #[test]
    fn a_folder_without_templates_keeps_the_defaults() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let templates = Templates::load(Some(dir.path())).expect("loads");
        let mail = templates
            .render(Purpose::BlankForm, "COL", &sample_data(Purpose::BlankForm))
            .expect("renders");
        assert!(mail.text.contains("DUTY TO REFER REFERRAL"));
        assert!(mail.html.contains("<pre"));
    }

    #[test]
    fn values_are_escaped_in_html_and_cannot_break_the_subject() {
        let templates = embedded();
        let hostile = "<script>alert(1)</script> {{authority.inbox}}\r\nBcc: victim@example.org";
        let mut data = sample_data(Purpose::Notice);
        data["case_ref"] = json!(hostile);
        data["referrer_name"] = json!(hostile);
        data["fields"] = json!([{ "label": hostile, "value": hostile }]);
        data["urgent_reasons"] = json!([hostile]);
        for purpose in [Purpose::Notice, Purpose::Acknowledgement] {
            let mail = templates.render(purpose, "COL", &data).expect("renders");
            assert!(!mail.subject.contains(['\r', '\n']), "{}", mail.subject);
            assert!(mail.subject.contains("<script>"), "{}", mail.subject);
            assert!(!mail.html.contains("<script>"), "{purpose}");
            assert!(mail.html.contains("&lt;script&gt;"), "{purpose}");
            // A value is never read as a template.
            assert!(mail.html.contains("{{authority.inbox}}"), "{purpose}");
            assert!(mail.text.contains("{{authority.inbox}}"), "{purpose}");
        }
        let mut data = sample_data(Purpose::QuarantineNotice);
        data["sender"] = json!("\"<b>x</b>\"@example.org");
        let mail = templates
            .render(Purpose::QuarantineNotice, "COL", &data)
            .expect("renders");
        assert!(mail.html.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(!mail.html.contains("<b>x"));
    }

    #[test]
    fn subjects_are_one_trimmed_line() {
        assert_eq!(one_line("  a\r\nBcc: b\t c\u{2028}d \n"), "a Bcc: b c d");
        assert_eq!(one_line("\r\n"), "");
    }

    #[test]
    fn referrers_never_see_the_persons_details() {
        let templates = embedded();
        let secret = "Diagnosed with a condition only the council may read";
        let outside: Vec<Purpose> = Purpose::ALL
            .into_iter()
            .filter(|p| !p.shows_person_details())
            .collect();
        // Chases and escalations above all: read by senior managers.
        for purpose in [Purpose::Chase, Purpose::Escalation] {
            assert!(outside.contains(&purpose), "{purpose}");
        }
        assert_eq!(outside.len(), 10);
        for purpose in outside {
            let mut data = sample_data(purpose);
            data["fields"] = json!([{ "label": "Physical health", "value": secret }]);
            data["urgent_reasons"] = json!([secret]);
            data["notes"] = json!([secret]);
            data["sender"] = json!(secret);
            data["reason"] = json!(secret);
            let mail = templates.render(purpose, "COL", &data).expect("renders");
            for part in [&mail.subject, &mail.text, &mail.html] {
                assert!(!part.contains(secret), "{purpose}");
                assert!(!part.contains("Jo Example"), "{purpose}");
            }
        }
        let mut data = sample_data(Purpose::Notice);
        data["fields"] = json!([{ "label": "Physical health", "value": secret }]);
        let mail = templates
            .render(Purpose::Notice, "COL", &data)
            .expect("renders");
        assert!(mail.text.contains(secret) && mail.html.contains(secret));
    }

    #[test]
    fn a_referrers_override_cannot_use_the_fields() {
        let dir = tempfile::tempdir().expect("temporary folder");
        write(
            dir.path(),
            "acknowledgement.html.hbs",
            "{{#each fields}}{{label}}: {{value}}{{/each}}",
        );
        let templates = Templates::load(Some(dir.path())).expect("loads");
        let errors = errors_of(&templates, &["COL"]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].contains("`fields` is not given to mail to referrers"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_chase_or_escalation_override_cannot_use_the_persons_details() {
        let dir = tempfile::tempdir().expect("temporary folder");
        write(
            dir.path(),
            "escalation.txt.hbs",
            "{{#each fields}}{{label}}: {{value}}{{/each}}",
        );
        write(
            dir.path(),
            "COL/chase.html.hbs",
            "<p>{{urgent_reasons.[0]}}</p>",
        );
        let templates = Templates::load(Some(dir.path())).expect("loads");
        let errors = errors_of(&templates, &["COL"]);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors
                .iter()
                .any(|e| e.contains("escalation mail") && e.contains("`fields` is not given")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("chase mail for COL") && e.contains("`urgent_reasons")),
            "{errors:?}"
        );
    }

    /// The lines of `text` under `heading`, up to the next blank line.
    fn list_under<'a>(text: &'a str, heading: &str) -> Vec<&'a str> {
        text.lines()
            .skip_while(|l| !l.starts_with(heading))
            .skip(1)
            .take_while(|l| !l.trim().is_empty())
            .filter_map(|l| l.strip_prefix("- "))
            .collect()
    }

    #[test]
    fn incomplete_lists_exactly_the_given_labels() {
        let templates = embedded();
        let mut data = sample_data(Purpose::Incomplete);
        data["missing"] = json!(["Date of birth", "Consent to referral", "Referrer phone"]);
        data["invalid"] = json!(["Expected release date"]);
        let mail = templates
            .render(Purpose::Incomplete, "COL", &data)
            .expect("renders");
        // One sentence each, by the form's labels: never a line that reads
        // as a label of the form, should the mail be quoted back.
        assert!(mail
            .text
            .contains("Please give: Date of birth, Consent to referral and Referrer phone.\n"));
        assert!(mail
            .text
            .contains("Please check and write again: Expected release date.\n"));
        assert!(mail.html.contains(
            "Please give:</strong> Date of birth, Consent to referral and Referrer phone."
        ));
        // The blank form, to fill in again.
        assert!(mail.text.contains(SAMPLE_BLANK_FORM));
        assert!(mail.html.contains("Case lead phone:\n</pre>"));

        data["invalid"] = json!([]);
        let mail = templates
            .render(Purpose::Incomplete, "COL", &data)
            .expect("renders");
        assert!(!mail.text.contains("Please check and write again"));
        assert!(!mail.html.contains("Please check and write again"));
    }

    #[test]
    fn notice_shows_every_field_and_the_urgent_banner() {
        let templates = embedded();
        let data = sample_data(Purpose::Notice);
        let mail = templates
            .render(Purpose::Notice, "COL", &data)
            .expect("renders");
        assert!(mail
            .text
            .starts_with("URGENT\n- Release in 46 days (8 January 2027).\n"));
        assert!(mail
            .text
            .contains("PLEASE NOTE\n- The form says the person is managed under MAPPA"));
        assert!(mail.html.contains(">URGENT</p>"));
        for field in data["fields"].as_array().expect("list") {
            let label = field["label"].as_str().expect("label");
            assert!(mail.text.contains(&format!("{label}: ")), "{label}");
            assert!(mail.html.contains(&format!(">{label}</th>")), "{label}");
        }
        assert!(mail.text.contains("Date of birth: (not given)"));
        assert!(mail.text.contains("Outcome:   incomplete"));
        assert!(mail
            .text
            .contains("Missing: Date of birth and Referrer phone.\n"));
        // A further referral says which case it joins.
        assert!(one_line(&mail.text)
            .contains("The person already has an open case here, DTR-COL-2026-00041."));
    }

    #[test]
    fn templates_can_be_shared_between_tasks() {
        fn shared<T: Send + Sync>() {}
        shared::<Templates>();
    }
}
