//! What differs between the two databases the store runs on, kept in one
//! room: opening a pool, taking the write lock, the few statements whose SQL
//! is not common, and the types both keep as text or integers.
//!
//! The store's SQL is written once, with `$1`-style placeholders that SQLite
//! and PostgreSQL both read, and runs through sqlx's `Any` driver. `Any`
//! carries only integers, floats, text and bytes, so times and days are
//! stored as fixed-format text in both databases ([`Stamp`], [`Day`]) and
//! yes/no values as 0 or 1 ([`Flag`]); PostgreSQL's text columns are
//! declared `COLLATE "C"` so that text order is time order there too.

use super::StoreError;
use crate::core::ids::{CaseId, OutboxId, StoredMessageId};
use crate::core::stored::StoredName;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyTypeInfo};
use sqlx::decode::Decode;
use sqlx::encode::{Encode, IsNull};
use sqlx::error::BoxDynError;
use sqlx::types::Type;
use sqlx::AnyConnection;
use sqlx::{Any, AnyPool, ConnectOptions, Connection, Database, Transaction};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub(super) type Tx = Transaction<'static, Any>;
pub(super) type DbRow = sqlx::any::AnyRow;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The advisory lock every PostgreSQL write transaction takes first (an
/// arbitrary constant: "dtr" in ASCII).
const WRITE_LOCK: i64 = 0x0064_7472;
/// Each statement of a write transaction sees what was committed before it
/// began, so that once the lock is taken the transaction reads the last
/// holder's work: whatever the server's default isolation, this one.
const POSTGRES_WRITE: &str = "BEGIN ISOLATION LEVEL READ COMMITTED";
/// The class of advisory locks that hold instance names (one per name).
pub(super) const INSTANCE_LOCKS: i32 = 0x0064_7473;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a connection of the pool talks to, for code that has
    /// only the connection (a transaction handed down).
    pub(super) fn of(conn: &AnyConnection) -> Backend {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// A pool on the database at `url`, its schema brought up to date.
pub(super) struct Opened {
    pub pool: AnyPool,
    pub backend: Backend,
    /// The SQLite file; none in memory or on PostgreSQL.
    pub file: Option<PathBuf>,
}

pub(super) async fn open(url: &str) -> Result<Opened, StoreError> {
    sqlx::any::install_default_drivers();
    if url.starts_with("sqlite:") {
        open_sqlite(url).await
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        open_postgres(url).await
    } else {
        Err(StoreError::BadUrl {
            url: shown_url(url),
            message: "expected sqlite:PATH, sqlite::memory: or postgres://USER@HOST/DATABASE"
                .into(),
        })
    }
}

/// The URL with every secret in it blanked (`***`), for errors and logs:
/// the password of `postgres://user:PASSWORD@host/db` (any scheme, and a
/// password holding `@` or `/`), query parameters such as `?password=`
/// and `&sslpassword=`, and the same keys in a `key=value` connection
/// string (`host=db password='...'`), which is refused but still named in
/// the error.
pub fn shown_url(url: &str) -> String {
    let mut secrets: Vec<(usize, usize)> = Vec::new();
    if let Some(at) = url.find("://") {
        let start = at + 3;
        let end = url[start..]
            .find(['?', '#'])
            .map_or(url.len(), |i| start + i);
        // The authority ends at the last `@` before the query: a password
        // may hold `/` or `@` that should have been escaped.
        if let Some(userinfo) = url[start..end].rfind('@').map(|i| &url[start..start + i]) {
            if let Some(colon) = userinfo.find(':') {
                secrets.push((start + colon + 1, start + userinfo.len()));
            }
        }
        if let Some(query) = url[end..].strip_prefix('?') {
            secrets.extend(query_secrets(query, end + 1));
        }
    } else if let Some(mark) = url.find('?') {
        secrets.extend(query_secrets(&url[mark + 1..], mark + 1));
    } else if url.contains('=') {
        secrets.extend(key_value_secrets(url));
    }
    let mut shown = url.to_string();
    secrets.sort_unstable();
    for (start, end) in secrets.into_iter().rev() {
        shown.replace_range(start..end, "***");
    }
    shown
}

/// Whether a connection setting holds a secret: a password (libpq's
/// `password` and `sslpassword`, any spelling with `pass`), a secret or a
/// token. Written `%`-escaped or with `-` and `_`, the same.
fn is_secret_key(key: &str) -> bool {
    let plain: String = percent_decoded(key)
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .collect();
    ["pass", "pwd", "secret", "token"]
        .iter()
        .any(|word| plain.contains(word))
        && plain != "passfile"
}

/// A URL's `%`-escapes decoded (`+` kept), as far as they make text.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match decoded {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The query parameters PostgreSQL's driver reads (sqlx's own list).
const POSTGRES_PARAMETERS: [&str; 18] = [
    "sslmode",
    "ssl-mode",
    "sslrootcert",
    "ssl-root-cert",
    "ssl-ca",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
    "statement-cache-capacity",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "application_name",
    "options",
];

/// Says which query parameters of a PostgreSQL URL the driver ignores, by
/// name only: the driver's own warning gives their values, and a
/// `sslpassword` is a secret (its log is turned down in the binary).
fn warn_of_ignored_parameters(url: &str) {
    let Some((_, query)) = url.split_once('?') else {
        return;
    };
    let query = query.split('#').next().unwrap_or_default();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let key = percent_decoded(pair.split('=').next().unwrap_or_default());
        if !POSTGRES_PARAMETERS.contains(&key.as_str()) && !key.starts_with("options[") {
            tracing::warn!(parameter = %key, "the database URL has a parameter PostgreSQL's driver ignores");
        }
    }
}

/// The value spans of secret parameters in a URL's query (`offset` is where
/// it starts in the URL).
fn query_secrets(query: &str, offset: usize) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut at = offset;
    for pair in query.split(['&', ';']) {
        if let Some((key, value)) = pair.split_once('=') {
            if is_secret_key(key) {
                let start = at + key.len() + 1;
                let value = value.split('#').next().unwrap_or_default();
                spans.push((start, start + value.len()));
            }
        }
        at += pair.len() + 1;
    }
    spans
}

