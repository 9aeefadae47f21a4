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
//! | `deadlines` | `[{what, by, owed_by, passed}]`: what each side will do, and by when (`owed_by`: `authority` or `referrer`); `passed` (bool) when the date had gone by the day the mail was sent (a referral completed after its clock had run a while): the mail says it was due then, and promises nothing |
//! | `urgent` | bool |
//! | `consented` | bool: the person's consent to the referral is given (the council's clock runs, whatever else is missing) |
//! | `erased_from` | the day in words from which the details of a referral whose consent is not confirmed are deleted if it never is (`incomplete`; null otherwise, and once consent is given) |
//! | `urgent_reasons` | `[string]`: why the case is urgent |
//! | `outcome` | `complete` or `incomplete` (`no_consent` for a refusal; null when there is no referral) |
//! | `missing` | `[label]`: required fields not given, by their form labels |
//! | `invalid` | `[label]`: fields given but unreadable, by their form labels |
//! | `consent_why` | why a consent answer is asked again, a sentence for the referrer saying the kind of problem (a condition or a limit, a question, not the person's own) and what to write instead, never the answer's words (`incomplete`, when the reading can say; null otherwise) |
//! | `fields` | `[{label, value}]`: every field of the referral, health and risk included (`notice` only; empty otherwise) |
//! | `blank_form` | the text of `templates/blank-form.txt` |
//! | `sender` | the address a quarantined message came from (`quarantine_notice`), or the message about a case (`unreadable_answer`, `consent_withdrawn`) |
//! | `reason` | why it was set aside (`quarantine_notice`) |
//! | `deadline` | `{id, commitment, what, due, owed_by, working_days_overdue, asks_for_lead}`: the protocol deadline a follow-up is about (`reminder`, `chase`, `escalation`; null otherwise). `id` and `commitment` are the protocol rule's (`lead_officer`, `10`; a commitment may be words, as in Kent's), `what` its description, `due` the date in words, `owed_by` `authority` or `referrer`, `working_days_overdue` a number, 0 when not yet overdue, `asks_for_lead` true when the rule is met by the authority naming its lead officer (from the protocol file when the mail is sent) |
//! | `step` | `{kind, number, on}`: this follow-up (`reminder`, `chase`, `escalation`; null otherwise). `kind` is `reminder`, `chase` or `escalation`, `number` counts the chases (1 for the others), `on` the date sent, in words |
//! | `history` | `[{what, on, to}]`: the earlier follow-ups of the same deadline, oldest first (`what` is `Reminder`, `Chase 1` or `Escalation`; `to` the name it was addressed to). Always a list: empty when there were none, and for the other purposes |
//! | `addressee` | the name of the person a `reminder`, `chase`, `escalation` or `lead_changed` is addressed to (the operational lead for a chase, the dispute-resolution contact or the next level for an escalation), or null to write to the team: `Dear colleagues`; for an `incomplete` that asks the case lead again about their own answer, the case lead's name (`colleague` when the form gives none), and null when it goes to the referrer |
//! | `information` | `{what}`: what the authority asked the referring side for, in its own words (`information_requested`; null otherwise) |
//! | `lead` | `{side, name, email, phone, previous_name, first}`: the new named lead of a case (`first`: no lead was named before) (`lead_changed`; null otherwise). `side` `authority` means the council's lead officer changed and the mail goes to the referrer's side; `referrer` means the probation or prison lead changed and the mail goes to the council. `phone` and `previous_name` may be null |
//! | `sign_in` | `{link, until, minutes}`: the one-time link to the web view, the UK time it stops working (`10:45`) and its lifetime in minutes (`sign_in`; null otherwise) |
//! | `failure` | `{address, others, mail, kind, left, reason, on}`: a contact one of the gateway's mails failed to reach for good (`contact_failed`; null otherwise). `address` the first failing recipient, `others` any more, `mail` the mail in words (`the chase`), `kind` `bounced`, `blocked` or `left`, `left` true for a leaver's automatic reply, `reason` a sentence, `on` when it was reported |
//! | `attached_form` | `{pdf, word, prefilled}`, bools: the forms the mail carries as documents, a fillable PDF and a Word document; `prefilled` when the PDF holds the identity fields received (name, date of birth, prison number, CRN) (`blank_form`, `incomplete`; null when the mail carries none) |
//! | `unreadable` | bool: the quarantined message could not be read (encrypted, or an attached document the gateway cannot read), so releasing it would not help; it is recorded by hand with `case new --quarantined ID` (`quarantine_notice`; false otherwise) |
//! | `copy_of` | the case reference an earlier copy of the quarantined message (the same Message-ID, other content) is recorded as: a person compares the two, then dismisses or releases it (`quarantine_notice`; null otherwise) |
//! | `quarantined` | the id of the message set aside, as the `quarantine` commands take it (`quarantine_notice`; null otherwise) |
//! | `came_back_empty` | the form the sender sent came back with nothing filled in, and this is the form again (`blank_form`; false otherwise) |
//! | `withdrawal` | `{by, said, person}`: a message in the case's thread says the person has withdrawn their consent: `by` who wrote it (`the referrer`, `the case lead`, `the council`, or someone else at an allowed domain, in words), `said` the line or sentence read, on one line, `person` the case's full name, so that the officer sees whom it is about, `never_given` true when the case never had consent (an incomplete referral), so that confirming refuses it, `holds` true when the case's follow-ups wait for the council's answer (a report from the referrer, the case lead or the council), so that the notice says to reply No if the person has not withdrawn (`consent_withdrawn`, to the authority only; every key null otherwise) |
//! | `lapse` | `{by, late_answer}`: a referral whose consent was never confirmed lapsed and its details were deleted (`consent_lapsed`; null otherwise). `by` the day in words consent was to be confirmed by (the day the incomplete mail named), `late_answer` true when the mail answers a reply that brought consent after the lapse |
//! | `digest` | the morning digest (`digest`; null otherwise): `{day, since, counts: {new, due_today, overdue, waiting, undelivered, consent_to_confirm}, nothing_due, new: [{case_ref, received, kind, urgent}], due_today, overdue, waiting: [{case_ref, what, due, owed_by}], undelivered: [{address, case_ref, mail, reason, on}], consent_to_confirm: [{case_ref}]}` (`undelivered`: mail that failed for good since the last digest, the contact to correct; `consent_to_confirm`: open cases a message says the person withdrew consent from, waiting for the council to confirm it), references and dates only |
//!
//! Mail that does not show the person's details (every purpose but
//! `notice` and `quarantine_notice`: see [`Purpose::shows_person_details`])
//! is read outside the housing team, by referrers, senior managers and
//! whoever is chased. It is rendered from every key but five: `fields`,
//! `urgent_reasons`, `sender`, `reason` and `withdrawal` are taken out before rendering,
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

