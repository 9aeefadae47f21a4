//! The outbox sender: delivers the rows intake queued, through SMTP (lettre
//! over rustls, on connections of its own: `relay`) or as `.eml` files (the
//! embedded default), both behind one trait (`transport`). A row is claimed, rendered from the templates and its
//! case, sent, and marked sent at once: the only window for a second copy is
//! a crash between the server's answer and that commit. Temporary failures
//! (connection, 4xx, a full disk) are retried with backoff; permanent ones
//! (5xx) mark the row failed and show on the case. A store that cannot
//! record the outcome (locked, full) is asked again until it can, so that no
//! row stays `sending` while the daemon runs.

mod relay;
mod routes;
#[cfg(test)]
mod stub;
#[cfg(test)]
mod tests;
mod transport;

use crate::config::Config;
use crate::core::address::without_addresses;
use crate::core::authority::Authority;
use crate::core::field::Field;
use crate::core::protocol::{uk_date, CaseFacts, Satisfier};
use crate::core::referral::Referral;
use crate::core::words::{spoken_date, spoken_time};
use crate::shutdown::Shutdown;
use crate::store::{MailCase, OutboxRow, Store, StoreError};
use crate::templates::{Purpose, Templates};
use chrono::{DateTime, NaiveDate, Utc};
use lettre::message::header::ContentType;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::Message;
pub use routes::SHARED;
use routes::{Route, Routes};
use serde_json::{json, Value};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
pub use transport::{Composed, MailTransport};

/// How long the sender waits when nothing wakes it.
const POLL: Duration = Duration::from_secs(5);
/// Rows claimed at a time.
const BATCH: i64 = 20;
/// A temporary failure is retried for this long before the row is failed.
const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::hours(48);
/// What `outbox` shows for a sign-in link that expired before it could go.
pub const EXPIRED_SIGN_IN: &str = "not sent: the sign-in link expired before it could go";
/// The longest line a mail may have (RFC 5322 section 2.1.1), its CRLF
/// aside. Header lines are folded at spaces; a word cannot be.
const MAX_LINE: usize = 998;
/// A subject's words are cut into pieces no longer than this, so that each
/// fits a folded line with room to spare.
const MAX_SUBJECT_WORD: usize = 900;

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("cannot build the mail: {0}")]
    Build(String),
    #[error("{0}")]
    Template(String),
    /// The relay's own words; not a source besides, or a chain would
    /// repeat them.
    #[error("SMTP: {0}")]
    Smtp(lettre::transport::smtp::Error),
    #[error("cannot reach the relay {host}:{port}: {message}")]
    Connect {
        host: String,
        port: u16,
        message: String,
    },
    #[error("writing the mail file {0}")]
    File(String),
    #[error("credentials: {0}")]
    Credentials(String),
    /// A secret missing from where the configuration says: a mistake to
    /// mend, reported when the daemon starts.
    #[error("{key}: {problem}: the gateway cannot send mail; fix the configuration (`dtr-gateway check-config`) and start it again")]
    MissingCredential { key: String, problem: String },
    /// A refusal with its reply code, from a transport that is not lettre's
    /// SMTP client (the in-process stub of the sender's tests).
    #[error("refused: {code} {text}")]
    Refused { code: u16, text: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<lettre::transport::smtp::Error> for SendError {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        SendError::Smtp(e)
    }
}

impl SendError {
    /// The relay is throttling this account (Exchange Online's `432 4.3.2`
    /// and its like): the mail waits, and it is not a failure.
    pub fn is_throttling(&self) -> bool {
        let (code, text) = match self {
            SendError::Smtp(e) => (
                e.status().and_then(|c| c.to_string().parse::<u16>().ok()),
                e.to_string(),
            ),
            SendError::Refused { code, text } => (Some(*code), text.clone()),
            _ => return false,
        };
        // 4.3.2 alone is any server "not accepting messages" (a 421 at
        // shutdown): throttling only when the relay says it is a limit.
        let lower = text.to_lowercase();
        let says_limit = ["limit", "throttl", "too many", "exceeded", "rate"]
            .iter()
            .any(|w| lower.contains(w));
        code == Some(432)
            || (code.is_some_and(|c| (400..500).contains(&c))
                && text.contains("4.3.2")
                && says_limit)
    }

    /// Worth trying again later: everything but a permanent refusal and a
    /// mail that cannot be built.
    pub fn is_transient(&self) -> bool {
        match self {
            SendError::Smtp(e) => !e.is_permanent(),
            SendError::Refused { code, .. } => *code < 500,
            SendError::Build(_) | SendError::Template(_) | SendError::MissingCredential { .. } => {
                false
            }
            _ => true,
        }
    }
}

/// Every sending identity's secret is where the configuration says:
/// checked when the daemon starts, so that a password never set is a
/// configuration error then, not a temporary failure at the first mail.
/// The error names the key.
pub fn check_credentials(config: &Config) -> Result<(), SendError> {
    let crate::config::Transport::Smtp(settings) = &config.outgoing.transport else {
        return Ok(());
    };
    let Some((_, credentials)) = &settings.login else {
        return Ok(());
    };
    match crate::secret::missing(credentials) {
        Some((key, problem)) => Err(SendError::MissingCredential {
            key: format!("outgoing.smtp.{key}"),
            problem,
        }),
        None => Ok(()),
    }
}

