//! What happened to a case: the kinds of event on its timeline.

use super::stored::{compares_with_text, StoredName};

/// The kind of an event on a case's timeline (`events.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A referral opened the case.
    ReferralReceived,
    /// A further referral of a person with an open case, from another referrer.
    FurtherReferralReceived,
    /// A referral without the person's consent, kept as a refusal.
    ReferralRefusedNoConsent,
    /// The referrer's form received again for the case.
    ReferralAttached,
    /// A later form made an incomplete referral complete.
    ReferralCompleted,
    /// A later form added details, some still missing.
    ReferralDetailsAdded,
    /// The case's referral forwarded to the gateway again.
    ReferralForwarded,
    /// A referral made by another route, recorded by a person.
    RecordedByHand,
    /// A reply in the case's thread.
    ReplyReceived,
    /// An automatic reply (out of office).
    AutoReplyReceived,
    /// A delivery failure report.
    BounceReceived,
    /// An answer that could not be read (encrypted, labelled).
    AnswerUnreadable,
    /// One of the gateway's mails written.
    MailQueued,
    MailSent,
    /// A mail that will not go.
    MailFailed,
    /// A mail that came back undelivered.
    MailBounced,
    /// A mail held back by the hourly limit per recipient.
    MailDeferred,
    /// A mail not sent: a sending limit stopped it.
    MailWithheld,
    ReminderQueued,
    ChaseQueued,
    EscalationQueued,
    /// A follow-up due with no one to send it to.
    ReminderNotSent,
    ChaseNotSent,
    EscalationNotSent,
    /// The last chase a deadline has.
    ChasesEnded,
    /// Reminders, chases and escalations stopped.
    FollowUpsStopped,
    AuthorityResponded,
    ReferrerResponded,
    /// The council's lead officer named for the first time.
    LeadOfficerNamed,
    LeadOfficerChanged,
    /// The probation or prison side's lead changed.
    CaseLeadChanged,
    ReleaseDateChanged,
    /// The homeless application received.
    ApplicationReceived,
    /// The authority asked the referring side for information.
    InformationRequested,
    /// The acknowledgement came back undelivered.
    AcknowledgementReturned,
    /// Something a message asked for that was not done, and why.
    NotApplied,
    CasePaused,
    /// A deadline marked as met by hand.
    DeadlineMet,
    CaseClosed,
    /// The case's message released from quarantine by a person.
    QuarantineReleased,
    /// The case lapsed: its consent was never confirmed; the detail is the period, in days.
    ConsentLapsed,
    /// Where the case's form was read from, and which forms disagreed
    /// (its detail is erased with the case's details).
    FormRead,
    /// A placeholder copy of the referral's message, set aside in
    /// quarantine, settled once a later copy opened the case.
    EarlierCopyReplaced,
    /// The sender's reply to a quarantined message, which arrived before
    /// the message was recorded by hand, joined the case; nothing in it was
    /// applied.
    EarlierReplyJoined,
    /// A message said the person has withdrawn their consent; the council
    /// was asked to confirm it.
    ConsentWithdrawalReported,
    /// The referring side took back a withdrawal of consent it had
    /// written: the council's confirmation of it no longer closes the case.
    ConsentWithdrawalTakenBack,
    /// The council answered its notice of a withdrawal of consent that it
    /// does not stand: the deadlines and follow-ups run again.
    ConsentWithdrawalDeclined,
    /// The person withdrew their consent, as the council confirmed: the
    /// case closed.
    ConsentWithdrawn,
    /// A closed case opened again by a person: its deadlines run again.
    CaseReopened,
}

