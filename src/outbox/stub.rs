//! An in-process transport for the sender's tests: answers each mail as
//! scripted (taken, refused with a reply code, unreachable) and keeps what
//! it took, so that claiming, retrying and settling are tested without a
//! mail server.

use super::{Composed, MailTransport, SendError};
use futures::future::BoxFuture;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// What the stub says to the next mail.
#[derive(Clone, Debug)]
pub(crate) enum Answer {
    Take,
    /// A reply code and its text: 4xx temporary, 5xx permanent.
    Refuse(u16, &'static str),
    /// No connection at all.
    Unreachable,
}

#[derive(Default)]
pub(crate) struct Stub {
    script: Mutex<VecDeque<Answer>>,
    taken: Mutex<Vec<String>>,
    tried: Mutex<Vec<String>>,
    closed: AtomicBool,
}

impl Stub {
    /// A stub that answers the mails in turn as `answers` say, then takes
    /// every mail after them.
    pub(crate) fn answering(answers: &[Answer]) -> Stub {
        Stub {
            script: Mutex::new(answers.iter().cloned().collect()),
            ..Stub::default()
        }
    }

    /// The Message-IDs of the mails taken, in order.
    pub(crate) fn taken(&self) -> Vec<String> {
        self.taken.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// The Message-IDs of every mail handed over, taken or not.
    pub(crate) fn tried(&self) -> Vec<String> {
        self.tried.lock().map(|t| t.clone()).unwrap_or_default()
    }

    pub(crate) fn closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }
}

impl MailTransport for Stub {
    fn send<'a>(&'a self, mail: &'a Composed) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let id = mail.message_id.clone();
            if let Ok(mut tried) = self.tried.lock() {
                tried.push(id.clone());
            }
            let answer = self
                .script
                .lock()
                .ok()
                .and_then(|mut s| s.pop_front())
                .unwrap_or(Answer::Take);
            match answer {
                Answer::Take => {
                    if let Ok(mut taken) = self.taken.lock() {
                        taken.push(id);
                    }
                    Ok(())
                }
                Answer::Refuse(code, text) => Err(SendError::Refused {
                    code,
                    text: text.to_string(),
                }),
                Answer::Unreachable => Err(SendError::Connect {
                    host: "stub".into(),
                    port: 25,
                    message: "connection refused".into(),
                }),
            }
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        self.closed.store(true, Ordering::SeqCst);
        Box::pin(async {})
    }
}
