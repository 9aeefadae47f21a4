//! The ways mail leaves: a route per sending identity, each with its
//! transport and what the sender remembers of it between mails.

use super::relay::Relay;
use super::transport::{Files, MailTransport};
use super::SendError;
use crate::config::{Config, Transport};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The name the shared `[outgoing]` identity goes by in `status` and
/// /health.
pub const SHARED: &str = "shared";

/// One sending identity.
pub struct Route {
    /// Its name in `status`, /health and the log.
    pub identity: String,
    /// None when it could not be made (a CA file unreadable): every mail
    /// through it fails, temporarily, with why.
    pub transport: Result<Arc<dyn MailTransport>, SendError>,
    /// Mail has failed to leave through it since the last that went.
    failing: AtomicBool,
}

impl Route {
    pub fn new(identity: &str, transport: Result<Arc<dyn MailTransport>, SendError>) -> Route {
        Route {
            identity: identity.to_string(),
            transport,
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
}

/// Every route, and which authority's mail takes which.
pub struct Routes {
    shared: Route,
}

impl Routes {
    /// The routes of the configuration, their transports made now (no
    /// connection is opened until a mail goes).
    pub async fn from_config(config: &Config) -> Routes {
        let transport: Result<Arc<dyn MailTransport>, SendError> = match &config.outgoing.transport
        {
            Transport::Files(folder) => Ok(Arc::new(Files(folder.clone()))),
            Transport::Smtp(settings) => match Relay::new(settings).await {
                Ok(relay) => Ok(Arc::new(relay)),
                Err(e) => Err(e),
            },
        };
        Routes::single(Route::new(SHARED, transport))
    }

    /// One route for every authority's mail.
    pub fn single(route: Route) -> Routes {
        Routes { shared: route }
    }

    /// The route an authority's mail leaves by.
    pub fn for_authority(&self, _authority: &str) -> &Route {
        &self.shared
    }

    /// Every route.
    pub fn all(&self) -> impl Iterator<Item = &Route> {
        std::iter::once(&self.shared)
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