pub struct Sender {
    pub store: Store,
    pub config: Arc<Config>,
    pub templates: Arc<Templates>,
    /// The time mail is written as sent at, for the dates it names as
    /// passed or still to come; None (the daemon): the moment it goes.
    pub as_of: Option<DateTime<Utc>>,
}

impl Sender {
    /// Sends until shutdown.
    pub async fn run(self, mut shutdown: Shutdown) {
        if let Err(e) = self.store.sender_starting().await {
            tracing::error!(error = %e, "cannot record the sender's health");
        }
        // Rows left `sending` by a crash may or may not have gone: send them
        // again (the one window the design allows).
        if let Err(e) = self.store.requeue_interrupted().await {
            tracing::error!(error = %e, "cannot requeue interrupted mail");
        }
        // One set of routes for the daemon's life: the relays' connections
        // are kept from one wake to the next (checked with NOOP before
        // reuse) rather than opened, with TLS and a login, for every burst.
        let mut routes = None;
        loop {
            if let Err(e) = self.send_batches(&mut routes, &shutdown).await {
                tracing::error!(error = %e, "outbox");
                // A batch cut short by the store (a full disk, a lost
                // connection) leaves rows claimed but not in flight: nothing
                // is in flight between batches, so they go back to the queue.
                if let Err(e) = self.store.requeue_interrupted().await {
                    tracing::error!(error = %e, "cannot requeue interrupted mail");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = self.store.outbox_changed() => {}
                _ = shutdown.wait() => break,
            }
        }
        if let Some(routes) = &routes {
            routes.close().await;
        }
    }

    /// Sends every row that is due, batch by batch, several at a time; stops
    /// between batches when shutdown is requested (what is left is sent at
    /// the next start).
    pub async fn send_due(&self, shutdown: &Shutdown) -> Result<usize, SendError> {
        // One transport for the run: the relay's connections are kept
        // between mails instead of a new TLS session for every mail.
        let mut routes = None;
        let sent = self.send_batches(&mut routes, shutdown).await;
        if let Some(routes) = &routes {
            routes.close().await;
        }
        sent
    }

    /// Counts the mail that left in the last day against `routes`' limits:
    /// the relays count across restarts, and so must the sender.
    async fn count_the_last_day(&self, routes: &Routes) {
        let now = Utc::now();
        match self.store.sent_since(now - chrono::Duration::days(1)).await {
            Ok(sent) => {
                let ahead = routes.remember_sent(&sent, now);
                if ahead > 0 {
                    tracing::warn!(mails = ahead, "mail recorded as sent later than now (was the clock ahead?) is not counted against the relays' daily limits");
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "the last day's mail could not be counted: the relays' daily limits start from nothing")
            }
        }
    }

    /// Sends every row that is due by `routes` (made now if there are none
    /// yet). Mails go in parallel, as many as the
    /// routes allow connections, and more rows are claimed as soon as
    /// there is room rather than when a whole batch is done (a slow mail
    /// holds up no other). Stops claiming when shutdown is requested or the
    /// store fails, and returns once every mail in flight is settled.
    async fn send_batches(
        &self,
        routes: &mut Option<Routes>,
        shutdown: &Shutdown,
    ) -> Result<usize, SendError> {
        use futures::stream::{FuturesUnordered, StreamExt};
        if routes.is_none() {
            let made = Routes::from_config(&self.config).await;
            self.count_the_last_day(&made).await;
            *routes = Some(made);
        }
        let Some(routes) = routes.as_ref() else {
            return Ok(0);
        };
        let room = routes.in_flight();
        let mut sent = 0;
        let mut claimed: std::collections::VecDeque<(OutboxRow, tokio::time::Instant)> =
            std::collections::VecDeque::new();
        let mut in_flight = FuturesUnordered::new();
        let mut exhausted = false;
        let mut failed: Option<SendError> = None;
        loop {
            while failed.is_none() && !shutdown.requested() && in_flight.len() < room {
                if claimed.is_empty() && !exhausted {
                    // The mails in flight are driven while the store is
                    // asked: one of them may hold the write lock, settling,
                    // and the claim waits for it.
                    let claim = self.store.claim_due(Utc::now(), BATCH);
                    tokio::pin!(claim);
                    let claimed_now = loop {
                        tokio::select! {
                            rows = &mut claim => break rows,
                            Some(done) = in_flight.next(), if !in_flight.is_empty() => match done {
                                Ok(went) => sent += usize::from(went),
                                Err(e) => {
                                    failed.get_or_insert(SendError::from(e));
                                }
                            },
                        }
                    };
                    match claimed_now {
                        Ok(rows) if rows.is_empty() => exhausted = true,
                        Ok(rows) => {
                            let at = tokio::time::Instant::now();
                            claimed.extend(rows.into_iter().map(|row| (row, at)));
                        }
                        Err(e) => failed = Some(e.into()),
                    }
                }
                let Some((row, claimed_at)) = claimed.pop_front() else {
                    break;
                };
                in_flight.push(self.deliver_claimed(routes, row, claimed_at, shutdown));
            }
            match in_flight.next().await {
                Some(Ok(went)) => sent += usize::from(went),
                Some(Err(e)) => {
                    failed.get_or_insert(e.into());
                }
                None => break,
            }
        }
        // Rows claimed but not begun go back at once (shutdown, a store
        // that failed): the next run or start sends them.
        if !claimed.is_empty() {
            if let Err(e) = self.store.requeue_interrupted().await {
                tracing::error!(error = %e, "cannot requeue interrupted mail");
            }
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(sent),
        }
    }

    /// Sends one row, renewing the claim on it every third of its time for
    /// as long as the relay takes, so that no other gateway takes it over
    /// while it is on its way.
    async fn send_keeping_claim(&self, route: &Route, row: &OutboxRow) -> Result<(), SendError> {
        let every = (self.store.claim() / 3)
            .to_std()
            .unwrap_or(Duration::from_secs(20))
            .max(Duration::from_secs(1));
        let mut renewal = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        // The wait for a connection and for the minute's room counts as
        // sending: the claim is kept through it.
        let sending = async {
            let transport = match &route.transport {
                Ok(transport) => transport.as_ref(),
                Err(e) => return Err(SendError::Credentials(e.to_string())),
            };
            let _place = route.turn().await;
            self.send_one(transport, row).await
        };
        tokio::pin!(sending);
        loop {
            tokio::select! {
                result = &mut sending => return result,
                _ = renewal.tick() => {
                    match self.store.renew_claim(row.id, Utc::now()).await {
                        Ok(true) => {}
                        Ok(false) => tracing::warn!(outbox = row.id.get(), "the claim on a mail being sent was lost"),
                        Err(e) => tracing::warn!(outbox = row.id.get(), error = %e, "cannot renew the claim on a mail being sent"),
                    }
                }
            }
        }
    }

    /// Sends one row claimed at `claimed_at`; a row claimed within the last
    /// third of the claim's time is still surely this gateway's, and is not
    /// asked about again (a write per mail saved).
    async fn deliver_claimed(
        &self,
        routes: &Routes,
        row: OutboxRow,
        claimed_at: tokio::time::Instant,
        shutdown: &Shutdown,
    ) -> Result<bool, StoreError> {
        let fresh = (self.store.claim() / 3)
            .to_std()
            .is_ok_and(|third| claimed_at.elapsed() < third);
        self.deliver(routes, row, fresh, shutdown).await
    }

    /// Sends one row and records what became of it; true when it went.
    async fn deliver(
        &self,
        routes: &Routes,
        row: OutboxRow,
        fresh: bool,
        shutdown: &Shutdown,
    ) -> Result<bool, StoreError> {
        // A row that waited in the batch past its claim may have been taken
        // by another gateway meanwhile: it is theirs to send, not ours.
        if !fresh && !self.store.renew_claim(row.id, Utc::now()).await? {
            tracing::info!(
                outbox = row.id.get(),
                "mail claimed by another gateway; left to it"
            );
            return Ok(false);
        }
        // A sign-in link held up (a relay down or pausing) until it no
        // longer works is not sent: a late link only confuses.
        if row.purpose == Purpose::SignIn.name()
            && Utc::now() >= row.created_at + crate::web::SIGN_IN_LINK_LIFETIME
        {
            tracing::info!(
                outbox = row.id.get(),
                "sign-in link expired before it could be sent: not sent"
            );
            self.settle(&row, shutdown, || {
                self.store.mark_failed(row.id, EXPIRED_SIGN_IN)
            })
            .await?;
            return Ok(false);
        }
        // Reminders, chases and escalations reach people only in working
        // hours: one held up (by the hourly limit, a relay down) until the
        // evening waits for the next morning. (One the sweep has just
        // queued goes at once: the sweep acts only in working hours.)
        let held_up =
            row.attempts > 1 || row.next_attempt_at > row.created_at + chrono::Duration::minutes(1);
        if held_up && Purpose::from_name(&row.purpose).is_some_and(Purpose::is_follow_up) {
            let deadlines = &self.config.deadlines;
            let calendar = self.config.calendar_for(&row.authority);
            if let Some(until) = crate::core::sweep::next_sending_time(
                Utc::now(),
                deadlines.send_from,
                deadlines.send_until,
                calendar,
            ) {
                tracing::info!(outbox = row.id.get(), purpose = %row.purpose, until = %until, "outside working hours: mail waits");
                self.settle(&row, shutdown, || self.store.postpone(row.id, until))
                    .await?;
                return Ok(false);
            }
        }
        let route = routes.for_authority(&row.authority);
        // A relay that asked for a pause gets it: the mail waits, its
        // attempt not counted.
        let wait = route
            .throttled_until()
            .map(|until| until - tokio::time::Instant::now());
        let recipients = u32::try_from(row.to.len() + row.cc.len()).unwrap_or(u32::MAX);
        if let Some(wait) = wait.or_else(|| route.day_room(recipients)) {
            let until =
                Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
            tracing::info!(outbox = row.id.get(), identity = %route.identity, until = %until, "the relay's limit is reached: mail waits");
            self.settle(&row, shutdown, || self.store.postpone(row.id, until))
                .await?;
            return Ok(false);
        }
        let result = self.send_keeping_claim(route, &row).await;
        self.note_health(route, &result).await;
        let case = row.case_ref.as_deref().unwrap_or("");
        match result {
            Err(e) if e.is_throttling() => {
                // Throttling is the relay keeping to its own limits, not a
                // failure: the mail waits the pause out, uncounted.
                let pause = route.throttled();
                let until =
                    Utc::now() + chrono::Duration::from_std(pause).unwrap_or(chrono::Duration::MAX);
                let shown = without_addresses(&e.to_string());
                tracing::warn!(outbox = row.id.get(), case, identity = %route.identity, error = %shown, until = %until, "the relay is throttling: mail waits");
                self.settle(&row, shutdown, || self.store.postpone(row.id, until))
                    .await?;
                Ok(false)
            }
            Ok(()) => {
                route.went();
                let at = Utc::now();
                self.settle(&row, shutdown, || self.store.mark_sent(row.id, at))
                    .await?;
                // The files transport writes mail; only a relay sends it.
                if matches!(
                    self.config.outgoing.transport,
                    crate::config::Transport::Files(_)
                ) {
                    tracing::info!(outbox = row.id.get(), case = %case, purpose = %row.purpose, "mail written");
                } else {
                    tracing::info!(outbox = row.id.get(), case = %case, purpose = %row.purpose, "mail sent");
                }
                Ok(true)
            }
            Err(e) if e.is_transient() && Utc::now() - row.created_at < GIVE_UP_AFTER => {
                let wait =
                    chrono::Duration::seconds(30 * 2_i64.pow(row.attempts.clamp(0, 7) as u32));
                // A relay's refusal names the recipient: the log names the
                // case, and the row keeps the whole answer for `outbox`.
                let shown = without_addresses(&e.to_string());
                tracing::warn!(outbox = row.id.get(), case = %case, purpose = %row.purpose, error = %shown, "mail not sent; will retry");
                let (error, next) = (e.to_string(), Utc::now() + wait);
                self.settle(&row, shutdown, || {
                    self.store.mark_retry(row.id, &error, next)
                })
                .await?;
                Ok(false)
            }
            Err(e) => {
                let shown = without_addresses(&e.to_string());
                tracing::error!(outbox = row.id.get(), case = %case, purpose = %row.purpose, error = %shown, "mail failed");
                let error = e.to_string();
                self.settle(&row, shutdown, || self.store.mark_failed(row.id, &error))
                    .await?;
                Ok(false)
            }
        }
    }

    /// Records what became of a mail, asking the store again until it
    /// answers: a row left `sending` is not sent before the next start, and
    /// a mail that went would then go twice. Gives up only on shutdown.
    async fn settle<F, Fut>(
        &self,
        row: &OutboxRow,
        shutdown: &Shutdown,
        mut write: F,
    ) -> Result<(), StoreError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<(), StoreError>>,
    {
        let mut pause = Duration::from_secs(1);
        loop {
            match write().await {
                Ok(()) => return Ok(()),
                Err(e) if shutdown.requested() => return Err(e),
                Err(e) => {
                    tracing::error!(outbox = row.id.get(), error = %e, "cannot record what became of the mail; trying again");
                    let mut stop = shutdown.clone();
                    tokio::select! {
                        _ = tokio::time::sleep(pause) => {}
                        _ = stop.wait() => {}
                    }
                    pause = (pause * 2).min(Duration::from_secs(30));
                }
            }
        }
    }

    /// Keeps the sender's health in the store for `status` and /health: a
    /// temporary failure (the relay unreachable, a 4xx) marks the route
    /// failing, the next mail that goes clears it. A permanent refusal is
    /// the mail's own (shown on its case), not the route's.
    async fn note_health(&self, route: &Route, result: &Result<(), SendError>) {
        let written = match result {
            Ok(()) if route.recovered() => {
                tracing::info!(identity = %route.identity, "mail leaves again");
                self.store.sender_recovered(&route.identity).await
            }
            Err(e)
                if e.is_transient() && !e.is_throttling() && !matches!(e, SendError::Store(_)) =>
            {
                route.failed();
                let shown = without_addresses(&e.to_string());
                self.store.sender_failed(&route.identity, &shown).await
            }
            _ => Ok(()),
        };
        if let Err(e) = written {
            tracing::warn!(identity = %route.identity, error = %e, "cannot record the sender's health");
        }
    }

    async fn send_one(
        &self,
        transport: &dyn MailTransport,
        row: &OutboxRow,
    ) -> Result<(), SendError> {
        let purpose = Purpose::from_name(&row.purpose)
            .ok_or_else(|| SendError::Build(format!("unknown purpose {}", row.purpose)))?;
        let authority = self
            .config
            .authorities
            .by_code(&row.authority)
            .ok_or_else(|| SendError::Build(format!("no authority {}", row.authority)))?;
        let case = match row.case_id {
            Some(id) => Some(self.store.mail_case(id).await?),
            None => None,
        };
        let mut data = template_data(
            purpose,
            authority,
            case.as_ref(),
            &row.context,
            &self.config,
            uk_date(self.as_of.unwrap_or_else(Utc::now)),
        );
        // The mail speaks of the forms it carries only when it carries them.
        let (attachments, attached) = form_attachments(purpose, case.as_ref())?;
        data["attached_form"] = attached;
        let rendered = self
            .templates
            .render(purpose, authority.code.as_str(), &data)
            .map_err(|e| SendError::Template(e.to_string()))?;
        let message = build_message(row, authority, purpose, rendered, attachments)?;
        transport
            .send(&Composed {
                message_id: row.message_id.clone(),
                message,
            })
            .await
    }
}

/// A file a mail carries: its name, type and bytes.
type MailAttachment = (String, &'static str, Vec<u8>);

const FORM_FILE: &str = "Duty to Refer referral form";
const PDF: &str = "application/pdf";
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// The form as documents: the blank form as a fillable PDF and a Word
/// document; the incomplete mail's fillable PDF pre-filled with who the
/// person is (name, date of birth, prison number, CRN) and nothing about
/// health, risk or offences, so the referrer completes the rest. With
/// them, what the templates' `attached_form` says of them (null when none).
fn form_attachments(
    purpose: Purpose,
    case: Option<&MailCase>,
) -> Result<(Vec<MailAttachment>, Value), SendError> {
    use crate::documents::write::{blank_form_docx, form_pdf};
    let bad = |e: crate::documents::write::WriteError| SendError::Build(e.to_string());
    match purpose {
        Purpose::BlankForm => Ok((
            vec![
                (format!("{FORM_FILE}.pdf"), PDF, form_pdf(&[]).map_err(bad)?),
                (
                    format!("{FORM_FILE}.docx"),
                    DOCX,
                    blank_form_docx().map_err(bad)?,
                ),
            ],
            json!({ "pdf": true, "word": true, "prefilled": false }),
        )),
        Purpose::Incomplete => {
            let mut identity = Vec::new();
            if let Some(r) = case.map(|c| &c.referral) {
                if let Some(name) = &r.full_name {
                    identity.push((Field::FullName, name.clone()));
                }
                if let Some(born) = r.date_of_birth {
                    identity.push((Field::DateOfBirth, born.format("%d/%m/%Y").to_string()));
                }
                if let Some(number) = &r.prison_number {
                    identity.push((Field::PrisonNumber, number.clone()));
                }
                if let Some(crn) = &r.crn {
                    identity.push((Field::Crn, crn.clone()));
                }
            }
            let prefilled = !identity.is_empty();
            Ok((
                vec![(
                    format!("{FORM_FILE}.pdf"),
                    PDF,
                    form_pdf(&identity).map_err(bad)?,
                )],
                json!({ "pdf": true, "word": false, "prefilled": prefilled }),
            ))
        }
        _ => Ok((Vec::new(), Value::Null)),
    }
}

fn build_message(
    row: &OutboxRow,
    authority: &Authority,
    purpose: Purpose,
    rendered: crate::templates::Rendered,
    attachments: Vec<MailAttachment>,
) -> Result<Message, SendError> {
    let bad = |e: &dyn std::fmt::Display| SendError::Build(e.to_string());
    let inbox: lettre::Address = authority.inbox.as_str().parse().map_err(|e| bad(&e))?;
    let from = Mailbox::new(Some(format!("{} Duty to Refer", authority.name)), inbox);
    let mut builder = Message::builder()
        .from(from.clone())
        .reply_to(from)
        .subject(foldable(&rendered.subject))
        .message_id(Some(row.message_id.clone()));
    for to in &row.to {
        builder = builder.to(to.parse().map_err(|e| bad(&e))?);
    }
    for cc in &row.cc {
        builder = builder.cc(cc.parse().map_err(|e| bad(&e))?);
    }
    // A Message-ID too long for a line of its own (anyone can write one)
    // is left out: the mail goes, unthreaded, rather than malformed.
    let parent = row
        .in_reply_to
        .as_ref()
        .filter(|id| "In-Reply-To: ".len() + id.len() <= MAX_LINE);
    if let Some(parent) = parent {
        builder = builder
            .in_reply_to(parent.clone())
            .references(parent.clone());
    }
    // RFC 3834: answers to a message are auto-replied; notices, auto-generated.
    let auto = match purpose {
        Purpose::Acknowledgement
        | Purpose::Incomplete
        | Purpose::NoConsent
        | Purpose::BlankForm => "auto-replied",
        _ => "auto-generated",
    };
    builder = builder.raw_header(HeaderValue::new(
        HeaderName::new_from_ascii_str("Auto-Submitted"),
        auto.to_string(),
    ));
    let body = MultiPart::alternative_plain_html(rendered.text, rendered.html);
    let message = if attachments.is_empty() {
        builder.multipart(body)
    } else {
        let mut mixed = MultiPart::mixed().multipart(body);
        for (name, content_type, bytes) in attachments {
            let content_type = ContentType::parse(content_type).map_err(|e| bad(&e))?;
            mixed = mixed.singlepart(Attachment::new(name).body(bytes, content_type));
        }
        builder.multipart(mixed)
    }
    .map_err(|e| bad(&e))?;
    check_header_lines(&message)?;
    Ok(message)
}

/// A subject whose words (runs without a space) are at most
/// [`MAX_SUBJECT_WORD`] long: a longer one is cut with spaces, since a
/// header is folded only at spaces. (Words with other than ASCII in them
/// are written as encoded words, which are cut to fit already.)
fn foldable(subject: &str) -> String {
    subject
        .split(' ')
        .map(|word| {
            if word.len() <= MAX_SUBJECT_WORD || !word.is_ascii() {
                return word.to_string();
            }
            word.as_bytes()
                .chunks(MAX_SUBJECT_WORD)
                .filter_map(|piece| std::str::from_utf8(piece).ok())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Refuses a mail with a header line longer than mail may have (an address
/// or a configured name too long to fold): a relay would refuse it or cut
/// it, and the failure is better said here, on the row.
fn check_header_lines(message: &Message) -> Result<(), SendError> {
    let headers = message.headers().to_string();
    let mut name = "";
    for line in headers.split("\r\n") {
        if !line.starts_with([' ', '\t']) {
            name = line.split(':').next().unwrap_or_default();
        }
        if line.len() > MAX_LINE {
            return Err(SendError::Build(format!(
                "its {name} header would have a line of {} characters, over the {MAX_LINE} mail allows",
                line.len()
            )));
        }
    }
    Ok(())
}

/// What the authority now owes under the configured protocol, as dates:
/// none before the clock started (a step whose date had passed then is due
/// the next working day, and says so). A date already gone by `today`, the
/// day the mail is sent (a referral completed after its clock had run a
/// while), is `passed`: the mail says it was due, and promises nothing.
/// The acknowledgement itself is this mail, so it is not listed.
fn deadlines(
    referral: &Referral,
    clock_from: DateTime<Utc>,
    authority: &Authority,
    config: &Config,
    today: NaiveDate,
) -> Vec<Value> {
    let facts = CaseFacts {
        referral_type: referral.referral_type,
        custody_status: referral.custody_status,
        clock_from,
        acknowledged_at: None,
        release_date: referral.expected_release_date,
        application_on: None,
        information_requested_at: None,
    };
    let calendar = config.calendar_for(authority.code.as_str());
    config
        .protocol
        .rules
        .iter()
        // The steps either side owes (Kent's "at least 14 days prior to
        // release" is the referrer's), but not the acknowledgement: this
        // mail, or the notice of it.
        .filter(|r| r.applies(&facts) && r.satisfied_by != Satisfier::Acknowledgement)
        .filter_map(|r| {
            let due = r.due(&facts, calendar)?;
            let passed = due.on < today;
            let by = if passed {
                spoken_date(due.on)
            } else if due.late {
                format!(
                    "{} (the protocol's date had passed when the referral arrived)",
                    spoken_date(due.on)
                )
            } else if due.before_release {
                format!(
                    "{} (the last working day before release)",
                    spoken_date(due.on)
                )
            } else {
                spoken_date(due.on)
            };
            Some(json!({
                "what": r.description,
                "by": by,
                "owed_by": r.owed_by.as_str(),
                "passed": passed,
            }))
        })
        .collect()
}

/// The day the details of a referral whose consent is not confirmed are
/// erased from, if it never is (the retention purge's
/// `unconfirmed_consent_days` after the case opened); None once the person
/// consented.
fn unconfirmed_erasure(
    referral: &Referral,
    opened_at: DateTime<Utc>,
    config: &Config,
) -> Option<NaiveDate> {
    if referral.consent == Some(true) {
        return None;
    }
    let days = chrono::Duration::days(i64::from(config.retention.unconfirmed_consent_days));
    Some(uk_date(opened_at.checked_add_signed(days)?))
}

/// The data contract of the templates (see `templates.rs`), built from the
/// case and the row's context. Referrer-facing mail gets no `fields`.
fn template_data(
    purpose: Purpose,
    authority: &Authority,
    case: Option<&MailCase>,
    context: &Value,
    config: &Config,
    today: NaiveDate,
) -> Value {
    let referral = case.map(|c| c.referral.clone()).unwrap_or_default();
    let received = case.map(|c| c.received_at).unwrap_or_else(Utc::now);
    let received_on = uk_date(received);
    // True reasons only: the release date within 56 days, rough sleeping.
    let urgent_reasons: Vec<String> = match case {
        // A case urgent since consent came later says why as of then.
        Some(c) if c.urgent => crate::core::urgency::urgent_reasons_since(
            &referral,
            received_on,
            &[uk_date(c.clock_from), today],
        ),
        _ => Vec::new(),
    };
    let notes: Vec<String> = match case {
        Some(_) if purpose == Purpose::Notice => {
            let mut notes: Vec<String> = context
                .get("notes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            notes.extend(crate::core::urgency::notes(&referral, received_on));
            notes
        }
        _ => Vec::new(),
    };
    // The form's labels and its words: British dates, Yes and No.
    let fields: Vec<Value> = if purpose == Purpose::Notice {
        referral
            .as_form()
            .into_iter()
            .map(|(field, value)| json!({ "label": field.label(), "value": value }))
            .collect()
    } else {
        Vec::new()
    };
    let list = |key: &str| context.get(key).cloned().unwrap_or_else(|| json!([]));
    let mut data = json!({
        "case_ref": case.map(|c| c.reference.clone()),
        "authority": {
            "name": authority.name,
            "full_name": authority.full_name(),
            "code": authority.code.as_str(),
            "inbox": authority.inbox.as_str(),
            "lead_name": authority.operational_lead.name,
            "lead_email": authority.operational_lead.email.as_str(),
        },
        "protocol": {
            "name": config.protocol.name,
            "dispute_resolution": config.protocol.dispute_resolution,
            "change_of_lead": config.protocol.change_of_lead,
        },
        "received": spoken_time(received),
        "referrer_name": referral.referrer_name,
        // An incomplete referral without the person's consent owes
        // nothing yet: no dates to promise. One consented to runs from
        // its receipt (see `Store::deadline_cases`).
        "deadlines": if case.is_some()
            && (context.get("outcome").and_then(Value::as_str) != Some("incomplete")
                || referral.consent == Some(true))
        {
            deadlines(
                &referral,
                case.map_or(received, |c| c.clock_from),
                authority,
                config,
                today,
            )
        } else {
            Vec::new()
        },
        "urgent": case.is_some_and(|c| c.urgent),
        "consented": referral.consent == Some(true),
        "erased_from": match case {
            Some(c) if purpose == Purpose::Incomplete => {
                unconfirmed_erasure(&referral, c.opened_at, config).map(spoken_date)
            }
            _ => None,
        },
        "urgent_reasons": urgent_reasons,
        "notes": notes,
        "outcome": context.get("outcome").cloned().unwrap_or(Value::Null),
        "missing": list("missing"),
        "invalid": list("invalid"),
        "several_people": context.get("several_people").cloned().unwrap_or(Value::Bool(false)),
        "unread_documents": context.get("unread_documents").cloned().unwrap_or(json!(0)),
        // Mail from before the key existed asks as it always did.
        "asks_dates": context.get("asks_dates").cloned().unwrap_or(Value::Bool(true)),
        "consent_why": context.get("consent_why").cloned().unwrap_or(Value::Null),
        "fields": fields,
        "blank_form": BLANK_FORM,
        "sender": context.get("sender").cloned().unwrap_or(Value::Null),
        "reason": context.get("reason").cloned().unwrap_or(Value::Null),
        "portal": context.get("portal").cloned().unwrap_or(Value::Bool(false)),
        "deadline": deadline_data(context.get("deadline"), config),
        "step": step_data(context.get("step")),
        "history": list("history"),
        "addressee": context.get("addressee").cloned().unwrap_or(Value::Null),
        "lead": lead_data(context.get("lead")),
        "original": original_data(context.get("original")),
        "escalation": escalation_data(context.get("escalation")),
        "further": further_data(context.get("further")),
        "information": keyed(context.get("information"), &["what"]),
        "digest": digest_data(context.get("digest")),
        "failure": failure_data(context.get("failure")),
        "sign_in": keyed(context.get("sign_in"), &["link", "until", "minutes"]),
        // Set by the sender from the documents it attaches.
        "attached_form": Value::Null,
        "unreadable": context.get("unreadable").cloned().unwrap_or(Value::Bool(false)),
        "copy_of": context.get("copy_of").cloned().unwrap_or(Value::Null),
        "quarantined": context.get("quarantined").cloned().unwrap_or(Value::Null),
        "came_back_empty": context.get("came_back_empty").cloned().unwrap_or(Value::Bool(false)),
        "withdrawal": keyed(
            context.get("withdrawal"),
            &["by", "said", "person", "never_given", "holds"],
        ),
    });
    // Apart: the macro above is at its recursion limit. When the clock
    // started later than the referral came (consent confirmed afterwards),
    // the dates count from then.
    if let Value::Object(map) = &mut data {
        let clock_from = case
            .map(|c| c.clock_from)
            .filter(|from| *from > received)
            .map(spoken_time);
        map.insert("clock_from".into(), json!(clock_from));
    }
    // Added here: the macro above is at its recursion limit.
    data["lapse"] = lapse_data(context.get("lapse"), case, config);
    data
}

/// A contact the mail did not reach (contact_failed), every key present.
fn failure_data(queued: Option<&Value>) -> Value {
    if !matches!(queued, Some(Value::Object(_))) {
        return Value::Null;
    }
    let mut failure = keyed(
        queued,
        &[
            "address",
            "others",
            "mail",
            "kind",
            "left",
            "reason",
            "on",
            "vouched",
            "role",
            "advice",
            "replacement",
        ],
    );
    if failure["others"].is_null() {
        failure["others"] = json!([]);
    }
    if failure["left"].is_null() {
        failure["left"] = Value::Bool(false);
    }
    // Queued before reports were told apart: said as before, unmarked.
    if failure["vouched"].is_null() {
        failure["vouched"] = Value::Bool(true);
    }
    if failure["role"].is_null() {
        failure["role"] = json!("a recipient of the mail");
    }
    if failure["advice"].is_null() {
        failure["advice"] = json!(
            "Please check the address with the referrer's team or the contact list (Annex A), \
             correct it, and tell them of the case another way."
        );
    }
    failure
}

/// The digest as queued; one queued before it told of mail that did not
/// arrive tells of none.
fn digest_data(queued: Option<&Value>) -> Value {
    let Some(Value::Object(digest)) = queued else {
        return Value::Null;
    };
    let mut digest = digest.clone();
    digest.entry("undelivered").or_insert_with(|| json!([]));
    digest
        .entry("consent_to_confirm")
        .or_insert_with(|| json!([]));
    if let Some(Value::Array(lines)) = digest.get_mut("undelivered") {
        for line in lines {
            if let Value::Object(line) = line {
                line.entry("vouched").or_insert(Value::Bool(true));
            }
        }
    }
    if let Some(Value::Object(counts)) = digest.get_mut("counts") {
        counts.entry("undelivered").or_insert(json!(0));
        counts.entry("consent_to_confirm").or_insert(json!(0));
    }
    Value::Object(digest)
}

/// The new lead of a case (lead_changed, lead_change_pending), every key
/// present.
fn lead_data(queued: Option<&Value>) -> Value {
    let Some(Value::Object(lead)) = queued else {
        return Value::Null;
    };
    let mut lead = lead.clone();
    for key in [
        "side",
        "name",
        "email",
        "phone",
        "previous_name",
        "claimed_by",
    ] {
        lead.entry(key).or_insert(Value::Null);
    }
    lead.entry("bounced").or_insert(Value::Bool(false));
    lead.entry("first").or_insert(Value::Bool(false));
    Value::Object(lead)
}

/// An object with exactly these keys, each from `queued` or null: the
/// templates are strict, and test the keys, not the object.
fn keyed(queued: Option<&Value>, keys: &[&str]) -> Value {
    let mut out = serde_json::Map::new();
    for key in keys {
        let value = queued
            .and_then(|q| q.get(*key))
            .cloned()
            .unwrap_or(Value::Null);
        out.insert((*key).to_string(), value);
    }
    Value::Object(out)
}

/// The day a lapsed referral's consent was to be confirmed by, and whether
/// the mail answers a late reply (consent_lapsed), every key present. An
/// answer to a late reply names the day as the incomplete mail did: the
/// configured days after the case opened.
fn lapse_data(queued: Option<&Value>, case: Option<&MailCase>, config: &Config) -> Value {
    if !matches!(queued, Some(Value::Object(_))) {
        return Value::Null;
    }
    let mut lapse = keyed(queued, &["by", "late_answer"]);
    if lapse["late_answer"].is_null() {
        lapse["late_answer"] = Value::Bool(false);
    }
    if lapse["by"].is_null() {
        if let Some(case) = case {
            let days = chrono::Duration::days(i64::from(config.retention.unconfirmed_consent_days));
            let by = case
                .opened_at
                .checked_add_signed(days)
                .unwrap_or(case.opened_at);
            lapse["by"] = json!(spoken_date(uk_date(by)));
        }
    }
    lapse
}

/// The referrer's own message: its subject and when it was sent.
fn original_data(queued: Option<&Value>) -> Value {
    keyed(queued, &["subject", "sent", "made"])
}

/// Which follow-up this is. Mail queued before `lead_copied` existed
/// copied the operational lead.
fn step_data(queued: Option<&Value>) -> Value {
    match queued {
        Some(Value::Object(step)) => {
            let mut step = step.clone();
            step.entry("lead_copied").or_insert(Value::Bool(true));
            Value::Object(step)
        }
        _ => Value::Null,
    }
}

/// Who a follow-up's escalation goes to, and when.
fn escalation_data(queued: Option<&Value>) -> Value {
    let mut e = keyed(
        queued,
        &[
            "to",
            "on",
            "none",
            "authority",
            "as_head_of_housing_options",
            "already",
        ],
    );
    for flag in ["as_head_of_housing_options", "already"] {
        if e[flag].is_null() {
            e[flag] = Value::Bool(false);
        }
    }
    e
}

/// A further referral of a person with an open case.
fn further_data(queued: Option<&Value>) -> Value {
    keyed(queued, &["first_case", "agency", "referrer_name"])
}

/// A follow-up's deadline as queued, with what the protocol file says of
/// its rule now: whether it asks the authority to name its lead officer.
/// Worked out when the mail is sent, so that mail queued before this key
/// existed renders too.
fn deadline_data(queued: Option<&Value>, config: &Config) -> Value {
    let Some(Value::Object(deadline)) = queued else {
        return Value::Null;
    };
    let mut deadline = deadline.clone();
    let asks_for_lead = deadline
        .get("id")
        .and_then(Value::as_str)
        .and_then(|id| config.protocol.rules.iter().find(|rule| rule.id == id))
        .is_some_and(|rule| rule.satisfied_by == Satisfier::LeadNamed);
    deadline.insert("asks_for_lead".into(), Value::Bool(asks_for_lead));
    deadline.entry("late").or_insert(Value::Bool(false));
    if !deadline.contains_key("due_short") {
        let short = deadline
            .get("due")
            .and_then(Value::as_str)
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%A %-d %B %Y").ok())
            .map(|d| d.format("%a %-d %b").to_string());
        deadline.insert("due_short".into(), json!(short));
    }
    deadline
        .entry("before_release")
        .or_insert(Value::Bool(false));
    Value::Object(deadline)
}

/// The form referrers copy.
pub const BLANK_FORM: &str = include_str!("../templates/blank-form.txt");