impl EventKind {
    pub const ALL: [EventKind; 49] = [
        EventKind::ReferralReceived,
        EventKind::FurtherReferralReceived,
        EventKind::ReferralRefusedNoConsent,
        EventKind::ReferralAttached,
        EventKind::ReferralCompleted,
        EventKind::ReferralDetailsAdded,
        EventKind::ReferralForwarded,
        EventKind::RecordedByHand,
        EventKind::ReplyReceived,
        EventKind::AutoReplyReceived,
        EventKind::BounceReceived,
        EventKind::AnswerUnreadable,
        EventKind::MailQueued,
        EventKind::MailSent,
        EventKind::MailFailed,
        EventKind::MailBounced,
        EventKind::MailDeferred,
        EventKind::MailWithheld,
        EventKind::ReminderQueued,
        EventKind::ChaseQueued,
        EventKind::EscalationQueued,
        EventKind::ReminderNotSent,
        EventKind::ChaseNotSent,
        EventKind::EscalationNotSent,
        EventKind::ChasesEnded,
        EventKind::FollowUpsStopped,
        EventKind::AuthorityResponded,
        EventKind::ReferrerResponded,
        EventKind::LeadOfficerNamed,
        EventKind::LeadOfficerChanged,
        EventKind::CaseLeadChanged,
        EventKind::ReleaseDateChanged,
        EventKind::ApplicationReceived,
        EventKind::InformationRequested,
        EventKind::AcknowledgementReturned,
        EventKind::NotApplied,
        EventKind::CasePaused,
        EventKind::DeadlineMet,
        EventKind::CaseClosed,
        EventKind::QuarantineReleased,
        EventKind::ConsentLapsed,
        EventKind::FormRead,
        EventKind::EarlierCopyReplaced,
        EventKind::EarlierReplyJoined,
        EventKind::ConsentWithdrawalReported,
        EventKind::ConsentWithdrawalTakenBack,
        EventKind::ConsentWithdrawalDeclined,
        EventKind::ConsentWithdrawn,
        EventKind::CaseReopened,
    ];

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ReferralReceived => "referral_received",
            EventKind::FurtherReferralReceived => "further_referral_received",
            EventKind::ReferralRefusedNoConsent => "referral_refused_no_consent",
            EventKind::ReferralAttached => "referral_attached",
            EventKind::ReferralCompleted => "referral_completed",
            EventKind::ReferralDetailsAdded => "referral_details_added",
            EventKind::ReferralForwarded => "referral_forwarded",
            EventKind::RecordedByHand => "recorded_by_hand",
            EventKind::ReplyReceived => "reply_received",
            EventKind::AutoReplyReceived => "auto_reply_received",
            EventKind::BounceReceived => "bounce_received",
            EventKind::AnswerUnreadable => "answer_unreadable",
            EventKind::MailQueued => "mail_queued",
            EventKind::MailSent => "mail_sent",
            EventKind::MailFailed => "mail_failed",
            EventKind::MailBounced => "mail_bounced",
            EventKind::MailDeferred => "mail_deferred",
            EventKind::MailWithheld => "mail_withheld",
            EventKind::ReminderQueued => "reminder_queued",
            EventKind::ChaseQueued => "chase_queued",
            EventKind::EscalationQueued => "escalation_queued",
            EventKind::ReminderNotSent => "reminder_not_sent",
            EventKind::ChaseNotSent => "chase_not_sent",
            EventKind::EscalationNotSent => "escalation_not_sent",
            EventKind::ChasesEnded => "chases_ended",
            EventKind::FollowUpsStopped => "follow_ups_stopped",
            EventKind::AuthorityResponded => "authority_responded",
            EventKind::ReferrerResponded => "referrer_responded",
            EventKind::LeadOfficerNamed => "lead_officer_named",
            EventKind::LeadOfficerChanged => "lead_officer_changed",
            EventKind::CaseLeadChanged => "case_lead_changed",
            EventKind::ReleaseDateChanged => "release_date_changed",
            EventKind::ApplicationReceived => "application_received",
            EventKind::InformationRequested => "information_requested",
            EventKind::AcknowledgementReturned => "acknowledgement_returned",
            EventKind::NotApplied => "not_applied",
            EventKind::CasePaused => "case_paused",
            EventKind::DeadlineMet => "deadline_met",
            EventKind::CaseClosed => "case_closed",
            EventKind::QuarantineReleased => "quarantine_released",
            EventKind::ConsentLapsed => "consent_lapsed",
            EventKind::FormRead => "form_read",
            EventKind::EarlierCopyReplaced => "earlier_copy_replaced",
            EventKind::EarlierReplyJoined => "earlier_reply_joined",
            EventKind::ConsentWithdrawalReported => "consent_withdrawal_reported",
            EventKind::ConsentWithdrawalTakenBack => "consent_withdrawal_taken_back",
            EventKind::ConsentWithdrawalDeclined => "consent_withdrawal_declined",
            EventKind::ConsentWithdrawn => "consent_withdrawn",
            EventKind::CaseReopened => "case_reopened",
        }
    }
}

impl StoredName for EventKind {
    const ALL: &'static [EventKind] = &EventKind::ALL;
    fn stored_name(self) -> &'static str {
        self.as_str()
    }
}

compares_with_text!(EventKind);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_kinds_read_back_from_their_stored_names() {
        crate::core::stored::tests::round_trips::<EventKind>("events", "kind");
    }
}