/// The value spans of secret settings in a `key=value` connection string:
/// settings separated by spaces (or `;`), a value in single quotes with `\`
/// escapes, or up to the next space. A quote left open hides the rest.
fn key_value_secrets(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b';') {
            i += 1;
        }
        let key_start = i;
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = &text[key_start..i];
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let value_start = i;
        if bytes.get(i) == Some(&b'\'') {
            i += 1;
            while i < bytes.len() && bytes[i] != b'\'' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(bytes.len());
        } else {
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b';' {
                i += 1;
            }
        }
        if is_secret_key(key) && i > value_start {
            spans.push((value_start, i));
        }
    }
    spans
}

/// Creates an empty store file that only its owner may read or write:
/// it will hold personal data, and SQLite gives its journal and WAL files
/// the database file's permissions. (Under the systemd unit, `UMask=0077`
/// does the same; a store created by hand or in a quick start is not left
/// readable by every user of the machine.) Another process creating it
/// first is no error.
fn create_private(file: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(StoreError::File {
            path: file.display().to_string(),
            error,
        }),
    }
}

async fn open_sqlite(url: &str) -> Result<Opened, StoreError> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    let in_memory = path == ":memory:" || url.contains("mode=memory");
    let file = Path::new(path);
    if !in_memory {
        if let Some(parent) = file.parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|source| StoreError::Folder {
                    path: parent.display().to_string(),
                    error: source,
                })?;
            }
        }
        if !file.exists() {
            // Said aloud: a store created where one was expected (a volume
            // not mounted, a path mistyped) would start case references
            // again from 1 and take the mailboxes afresh.
            tracing::warn!(path = %file.display(), "no case store at this path: creating a new one");
            create_private(file)?;
        }
    }
    // The Any driver reads SQLite's options from the URL alone: the file is
    // created when missing, and the rest is set on each new connection.
    let url = if in_memory || url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    };
    let mut options = AnyPoolOptions::new()
        // An in-memory database lives in one connection.
        .max_connections(if in_memory { 1 } else { 4 })
        .after_connect(move |conn, _| Box::pin(prepare_sqlite(conn, in_memory)));
    if !in_memory {
        options = options
            .test_before_acquire(true)
            .before_acquire(|conn, _| Box::pin(async move { Ok(reusable(conn)) }));
    }
    let connect = connect_options(&url)?;
    // One connection first, outside the pool: a file that is not a
    // database, or cannot be written, is said at once with its reason (the
    // pool would retry it until its timeout, and say only that).
    let mut first = AnyConnection::connect_with(&connect).await?;
    prepare_sqlite(&mut first, in_memory).await?;
    first.close().await?;
    let pool = options.connect_with(connect).await?;
    // Two processes starting at once on a new file race to create the
    // schema (SQLite has no migration lock); the loser finds it done on a
    // second look.
    let mut attempt = 0;
    while let Err(e) = SQLITE_MIGRATIONS.run(&pool).await {
        attempt += 1;
        if attempt >= 5 {
            return Err(e.into());
        }
        tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
    }
    Ok(Opened {
        pool,
        backend: Backend::Sqlite,
        file: (!in_memory).then(|| file.to_path_buf()),
    })
}

