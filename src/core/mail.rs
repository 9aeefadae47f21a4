//! What the gateway writes mail for.

/// The purpose of a mail the gateway sends; each has its templates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Purpose {
    /// To the referrer: received, with the reference and the deadlines.
    Acknowledgement,
    /// To the referrer: which fields are missing or unreadable.
    Incomplete,
    /// To the referrer: not accepted without consent.
    NoConsent,
    /// To whoever asked: the blank form.
    BlankForm,
    /// To the authority: a new referral.
    Notice,
    /// To the authority: a message set aside for a person.
    QuarantineNotice,
    /// To whoever owes a deadline: it falls on the next working day.
    Reminder,
    /// To the operational lead (or the referrer): a deadline has passed.
    Chase,
    /// To the dispute-resolution contact: a deadline is still unmet.
    Escalation,
    /// To the other side: a case's named lead officer has changed.
    LeadChanged,
    /// To the current case lead (or, when that bounces, the authority):
    /// someone else says the case lead has changed; one reply confirms it.
    LeadChangePending,
    /// To the authority: an answer of its own in a case's thread could not
    /// be read (encrypted, or protected by a sensitivity label).
    UnreadableAnswer,
    /// To the referring side: the authority asks for information
    /// (commitment 16), in its own words.
    InformationRequested,
    /// To the authority's inbox, on working days: what came in, what is
    /// due and what waits for it. References and dates only.
    Digest,
    /// To the authority's inbox: one of the gateway's mails failed for good
    /// (a bounce, a block, a leaver's automatic reply); the contact to
    /// correct, the case and the mail.
    ContactFailed,
    /// To an officer or coordinator who asked for it: a one-time link to
    /// sign in to the web view.
    SignIn,
    /// To the authority: a message in a case's thread says the person has
    /// withdrawn their consent; one reply confirms it.
    ConsentWithdrawn,
    /// To the referring side: the council confirmed the withdrawal of
    /// consent, and the referral is closed (or refused).
    WithdrawalConfirmed,
    /// To the referrer: a referral whose consent was never confirmed has
    /// lapsed and its details are deleted; a new referral is needed. Sent
    /// when it lapses, and in answer to consent that comes after.
    ConsentLapsed,
    /// To the referring side: a referral they were told had closed (a
    /// withdrawal of consent the council confirmed) is open again.
    CaseReopened,
}

impl Purpose {
    pub const ALL: [Purpose; 20] = [
        Purpose::Acknowledgement,
        Purpose::Incomplete,
        Purpose::NoConsent,
        Purpose::BlankForm,
        Purpose::Notice,
        Purpose::QuarantineNotice,
        Purpose::Reminder,
        Purpose::Chase,
        Purpose::Escalation,
        Purpose::LeadChanged,
        Purpose::LeadChangePending,
        Purpose::UnreadableAnswer,
        Purpose::InformationRequested,
        Purpose::Digest,
        Purpose::ContactFailed,
        Purpose::SignIn,
        Purpose::ConsentWithdrawn,
        Purpose::WithdrawalConfirmed,
        Purpose::ConsentLapsed,
        Purpose::CaseReopened,
    ];

    /// The mail that asks something for a case (what is missing, a lead
    /// officer, a response) or asks about its leads: not sent once the case
    /// has closed or lapsed, since nothing it asks is owed any more.
    pub const ASKING: [Purpose; 7] = [
        Purpose::Incomplete,
        Purpose::Reminder,
        Purpose::Chase,
        Purpose::Escalation,
        Purpose::InformationRequested,
        Purpose::LeadChangePending,
        Purpose::LeadChanged,
    ];

