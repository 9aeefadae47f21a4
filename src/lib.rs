//! dtr-gateway: records Duty to Refer referrals that arrive by email, tracks
//! them as cases, and keeps the protocol's promises about answering them.

pub mod bench;
pub mod case_list;
pub mod case_view;
pub mod config;
pub mod core;
pub mod daemon;
pub mod digest;
pub mod documents;
pub mod html;
pub mod http;
pub mod intake;
pub mod message;
pub mod net;
pub mod oauth;
pub mod outbox;
pub mod retention;
pub mod secret;
pub mod shutdown;
pub mod source;
pub mod store;
pub mod sweep;
pub mod templates;
pub mod terminal;
pub mod web;