/// Statements are logged only when slow, and slow means five seconds: under
/// a burst, writers wait their turn for the write lock for a second or
/// more, which is the design working, not a fault.
fn connect_options(url: &str) -> Result<AnyConnectOptions, StoreError> {
    let options: AnyConnectOptions = url.parse().map_err(|e: sqlx::Error| StoreError::BadUrl {
        url: shown_url(url),
        message: e.to_string(),
    })?;
    Ok(options
        .log_statements(log::LevelFilter::Trace)
        .log_slow_statements(log::LevelFilter::Warn, Duration::from_secs(5)))
}

/// Sets up a new SQLite connection.
async fn prepare_sqlite(conn: &mut AnyConnection, in_memory: bool) -> Result<(), sqlx::Error> {
    const PRAGMAS: [&str; 6] = [
        "PRAGMA foreign_keys = ON",
        "PRAGMA busy_timeout = 30000",
        "PRAGMA journal_mode = WAL",
        // In WAL mode NORMAL skips the fsync at each commit. A power cut can
        // lose the last commits, but the mailbox position goes with them, so
        // those messages are read again: nothing is lost.
        "PRAGMA synchronous = NORMAL",
        // Statement journals in memory, not as files created and deleted for
        // every multi-row statement.
        "PRAGMA temp_store = MEMORY",
        // Deleted and overwritten values are zeroed in the file, not only
        // unlinked: personal details a purge erases, and the copies each
        // earlier update of the row left behind, do not linger in free space.
        "PRAGMA secure_delete = ON",
    ];
    for pragma in PRAGMAS {
        sqlx::query(pragma).execute(&mut *conn).await?;
    }
    if in_memory {
        return Ok(());
    }
    writable(conn).await
}

/// Whether an idle connection of the pool may be used again. A COMMIT that
/// failed (disk full, I/O error) can leave SQLite rolled back while sqlx
/// still counts the transaction open, and every later BEGIN on that
/// connection is refused: it is closed, and another opened instead. (The
/// pool pings first, so a rollback still queued by a dropped transaction has
/// been done.)
fn reusable(conn: &AnyConnection) -> bool {
    !sqlx::Connection::is_in_transaction(conn)
}

/// Refuses a new connection that cannot write. SQLite opens a file (or its
/// WAL) that cannot be written at that moment (a read-only mount, an
/// immutable file) read-only without a word, and such a connection would
/// refuse every write even after the file is writable again. A passive
/// checkpoint, which waits for no one, fails only then.
async fn writable(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    let probe = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .execute(&mut *conn)
        .await;
    match probe {
        Err(sqlx::Error::Database(e))
            if e.code()
                .and_then(|c| c.parse::<i32>().ok())
                .is_some_and(|c| c & 0xff == 8) =>
        {
            Err(sqlx::Error::Database(e))
        }
        _ => Ok(()),
    }
}