    /// The templates' file stem and the outbox's `purpose`.
    pub fn name(self) -> &'static str {
        match self {
            Purpose::Acknowledgement => "acknowledgement",
            Purpose::Incomplete => "incomplete",
            Purpose::NoConsent => "no_consent",
            Purpose::BlankForm => "blank_form",
            Purpose::Notice => "notice",
            Purpose::QuarantineNotice => "quarantine_notice",
            Purpose::Reminder => "reminder",
            Purpose::Chase => "chase",
            Purpose::Escalation => "escalation",
            Purpose::LeadChanged => "lead_changed",
            Purpose::LeadChangePending => "lead_change_pending",
            Purpose::UnreadableAnswer => "unreadable_answer",
            Purpose::InformationRequested => "information_requested",
            Purpose::Digest => "digest",
            Purpose::ContactFailed => "contact_failed",
            Purpose::SignIn => "sign_in",
            Purpose::ConsentWithdrawn => "consent_withdrawn",
            Purpose::WithdrawalConfirmed => "withdrawal_confirmed",
            Purpose::ConsentLapsed => "consent_lapsed",
            Purpose::CaseReopened => "case_reopened",
        }
    }

    /// The mail as a sentence names it: `the chase`.
    pub fn in_words(self) -> &'static str {
        match self {
            Purpose::Acknowledgement => "the acknowledgement",
            Purpose::Incomplete => "the request for the missing details",
            Purpose::NoConsent => "the answer to a referral without consent",
            Purpose::BlankForm => "the blank referral form",
            Purpose::Notice => "the notice of the referral",
            Purpose::QuarantineNotice => "the notice of a message set aside",
            Purpose::Reminder => "the reminder",
            Purpose::Chase => "the chase",
            Purpose::Escalation => "the escalation",
            Purpose::LeadChanged => "the notice of a new lead officer",
            Purpose::LeadChangePending => "the question about a change of case lead",
            Purpose::UnreadableAnswer => "the notice of an answer that could not be read",
            Purpose::InformationRequested => "the request for information",
            Purpose::Digest => "the morning digest",
            Purpose::ContactFailed => "the notice of mail that did not arrive",
            Purpose::SignIn => "the sign-in link",
            Purpose::ConsentWithdrawn => "the question about consent withdrawn",
            Purpose::WithdrawalConfirmed => "the notice that the referral is closed",
            Purpose::ConsentLapsed => "the notice that the referral lapsed",
            Purpose::CaseReopened => "the notice that the referral is open again",
        }
    }

    /// Does this mail answer to a clock: an answer a referrer waits for, a
    /// reminder, chase or escalation of a deadline, a lead change to
    /// confirm? The sender sends these before notes to the authority (a new
    /// referral's notice, a message set aside, a lead changed, an answer it
    /// could not read), which matter but wait for no deadline.
    pub fn is_time_bound(self) -> bool {
        !matches!(
            self,
            Purpose::Notice
                | Purpose::QuarantineNotice
                | Purpose::LeadChanged
                | Purpose::UnreadableAnswer
                | Purpose::ContactFailed
                | Purpose::ConsentWithdrawn
        )
    }

    pub fn from_name(name: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Does this mail carry the person's details (health, risk)? Only the
    /// authority's own notices do. Everything else is read outside the
    /// authority or by people who need only the case reference and the
    /// dates: referrers, senior managers, whoever is chased.
    pub fn shows_person_details(self) -> bool {
        matches!(
            self,
            Purpose::Notice
                | Purpose::QuarantineNotice
                | Purpose::UnreadableAnswer
                | Purpose::ConsentWithdrawn
        )
    }

    /// An answer that a correspondent's automatic mail could draw again and
    /// again (an auto-responder quoting it back): what the daily limit per
    /// address counts and stops. An acknowledgement is not among them:
    /// each is for a case of its own, once.
    pub fn may_loop(self) -> bool {
        matches!(
            self,
            Purpose::Incomplete
                | Purpose::NoConsent
                | Purpose::BlankForm
                | Purpose::LeadChangePending
        )
    }

    /// Mail the deadline sweep writes, rather than an answer to a message.
    pub fn is_follow_up(self) -> bool {
        matches!(
            self,
            Purpose::Reminder | Purpose::Chase | Purpose::Escalation
        )
    }
}

impl std::fmt::Display for Purpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
