//! The ways mail leaves: a route per sending identity (`[outgoing.smtp]`,
//! and each `[outgoing.identity.NAME]`), each with its transport, the
//! limits its relay sets (connections at once, mails a minute, recipients
//! a day) and whether it is throttled or failing just now.

use super::relay::Relay;
use super::transport::{Files, MailTransport};
use super::SendError;
use crate::config::{Config, SendLimits, SmtpSettings, Transport};
use crate::store::SentMail;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

/// The name the shared `[outgoing]` identity goes by in `status` and
/// /health.
pub const SHARED: &str = "shared";

/// The first wait after a relay says it is throttling (`432 4.3.2`); each
/// time again doubles it, up to [`LONGEST_THROTTLE`].
const FIRST_THROTTLE: Duration = Duration::from_secs(60);
const LONGEST_THROTTLE: Duration = Duration::from_secs(15 * 60);
const MINUTE: Duration = Duration::from_secs(60);
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// One sending identity.
pub struct Route {
    /// Its name in `status`, /health and the log.
    pub identity: String,
    /// An error when it could not be made (a CA file unreadable): every
    /// mail through it fails, temporarily, with why.
    pub transport: Result<Arc<dyn MailTransport>, SendError>,
    limits: SendLimits,
    /// A place per connection the relay allows at once.
    connections: Semaphore,
    /// When each of the last minute's mails began.
    minute: Mutex<VecDeque<Instant>>,
    /// When each of the last day's mails began, with its recipients; at
    /// start, what the store says left in the last day (the relay's own
    /// count survives a restart, so this must too).
    day: Mutex<VecDeque<(Instant, u32)>>,
    /// Until when the relay asked for a pause, and the next pause's length.
    throttle: Mutex<(Option<Instant>, Duration)>,
    /// Mail has failed to leave through it since the last that went.
    failing: AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // What a panic elsewhere left is still a usable count.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Route {
    pub fn new(
        identity: &str,
        transport: Result<Arc<dyn MailTransport>, SendError>,
        limits: SendLimits,
    ) -> Route {
        Route {
            identity: identity.to_string(),
            transport,
            limits,
            connections: Semaphore::new(limits.max_connections as usize),
            minute: Mutex::new(VecDeque::new()),
            day: Mutex::new(VecDeque::new()),
            throttle: Mutex::new((None, FIRST_THROTTLE)),
            failing: AtomicBool::new(false),
        }
    }

    /// Marks it failing; true when it was not already.
    pub fn failed(&self) -> bool {
        !self.failing.swap(true, Ordering::SeqCst)
    }

    /// Marks it sending again; true when it was failing.
    pub fn recovered(&self) -> bool {
        self.failing.swap(false, Ordering::SeqCst)
    }

    /// Until when the relay asked for a pause, if it has not ended.
    pub fn throttled_until(&self) -> Option<Instant> {
        lock(&self.throttle)
            .0
            .filter(|until| *until > Instant::now())
    }

    /// The relay said it is throttling: no mail goes through it until the
    /// pause is over. Returns how long that is.
    pub fn throttled(&self) -> Duration {
        let mut throttle = lock(&self.throttle);
        let now = Instant::now();
        // Mails in flight when it said so say so too: one pause.
        if let Some(until) = throttle.0.filter(|until| *until > now) {
            return until - now;
        }
        let pause = throttle.1;
        *throttle = (Some(now + pause), (pause * 2).min(LONGEST_THROTTLE));
        pause
    }

    /// A mail went: the next throttling starts from the shortest pause.
    pub fn went(&self) {
        let mut throttle = lock(&self.throttle);
        if throttle.0.is_none_or(|until| until <= Instant::now()) {
            *throttle = (None, FIRST_THROTTLE);
        }
    }

    /// Counts a mail that left `ago` (before this route was made) against
    /// the minute's and the day's limits. Mails are remembered oldest
    /// first.
    pub fn remember(&self, ago: Duration, recipients: u32) {
        let now = Instant::now();
        let Some(at) = now.checked_sub(ago) else {
            return;
        };
        if ago < DAY {
            lock(&self.day).push_back((at, recipients));
        }
        if ago < MINUTE {
            lock(&self.minute).push_back(at);
        }
    }

    /// [`Route::remember`] for a mail that left at `sent_at`, by the wall
    /// clock. A machine up for less than a day cannot place it on its
    /// monotonic clock: it counts as just sent then, which errs on the side
    /// of the relay's limit.
    fn remember_at(&self, sent_at: DateTime<Utc>, now: DateTime<Utc>, recipients: u32) {
        let Ok(ago) = (now - sent_at).to_std() else {
            return;
        };
        if ago >= DAY {
            return;
        }
        if Instant::now().checked_sub(ago).is_some() {
            self.remember(ago, recipients);
        } else {
            self.remember(Duration::ZERO, recipients);
        }
    }