async fn open_postgres(url: &str) -> Result<Opened, StoreError> {
    warn_of_ignored_parameters(url);
    let connect = connect_options(url)?;
    // One connection first, outside the pool: a server that is down or
    // refuses the login is said at once with its reason (the pool would
    // retry until its timeout, and say only that).
    AnyConnection::connect_with(&connect).await?.close().await?;
    let pool = AnyPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(connect)
        .await?;
    // sqlx holds an advisory lock while it migrates, so several gateways
    // starting together apply each migration once.
    POSTGRES_MIGRATIONS.run(&pool).await?;
    Ok(Opened {
        pool,
        backend: Backend::Postgres,
        file: None,
    })
}

/// A transaction that holds the store's write lock from its start, so that
/// writers (intakes, sweeps, senders, in every gateway on the store) take
/// turns, and whatever the transaction read stays true until it commits.
/// SQLite has one writer at a time by design; on PostgreSQL the same order
/// comes from one advisory lock, released at commit or rollback.
pub(super) async fn begin_write(pool: &AnyPool, backend: Backend) -> Result<Tx, StoreError> {
    let mut tx = pool.begin_with(begin_writing(backend)).await?;
    lock_writes(&mut tx, backend).await?;
    Ok(tx)
}

/// A read transaction whose statements all see one moment: on SQLite any
/// transaction; on PostgreSQL a repeatable-read one.
pub(super) async fn begin_snapshot(pool: &AnyPool, backend: Backend) -> Result<Tx, StoreError> {
    match backend {
        Backend::Sqlite => Ok(pool.begin().await?),
        Backend::Postgres => Ok(pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await?),
    }
}

/// [`begin_write`] on a connection already taken from the pool.
pub(super) async fn begin_write_on(
    conn: &mut AnyConnection,
    backend: Backend,
) -> Result<Transaction<'_, Any>, StoreError> {
    let mut tx = conn.begin_with(begin_writing(backend)).await?;
    lock_writes(&mut tx, backend).await?;
    Ok(tx)
}

/// How a write transaction begins: on SQLite with the write lock; on
/// PostgreSQL reading committed work (see [`POSTGRES_WRITE`]).
fn begin_writing(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => POSTGRES_WRITE,
    }
}

/// Takes PostgreSQL's write lock, first in the transaction (SQLite's came
/// with `BEGIN IMMEDIATE`).
async fn lock_writes(conn: &mut AnyConnection, backend: Backend) -> Result<(), StoreError> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(WRITE_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A subquery of the ids in a JSON array bound as text at `param`
/// (`[1,2,3]`): one statement for a whole list, without building SQL from
/// values.
pub(super) fn json_ids(backend: Backend, param: &str) -> String {
    match backend {
        Backend::Sqlite => format!("(SELECT value FROM json_each({param}))"),
        Backend::Postgres => {
            format!("(SELECT value::bigint FROM json_array_elements_text({param}::json) AS value)")
        }
    }
}

/// Sets `follow_up_on` from a JSON array bound as text at `$1`, of
/// `{"id", "rev", "day"}` objects: for each case still at that revision.
pub(super) fn set_follow_up_days(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "UPDATE cases SET follow_up_on = json_extract(u.value, '$.day') \
             FROM json_each($1) AS u WHERE cases.id = json_extract(u.value, '$.id') \
             AND cases.revision = json_extract(u.value, '$.rev')"
        }
        Backend::Postgres => {
            "UPDATE cases SET follow_up_on = u.day \
             FROM json_to_recordset($1::json) AS u(id bigint, rev bigint, day text) \
             WHERE cases.id = u.id AND cases.revision = u.rev"
        }
    }
}

/// [`json_ids`] for a JSON array of strings.
pub(super) fn json_texts(backend: Backend, param: &str) -> String {
    match backend {
        Backend::Sqlite => format!("(SELECT value FROM json_each({param}))"),
        Backend::Postgres => {
            format!("(SELECT value FROM json_array_elements_text({param}::json) AS value)")
        }
    }
}

/// A point in time, stored as RFC 3339 text in UTC (`2026-12-02T15:04:05.5+00:00`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp(pub DateTime<Utc>);

/// A calendar day, stored as `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day(pub NaiveDate);

/// A yes or no, stored as 1 or 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag(pub bool);

impl Stamp {
    fn text(&self) -> String {
        // The format sqlx's SQLite driver has always written: fraction
        // digits only as needed, and `+00:00`. Text order is time order.
        self.0.to_rfc3339_opts(SecondsFormat::AutoSi, false)
    }