mod samples;
mod wrap;

pub use samples::sample_data;
use samples::sparse_data;
#[cfg(test)]
use samples::SAMPLE_BLANK_FORM;
pub use wrap::wrap_text;

/// The folder of a configuration folder that holds template overrides.
pub const TEMPLATES_FOLDER: &str = "templates";

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
                include_str!(concat!("../../templates/", $stem, ".subject.hbs")),
                include_str!(concat!("../../templates/", $stem, ".txt.hbs")),
                include_str!(concat!("../../templates/", $stem, ".html.hbs")),
            ],
        )),*]
    };
}

/// The defaults, in the order of [`Purpose::ALL`] and [`Part::ALL`].
const EMBEDDED: [(Purpose, [&str; 3]); 20] = embedded![
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
    UnreadableAnswer => "unreadable_answer",
    InformationRequested => "information_requested",
    Digest => "digest",
    ContactFailed => "contact_failed",
    SignIn => "sign_in",
    ConsentWithdrawn => "consent_withdrawn",
    WithdrawalConfirmed => "withdrawal_confirmed",
    ConsentLapsed => "consent_lapsed",
    CaseReopened => "case_reopened",
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
    #[error("cannot read {}: {error}", .path.display())]
    Unreadable {
        path: PathBuf,
        error: std::io::Error,
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
            move |error| TemplateError::Unreadable { path, error }
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
            move |error| TemplateError::Unreadable { path, error }
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
        // The plain text is wrapped once rendered, the values in it
        // included, and never rendered again; the HTML wraps itself.
        Ok(Rendered {
            subject: one_line(&part(Part::Subject)?),
            text: wrap::wrap_text(&part(Part::Text)?),
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
const KEYS_WITHOUT_PERSON_DETAILS: [&str; 33] = [
    "case_ref",
    "authority",
    "protocol",
    "received",
    // When the deadlines count from, when later than `received`.
    "clock_from",
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
    // The authority's own words to the referring side, who referred the
    // person; set only for `information_requested`.
    "information",
    "digest",
    // A contact the gateway's mail did not reach: an officer's address,
    // the mail and why (`contact_failed`; null otherwise).
    "failure",
    // The one-time link to the web view (`sign_in`; null otherwise).
    "sign_in",
    // Which forms the mail carries as documents (`blank_form`,
    // `incomplete`; null otherwise): the identity fields at most.
    "attached_form",
    // The form the sender sent came back blank (`blank_form`; false
    // otherwise): says nothing of anyone.
    "came_back_empty",
    // The message carried forms for more than one person (`incomplete`,
    // `notice`; false otherwise): says nobody's name.
    "several_people",
    // How many documents the referrer attached beside the form could not
    // be read (`acknowledgement`, `incomplete`): a count, never names.
    "unread_documents",
    // The incomplete mail asks for a date (and says how to write one).
    "asks_dates",
    // Whether the person consented, and, while not, from when the
    // referral's details are deleted: what the referrer was asked for.
    "consented",
    "erased_from",
    // Why the consent answer is asked again (`incomplete`; null
    // otherwise): the kind of problem only, never the answer's words.
    "consent_why",
    // The day consent was to be confirmed by, and whether the mail answers
    // a reply that came after (`consent_lapsed`; null otherwise): a date
    // and a flag, nothing of the person.
    "lapse",
];

/// Keys of the contract withheld from mail that does not show the person's
/// details, to explain the error when such a template uses one.
const WITHHELD_KEYS: [&str; 6] = [
    "fields",
    "urgent_reasons",
    "notes",
    "sender",
    "reason",
    // What a message said of a withdrawal of consent may name the person.
    "withdrawal",
];

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

#[cfg(test)]
mod tests;
