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
}

impl Purpose {
    pub const ALL: [Purpose; 6] = [
        Purpose::Acknowledgement,
        Purpose::Incomplete,
        Purpose::NoConsent,
        Purpose::BlankForm,
        Purpose::Notice,
        Purpose::QuarantineNotice,
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
        }
    }

    pub fn from_name(name: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Is this mail read outside the authority? Such mail never sees the
    /// person's details.
    pub fn for_referrer(self) -> bool {
        matches!(
            self,
            Purpose::Acknowledgement
                | Purpose::Incomplete
                | Purpose::NoConsent
                | Purpose::BlankForm
        )
    }
}

impl std::fmt::Display for Purpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