    fn parse(text: &str) -> Result<Stamp, BoxDynError> {
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Ok(Stamp(t.with_timezone(&Utc)));
        }
        // `2026-12-02 15:04:05+00:00` (a space for the T) reads the same.
        let t = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z")?;
        Ok(Stamp(t.with_timezone(&Utc)))
    }
}

impl From<DateTime<Utc>> for Stamp {
    fn from(t: DateTime<Utc>) -> Stamp {
        Stamp(t)
    }
}

impl From<NaiveDate> for Day {
    fn from(d: NaiveDate) -> Day {
        Day(d)
    }
}

/// Implements the `Any` driver's traits for a type stored as text.
macro_rules! stored_as_text {
    ($type:ty, $to_text:expr, $from_text:expr) => {
        impl Type<Any> for $type {
            fn type_info() -> AnyTypeInfo {
                <String as Type<Any>>::type_info()
            }
            fn compatible(ty: &AnyTypeInfo) -> bool {
                <String as Type<Any>>::compatible(ty)
            }
        }

        impl Encode<'_, Any> for $type {
            fn encode_by_ref(
                &self,
                buf: &mut <Any as Database>::ArgumentBuffer,
            ) -> Result<IsNull, BoxDynError> {
                let text: String = $to_text(self);
                <String as Encode<Any>>::encode(text, buf)
            }
        }

        impl<'r> Decode<'r, Any> for $type {
            fn decode(value: <Any as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <&str as Decode<Any>>::decode(value)?;
                $from_text(text)
            }
        }
    };
}

stored_as_text!(Stamp, Stamp::text, Stamp::parse);
stored_as_text!(
    Day,
    |d: &Day| d.0.format("%Y-%m-%d").to_string(),
    |t: &str| -> Result<Day, BoxDynError> { Ok(Day(NaiveDate::parse_from_str(t, "%Y-%m-%d")?)) }
);

impl Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <i64 as Type<Any>>::type_info()
    }
    fn compatible(ty: &AnyTypeInfo) -> bool {
        <i64 as Type<Any>>::compatible(ty)
    }
}

impl Encode<'_, Any> for Flag {
    fn encode_by_ref(
        &self,
        buf: &mut <Any as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<Any>>::encode(i64::from(self.0), buf)
    }
}

impl<'r> Decode<'r, Any> for Flag {
    fn decode(value: <Any as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Flag(<i64 as Decode<Any>>::decode(value)? != 0))
    }
}

/// Implements the `Any` driver's traits for a record's id, stored as its
/// integer on both databases.
macro_rules! stored_as_integer {
    ($($type:ty),+) => {$(
        impl Type<Any> for $type {
            fn type_info() -> AnyTypeInfo {
                <i64 as Type<Any>>::type_info()
            }
            fn compatible(ty: &AnyTypeInfo) -> bool {
                <i64 as Type<Any>>::compatible(ty)
            }
        }

        impl Encode<'_, Any> for $type {
            fn encode_by_ref(
                &self,
                buf: &mut <Any as Database>::ArgumentBuffer,
            ) -> Result<IsNull, BoxDynError> {
                <i64 as Encode<Any>>::encode(self.get(), buf)
            }
        }

        impl<'r> Decode<'r, Any> for $type {
            fn decode(value: <Any as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                Ok(<$type>::new(<i64 as Decode<Any>>::decode(value)?))
            }
        }
    )+};
}

stored_as_integer!(CaseId, OutboxId, StoredMessageId);

/// Reading the stored types back as the domain's own.
pub(super) trait StoredRow {
    fn time(&self, column: &str) -> DateTime<Utc>;
    fn time_opt(&self, column: &str) -> Option<DateTime<Utc>>;
    fn day_opt(&self, column: &str) -> Option<NaiveDate>;
    fn flag(&self, column: &str) -> bool;
    /// One of a closed set of values, read from `table`.`column`.
    fn named<T: StoredName>(
        &self,
        table: &'static str,
        column: &'static str,
    ) -> Result<T, StoreError>;
    /// [`StoredRow::named`] for a column that may be NULL.
    fn named_opt<T: StoredName>(
        &self,
        table: &'static str,
        column: &'static str,
    ) -> Result<Option<T>, StoreError>;
}