    /// How long until a mail to `recipients` more keeps within the day's
    /// limit; none when it does now (and then it is counted).
    pub fn day_room(&self, recipients: u32) -> Option<Duration> {
        let limit = self.limits.max_recipients_per_day?;
        let now = Instant::now();
        let mut day = lock(&self.day);
        while day.front().is_some_and(|(at, _)| now - *at >= DAY) {
            day.pop_front();
        }
        let mut used: u32 = day.iter().map(|(_, n)| n).sum();
        // A mail to more recipients than the day allows goes alone, on a
        // day with nothing else counted, rather than waiting for ever.
        if used + recipients <= limit || used == 0 {
            day.push_back((now, recipients));
            return None;
        }
        // The day frees up as its first mails turn a day old.
        for (at, n) in day.iter() {
            used -= n;
            if used + recipients <= limit || used == 0 {
                return Some(DAY.saturating_sub(now - *at));
            }
        }
        Some(DAY)
    }

    /// Waits for a connection of its own and for the minute's room; the
    /// place is held while the permit lives.
    pub async fn turn(&self) -> Option<SemaphorePermit<'_>> {
        let permit = self.connections.acquire().await.ok()?;
        if let Some(limit) = self.limits.max_per_minute {
            loop {
                let wait = {
                    let now = Instant::now();
                    let mut minute = lock(&self.minute);
                    while minute.front().is_some_and(|at| now - *at >= MINUTE) {
                        minute.pop_front();
                    }
                    if minute.len() < limit as usize {
                        minute.push_back(now);
                        None
                    } else {
                        minute
                            .front()
                            .map(|first| MINUTE.saturating_sub(now - *first))
                    }
                };
                match wait {
                    None => break,
                    Some(wait) => tokio::time::sleep(wait).await,
                }
            }
        }
        Some(permit)
    }
}

/// Every route, and which authority's mail takes which.
pub struct Routes {
    routes: Vec<Route>,
    /// Authority code to its route; the others take the shared one.
    by_authority: HashMap<String, usize>,
}

impl Routes {
    /// The routes of the configuration, their transports made now (no
    /// connection is opened until a mail goes).
    pub async fn from_config(config: &Config) -> Routes {
        let outgoing = &config.outgoing;
        let shared = match &outgoing.transport {
            Transport::Files(folder) => Route::new(
                SHARED,
                Ok(Arc::new(Files(folder.clone()))),
                SendLimits {
                    max_connections: 4,
                    max_per_minute: None,
                    max_recipients_per_day: None,
                },
            ),
            Transport::Smtp(settings) => Route::new(SHARED, relay(settings).await, settings.limits),
        };
        let mut routes = vec![shared];
        let mut by_authority = HashMap::new();
        for identity in &outgoing.identities {
            for code in &identity.authorities {
                by_authority.insert(code.clone(), routes.len());
            }
            routes.push(Route::new(
                &identity.name,
                relay(&identity.smtp).await,
                identity.smtp.limits,
            ));
        }
        Routes {
            routes,
            by_authority,
        }
    }

    /// One route for every authority's mail.
    #[cfg(test)]
    pub fn single(route: Route) -> Routes {
        Routes {
            routes: vec![route],
            by_authority: HashMap::new(),
        }
    }

    /// Another route, for these authorities' mail.
    #[cfg(test)]
    pub fn with(mut self, route: Route, authorities: &[&str]) -> Routes {
        for code in authorities {
            self.by_authority
                .insert(code.to_string(), self.routes.len());
        }
        self.routes.push(route);
        self
    }

    /// Counts the mail that left in the last day (oldest first, as the
    /// store gives it) against the limits of the routes it left by. Mail
    /// recorded as sent after `now` (the clock was ahead then) is not
    /// counted, or each restart would hold mail back for as long as the
    /// clock was wrong; returns how many were.
    pub fn remember_sent(&self, sent: &[SentMail], now: DateTime<Utc>) -> usize {
        let mut ahead = 0;
        for mail in sent {
            if mail.sent_at > now {
                ahead += 1;
                continue;
            }
            self.for_authority(&mail.authority)
                .remember_at(mail.sent_at, now, mail.recipients);
        }
        ahead
    }

