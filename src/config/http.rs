//! `[http]`: the listener for /health and /metrics.

use super::*;
use serde::Deserialize;

/// The optional HTTP listener (`[http]`) serving /health and /metrics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Http {
    pub listen: std::net::SocketAddr,
    /// /health answers 503 once a folder has been failing for longer.
    pub unhealthy_after: std::time::Duration,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHttp {
    pub(super) listen: String,
    #[serde(default = "default_unhealthy_after_seconds")]
    pub(super) unhealthy_after_seconds: u64,
    #[serde(default)]
    pub(super) allow_remote: bool,
}

pub(super) fn default_unhealthy_after_seconds() -> u64 {
    15 * 60
}

/// `[http]`: a socket address, on loopback unless `allow_remote` says
/// otherwise, since the endpoints show mailbox names and their errors.
pub(super) fn read_http(file: &str, table: toml::Table, problems: &mut Problems) -> Option<Http> {
    let raw: RawHttp = read_table(file, "http", "", table, problems)?;
    let Ok(listen) = raw.listen.trim().parse::<std::net::SocketAddr>() else {
        problems.error(
            file,
            "http.listen",
            format!(
                "`{}` is not a socket address such as 127.0.0.1:9187",
                raw.listen
            ),
        );
        return None;
    };
    // `::ffff:127.0.0.1` is loopback too.
    let loopback = listen.ip().to_canonical().is_loopback();
    if !loopback && !raw.allow_remote {
        problems.error(
            file,
            "http.listen",
            format!(
                "{listen} is not a loopback address, and /health and /metrics show mailbox names \
                 and their errors to whoever asks: listen on 127.0.0.1 or [::1], or set \
                 allow_remote = true to serve other machines"
            ),
        );
        return None;
    }
    if !loopback {
        problems.warn(
            file,
            "http.allow_remote",
            format!("/health and /metrics at {listen} answer other machines without authentication: keep the port behind a firewall"),
        );
    }
    if raw.unhealthy_after_seconds == 0 {
        problems.error(file, "http.unhealthy_after_seconds", "must be at least 1");
        return None;
    }
    Some(Http {
        listen,
        unhealthy_after: std::time::Duration::from_secs(raw.unhealthy_after_seconds),
    })
}