impl StoredRow for DbRow {
    fn time(&self, column: &str) -> DateTime<Utc> {
        sqlx::Row::get::<Stamp, _>(self, column).0
    }
    fn time_opt(&self, column: &str) -> Option<DateTime<Utc>> {
        sqlx::Row::get::<Option<Stamp>, _>(self, column).map(|t| t.0)
    }
    fn day_opt(&self, column: &str) -> Option<NaiveDate> {
        sqlx::Row::get::<Option<Day>, _>(self, column).map(|d| d.0)
    }
    fn flag(&self, column: &str) -> bool {
        sqlx::Row::get::<Flag, _>(self, column).0
    }
    fn named<T: StoredName>(
        &self,
        table: &'static str,
        column: &'static str,
    ) -> Result<T, StoreError> {
        let text: &str = sqlx::Row::try_get(self, column)?;
        Ok(T::from_stored(table, column, text)?)
    }
    fn named_opt<T: StoredName>(
        &self,
        table: &'static str,
        column: &'static str,
    ) -> Result<Option<T>, StoreError> {
        let text: Option<&str> = sqlx::Row::try_get(self, column)?;
        Ok(text.map(|t| T::from_stored(table, column, t)).transpose()?)
    }
}

/// `$2, $3, ...`: `count` numbered placeholders from `$first`, for an
/// `IN (...)` list whose length is known only when asked.
pub(super) fn numbered_places(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_keep_the_format_sqlite_stores_have() {
        let t = DateTime::parse_from_rfc3339("2026-12-02T15:04:05.5Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("time");
        assert_eq!(Stamp(t).text(), "2026-12-02T15:04:05.500+00:00");
        assert_eq!(
            Stamp::parse("2026-12-02T15:04:05.500+00:00").ok(),
            Some(Stamp(t))
        );
        assert_eq!(
            Stamp::parse("2026-12-02 15:04:05.5+00:00").ok(),
            Some(Stamp(t))
        );
    }

    #[test]
    fn passwords_are_blanked_in_shown_urls() {
        for (url, shown) in [
            (
                "postgres://gw:s3cret@db.internal:5432/dtr",
                "postgres://gw:***@db.internal:5432/dtr",
            ),
            (
                "postgresql://gw:s3cret@db.internal/dtr",
                "postgresql://gw:***@db.internal/dtr",
            ),
            // A password holding characters that should have been escaped.
            (
                "postgres://gw:s3c/r@t:x@db.internal/dtr",
                "postgres://gw:***@db.internal/dtr",
            ),
            (
                "postgres://gw@db.internal/dtr?sslmode=require&password=s3cret",
                "postgres://gw@db.internal/dtr?sslmode=require&password=***",
            ),
            (
                "postgres:///dtr?user=gw&PASSWORD=s3cret&sslpassword=k3y&application_name=x",
                "postgres:///dtr?user=gw&PASSWORD=***&sslpassword=***&application_name=x",
            ),
            (
                "postgres://gw:a@db/dtr?pass%77ord=b&ssl_password=c#d",
                "postgres://gw:***@db/dtr?pass%77ord=***&ssl_password=***#d",
            ),
            (
                "host=db.internal user=gw password=s3cret dbname=dtr",
                "host=db.internal user=gw password=*** dbname=dtr",
            ),
            (
                "host=db password = 's3 cr\\'et' sslpassword=k3y port=5432",
                "host=db password = *** sslpassword=*** port=5432",
            ),
            ("password='never closed", "password=***"),
            (
                "Server=db;User Id=gw;Password=s3cret;",
                "Server=db;User Id=gw;Password=***;",
            ),
            (
                "sqlite:data/cases.db?mode=rwc",
                "sqlite:data/cases.db?mode=rwc",
            ),
        ] {
            assert_eq!(shown_url(url), shown, "{url}");
        }
        for kept in [
            "postgres://gw@127.0.0.1/dtr",
            "sqlite:data/cases.db",
            "sqlite://data/a@b.db",
            "sqlite::memory:",
        ] {
            assert_eq!(shown_url(kept), kept);
        }
    }
}