    /// The route an authority's mail leaves by.
    pub fn for_authority(&self, authority: &str) -> &Route {
        let index = self.by_authority.get(authority).copied().unwrap_or(0);
        &self.routes[index.min(self.routes.len() - 1)]
    }

    /// Every route.
    pub fn all(&self) -> impl Iterator<Item = &Route> {
        self.routes.iter()
    }

    /// Mails in flight at once, over every route.
    pub fn in_flight(&self) -> usize {
        self.all()
            .map(|r| r.limits.max_connections as usize)
            .sum::<usize>()
            .max(1)
    }

    /// Lets go of every transport's connections.
    pub async fn close(&self) {
        for route in self.all() {
            if let Ok(transport) = &route.transport {
                transport.close().await;
            }
        }
    }
}

async fn relay(settings: &SmtpSettings) -> Result<Arc<dyn MailTransport>, SendError> {
    Ok(Arc::new(Relay::new(settings).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(limits: SendLimits) -> Route {
        Route::new("t", Err(SendError::Build("none".into())), limits)
    }

    #[test]
    fn a_mail_to_more_recipients_than_the_day_allows_goes_alone() {
        let route = route(SendLimits {
            max_connections: 1,
            max_per_minute: None,
            max_recipients_per_day: Some(2),
        });
        assert_eq!(route.day_room(5), None, "nothing else counted today");
        assert!(route.day_room(1).is_some());
        let fresh = Routes::single(route);
        let again = fresh.for_authority("COL");
        let wait = again.day_room(5).expect("waits");
        assert!(
            wait <= DAY,
            "until the day's mail is a day old, not for ever"
        );
    }

    #[test]
    fn mail_sent_by_a_clock_that_was_ahead_is_not_counted() {
        let limited = route(SendLimits {
            max_connections: 1,
            max_per_minute: None,
            max_recipients_per_day: Some(2),
        });
        let routes = Routes::single(limited);
        let now = Utc::now();
        let sent = |hours: i64| SentMail {
            authority: "COL".into(),
            sent_at: now + chrono::Duration::hours(hours),
            recipients: 1,
        };
        assert_eq!(routes.remember_sent(&[sent(-2), sent(24 * 365)], now), 1);
        let route = routes.for_authority("COL");
        assert_eq!(route.day_room(1), None, "one of two counted: room for one");
        assert!(route.day_room(1).is_some(), "and then the day is full");
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_mails_begin_in_a_minute_than_the_relay_allows() {
        let route = route(SendLimits {
            max_connections: 3,
            max_per_minute: Some(30),
            max_recipients_per_day: None,
        });
        let started = Instant::now();
        for _ in 0..30 {
            drop(route.turn().await);
        }
        assert!(started.elapsed() < Duration::from_secs(1));
        drop(route.turn().await);
        assert!(started.elapsed() >= MINUTE, "the 31st waits a minute");
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_connections_than_allowed_are_open_at_once() {
        let route = route(SendLimits {
            max_connections: 3,
            max_per_minute: None,
            max_recipients_per_day: None,
        });
        let held: Vec<_> = [route.turn().await, route.turn().await, route.turn().await]
            .into_iter()
            .collect();
        let fourth = tokio::time::timeout(Duration::from_secs(5), route.turn()).await;
        assert!(fourth.is_err(), "a fourth waits for a place");
        drop(held);
        assert!(route.turn().await.is_some());
    }

    #[test]
    fn the_days_recipients_are_kept_within_the_limit() {
        let route = route(SendLimits {
            max_connections: 3,
            max_per_minute: None,
            max_recipients_per_day: Some(10),
        });
        assert_eq!(route.day_room(6), None);
        assert_eq!(route.day_room(4), None);
        let wait = route.day_room(1).expect("full");
        assert!(wait > DAY - Duration::from_secs(5), "{wait:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_pauses_grow_and_start_again_after_a_mail_goes() {
        let route = route(EXCHANGE);
        assert!(route.throttled_until().is_none());
        assert_eq!(route.throttled(), FIRST_THROTTLE);
        assert!(route.throttled_until().is_some());
        // Others in flight say the same: still one pause.
        assert_eq!(route.throttled(), FIRST_THROTTLE);
        tokio::time::advance(FIRST_THROTTLE + Duration::from_secs(1)).await;
        assert!(route.throttled_until().is_none());
        assert_eq!(route.throttled(), FIRST_THROTTLE * 2);
        tokio::time::advance(FIRST_THROTTLE * 2 + Duration::from_secs(1)).await;
        route.went();
        assert_eq!(route.throttled(), FIRST_THROTTLE);
    }

    const EXCHANGE: SendLimits = crate::config::EXCHANGE_ONLINE;
}
