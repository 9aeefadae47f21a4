//! Who sent a message, as the receiving organisation judged it. Anyone may
//! write to an inbox and put any address in `From`; only the receiving
//! server's checks (SPF, DKIM, DMARC, as its `Authentication-Results`
//! header reports them, RFC 8601) or the organisation's own marks on mail
//! sent inside it say whether that address is the sender's. Pure: header
//! values in, a verdict out.

use super::address::EmailAddress;

/// Whose `Authentication-Results` header counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResultsFrom {
    /// The topmost header: each server writes its own above those already
    /// there, so the receiving server's own is the first.
    Topmost,
    /// The topmost header whose authserv-id is this one (RFC 8601 §5); every
    /// other is ignored, wherever it stands.
    AuthservId(String),
    /// Exchange Online, which writes its header with no authserv-id
    /// (`spf=pass (sender IP is …) smtp.mailfrom=…; dkim=…; dmarc=…;
    /// compauth=pass reason=100`): the topmost header, in that shape.
    Exchange,
    /// None: the mail source adds no verdict of its own (a Maildir fed by
    /// a server that writes none), so any header there is the sender's.
    Ignored,
}

/// The receiving organisation's marks on mail sent inside it, which it
/// strips from mail arriving from outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InternalMarks {
    /// None are believed.
    None,
    /// Microsoft 365: `X-MS-Exchange-Organization-AuthAs: Internal`.
    Exchange,
    /// Google Workspace: Google's own `mx.google.com` results, which for
    /// mail sent inside the organisation show its DKIM signature.
    Google,
}

/// How one mailbox's mail is judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SenderTrust {
    pub results: ResultsFrom,
    pub internal: InternalMarks,
    /// Mail that carries no verdict at all (a Maildir, a server that adds
    /// no `Authentication-Results`) may change a case. Off by default.
    pub trust_unauthenticated: bool,
    /// Folders holding the mailbox's own sent mail: what is there was sent
    /// by the authority.
    pub sent_folders: Vec<String>,
}

impl Default for SenderTrust {
    fn default() -> Self {
        SenderTrust {
            results: ResultsFrom::Topmost,
            internal: InternalMarks::None,
            trust_unauthenticated: false,
            sent_folders: default_sent_folders(),
        }
    }
}

/// The names mail programs give a Sent folder.
pub fn default_sent_folders() -> Vec<String> {
    [
        "Sent",
        "Sent Items",
        "Sent Messages",
        "Sent Mail",
        "[Gmail]/Sent Mail",
    ]
    .map(str::to_string)
    .to_vec()
}

impl SenderTrust {
    pub fn is_sent_folder(&self, folder: &str) -> bool {
        self.sent_folders
            .iter()
            .any(|f| f.eq_ignore_ascii_case(folder.trim()))
    }
}

/// The headers a verdict is drawn from, in the order they stand (topmost
/// first).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SenderHeaders {
    pub authentication_results: Vec<String>,
    /// `X-MS-Exchange-Organization-AuthAs`, the first one.
    pub exchange_auth_as: Option<String>,
}

/// What the gateway may believe about a message's `From`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The receiving server vouches for the From domain: DMARC pass, or an
    /// SPF or DKIM pass aligned with it.
    Authenticated(String),
    /// Sent inside the receiving organisation, or found in the mailbox's
    /// own Sent folder.
    Internal(String),
    /// The checks ran and did not vouch for the sender (or failed). `forged`
    /// when SPF and DMARC both failed and no DKIM signature passed, which is
    /// what a forged sender looks like.
    NotAuthenticated { reason: String, forged: bool },
    /// No result the gateway may believe: no header from the receiving
    /// server.
    NoVerdict(String),
}

impl Verdict {
    /// May this message change a case (name a lead, meet a deadline...)?
    pub fn may_change_state(&self, trust: &SenderTrust) -> bool {
        match self {
            Verdict::Authenticated(_) | Verdict::Internal(_) => true,
            Verdict::NotAuthenticated { .. } => false,
            Verdict::NoVerdict(_) => trust.trust_unauthenticated,
        }
    }

    /// A forged sender: set aside whatever it says.
    pub fn forgery(&self) -> Option<&str> {
        match self {
            Verdict::NotAuthenticated {
                reason,
                forged: true,
            } => Some(reason),
            _ => None,
        }
    }

    /// One word for the store and `status`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Authenticated(_) => "authenticated",
            Verdict::Internal(_) => "internal",
            Verdict::NotAuthenticated { forged: true, .. } => "forged",
            Verdict::NotAuthenticated { .. } => "not_authenticated",
            Verdict::NoVerdict(_) => "no_verdict",
        }
    }

    /// Why, in words.
    pub fn reason(&self) -> &str {
        match self {
            Verdict::Authenticated(r)
            | Verdict::Internal(r)
            | Verdict::NoVerdict(r)
            | Verdict::NotAuthenticated { reason: r, .. } => r,
        }
    }
}

/// Judges the sender of a message found in `folder` of a mailbox with this
/// trust.
pub fn judge(
    from: Option<&EmailAddress>,
    headers: &SenderHeaders,
    trust: &SenderTrust,
    folder: &str,
) -> Verdict {
    if trust.is_sent_folder(folder) {
        return Verdict::Internal(format!("found in the mailbox's {folder} folder"));
    }
    let Some(from) = from else {
        return Verdict::NoVerdict("the message has no From address".into());
    };
    let from_domain = from.domain();
    if trust.internal == InternalMarks::Exchange
        && headers
            .exchange_auth_as
            .as_deref()
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("internal"))
    {
        return Verdict::Internal("sent inside the organisation (Exchange)".into());
    }
    let chosen: Option<AuthResults> = match &trust.results {
        ResultsFrom::Topmost => headers
            .authentication_results
            .first()
            .map(|h| AuthResults::parse(h)),
        ResultsFrom::AuthservId(id) => headers
            .authentication_results
            .iter()
            .map(|h| AuthResults::parse(h))
            .find(|r| r.authserv_id.as_deref() == Some(id.as_str())),
        ResultsFrom::Exchange => headers
            .authentication_results
            .first()
            .map(|h| AuthResults::parse(h))
            .filter(|r| r.authserv_id.is_none()),
        ResultsFrom::Ignored => None,
    };
    if trust.internal == InternalMarks::Google {
        // Google's own results, in the header it puts on top: for mail sent
        // inside the organisation they show its DKIM signature. (Never an
        // ARC-Authentication-Results header: a sender can write one, and
        // nothing here can tell it from Google's.)
        let google = headers
            .authentication_results
            .first()
            .map(|h| AuthResults::parse(h))
            .filter(|r| r.authserv_id.as_deref() == Some("mx.google.com"));
        if let Some(google) = google {
            if google.dkim_aligned(&from_domain) && google.result("dmarc") != Some("fail") {
                return Verdict::Internal(
                    "signed by the organisation, as Google checked it".into(),
                );
            }
        }
    }
    let Some(results) = chosen else {
        let which = match &trust.results {
            ResultsFrom::Topmost => "no Authentication-Results header".to_string(),
            ResultsFrom::AuthservId(id) => format!("no Authentication-Results header from {id}"),
            ResultsFrom::Exchange => {
                "no Authentication-Results header in Exchange Online's form on top".to_string()
            }
            ResultsFrom::Ignored => {
                "no receiving server's verdict is read for this mailbox".to_string()
            }
        };
        return Verdict::NoVerdict(which);
    };
    results.verdict(&from_domain)
}

/// One `Authentication-Results` header (RFC 8601), read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthResults {
    /// The server that checked; Exchange Online names none.
    pub authserv_id: Option<String>,
    pub results: Vec<MethodResult>,
}

/// `dkim=pass header.d=example.org header.s=sel`: a method, its result and
/// its properties, lower-cased (values keep their case).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MethodResult {
    pub method: String,
    pub result: String,
    pub properties: Vec<(String, String)>,
}

impl MethodResult {
    fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Semicolon,
    Equals,
}

/// Splits a header value into words, quoted strings, `;` and `=`, with
/// comments (nested, with `\` escapes) dropped as RFC 5322 says.
fn tokens(value: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = value.chars().peekable();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Token>| {
        if !word.is_empty() {
            out.push(Token::Word(std::mem::take(word)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '(' => {
                flush(&mut word, &mut out);
                let mut depth = 1usize;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            '"' => {
                flush(&mut word, &mut out);
                let mut text = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(next) = chars.next() {
                                text.push(next);
                            }
                        }
                        '"' => break,
                        _ => text.push(c),
                    }
                }
                out.push(Token::Quoted(text));
            }
            ';' => {
                flush(&mut word, &mut out);
                out.push(Token::Semicolon);
            }
            '=' => {
                flush(&mut word, &mut out);
                out.push(Token::Equals);
            }
            c if c.is_whitespace() => flush(&mut word, &mut out),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out);
    out
}

impl AuthResults {
    /// Reads a header's value. What cannot be read is left out, never
    /// guessed: a result the parser does not understand is no pass.
    pub fn parse(value: &str) -> AuthResults {
        let tokens = tokens(value);
        let mut segments: Vec<&[Token]> = tokens.split(|t| *t == Token::Semicolon).collect();
        let mut out = AuthResults::default();
        if let Some(first) = segments.first() {
            // An authserv-id segment has no `=`; Exchange's first segment
            // is already a result.
            if !first.contains(&Token::Equals) {
                // A host name, kept only when it looks like one: it goes
                // into reasons people read, and may be the sender's words.
                out.authserv_id = match first.first() {
                    Some(Token::Word(id)) | Some(Token::Quoted(id)) => {
                        Some(id.trim().to_ascii_lowercase()).filter(|id| {
                            !id.is_empty()
                                && id.len() <= 253
                                && id.chars().all(|c| {
                                    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')
                                })
                        })
                    }
                    _ => None,
                };
                segments.remove(0);
            }
        }
        for segment in segments {
            if let Some(result) = method_result(segment) {
                out.results.push(result);
            }
        }
        out
    }

    /// The first result of `method` (`spf`, `dkim`, `dmarc`, `compauth`).
    pub fn result(&self, method: &str) -> Option<&str> {
        self.results
            .iter()
            .find(|r| r.method == method)
            .map(|r| r.result.as_str())
    }

    fn dkim_aligned(&self, from_domain: &str) -> bool {
        self.results.iter().any(|r| {
            r.method == "dkim"
                && r.result == "pass"
                && r.property("header.d")
                    .or_else(|| r.property("header.i").map(domain_of))
                    .is_some_and(|d| aligned(d, from_domain))
        })
    }

    fn spf_aligned(&self, from_domain: &str) -> bool {
        self.results.iter().any(|r| {
            r.method == "spf"
                && r.result == "pass"
                && r.property("smtp.mailfrom")
                    .map(domain_of)
                    .is_some_and(|d| aligned(d, from_domain))
        })
    }

    /// What this header says of a message from `from_domain`.
    pub fn verdict(&self, from_domain: &str) -> Verdict {
        let by = self
            .authserv_id
            .as_deref()
            .map(|id| format!(" (checked by {id})"))
            .unwrap_or_default();
        let dmarc = self.results.iter().find(|r| r.method == "dmarc");
        let dmarc_for_from = dmarc.filter(|r| {
            r.property("header.from")
                .is_none_or(|d| d.eq_ignore_ascii_case(from_domain))
        });
        let summary = || {
            let word = |m: &str| self.result(m).unwrap_or("none").to_string();
            let dkim: Vec<&str> = self
                .results
                .iter()
                .filter(|r| r.method == "dkim")
                .map(|r| r.result.as_str())
                .collect();
            format!(
                "SPF {}, DKIM {}, DMARC {}",
                word("spf"),
                if dkim.is_empty() {
                    "none".to_string()
                } else {
                    let mut dkim = dkim;
                    dkim.dedup();
                    dkim.join(", ")
                },
                word("dmarc")
            )
        };
        if dmarc.is_some_and(|r| r.result == "fail") {
            let forged = self.result("spf") == Some("fail")
                && !self
                    .results
                    .iter()
                    .any(|r| r.method == "dkim" && r.result == "pass");
            return Verdict::NotAuthenticated {
                reason: format!("the sender could not be authenticated: {}{by}", summary()),
                forged,
            };
        }
        if dmarc_for_from.is_some_and(|r| r.result == "pass") {
            return Verdict::Authenticated(format!("DMARC pass{by}"));
        }
        if self.spf_aligned(from_domain) {
            return Verdict::Authenticated(format!("SPF pass for {from_domain}{by}"));
        }
        if self.dkim_aligned(from_domain) {
            return Verdict::Authenticated(format!("DKIM pass for {from_domain}{by}"));
        }
        // Microsoft's composite verdict is about the From it names in the
        // same header; another From's pass says nothing of this one.
        let compauth_for_from = dmarc
            .and_then(|r| r.property("header.from"))
            .is_some_and(|d| d.eq_ignore_ascii_case(from_domain));
        if self
            .results
            .iter()
            .any(|r| r.method == "compauth" && r.result == "pass")
            && self.authserv_id.is_none()
            && compauth_for_from
        {
            return Verdict::Authenticated(format!("composite authentication pass{by}"));
        }
        Verdict::NotAuthenticated {
            reason: format!(
                "the sender could not be authenticated for {from_domain}: {}{by}",
                summary()
            ),
            forged: false,
        }
    }
}

/// `method[/version] = result [reason=…] [ptype.property=value …]`.
fn method_result(segment: &[Token]) -> Option<MethodResult> {
    let mut words = segment.iter().peekable();
    let method = match words.next()? {
        Token::Word(w) => w.split('/').next().unwrap_or("").to_ascii_lowercase(),
        _ => return None,
    };
    if words.next()? != &Token::Equals {
        return None;
    }
    let result = match words.next()? {
        Token::Word(w) => w.to_ascii_lowercase(),
        _ => return None,
    };
    if method.is_empty()
        || !method
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    let mut properties = Vec::new();
    while let Some(token) = words.next() {
        let Token::Word(name) = token else { continue };
        if words.peek() != Some(&&Token::Equals) {
            continue;
        }
        words.next();
        let value = match words.next() {
            Some(Token::Word(v)) | Some(Token::Quoted(v)) => v.clone(),
            _ => continue,
        };
        properties.push((name.to_ascii_lowercase(), value));
    }
    Some(MethodResult {
        method,
        result,
        properties,
    })
}

/// The domain of `user@domain`, or the text itself.
fn domain_of(text: &str) -> &str {
    text.rsplit_once('@').map_or(text, |(_, d)| d)
}

/// Relaxed alignment (RFC 7489): the same organisational domain
/// (`bounce.colchester.gov.uk` for `colchester.gov.uk`). A public suffix
/// (`gov.uk`) is nobody's organisation, and two siblings under one never
/// align.
fn aligned(domain: &str, from_domain: &str) -> bool {
    let (a, b) = (
        super::address::organisational_domain(domain),
        super::address::organisational_domain(from_domain),
    );
    !a.is_empty() && a == b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(s: &str) -> EmailAddress {
        EmailAddress::parse(s).expect("address")
    }

    fn headers(results: &[&str]) -> SenderHeaders {
        SenderHeaders {
            authentication_results: results.iter().map(|s| s.to_string()).collect(),
            ..SenderHeaders::default()
        }
    }

    #[test]
    fn quoted_strings_and_comments_do_not_split_results() {
        let read = AuthResults::parse(
            "mx.example.org (\"weird; comment\" (nested)); spf=pass (ok; really) \
             smtp.mailfrom=\"a;b\"@colchester.gov.uk; dkim=pass header.d=colchester.gov.uk",
        );
        assert_eq!(read.authserv_id.as_deref(), Some("mx.example.org"));
        assert_eq!(read.results.len(), 2, "{read:?}");
        assert_eq!(read.result("dkim"), Some("pass"));
    }

    #[test]
    fn exchange_online_writes_no_authserv_id() {
        let microsoft = "spf=pass (sender IP is 51.140.1.2) smtp.mailfrom=colchester.gov.uk; \
                         dkim=pass (signature was verified) header.d=colchester.gov.uk;dmarc=pass \
                         action=none header.from=colchester.gov.uk;compauth=pass reason=100";
        let read = AuthResults::parse(microsoft);
        assert_eq!(read.authserv_id, None);
        assert_eq!(read.result("compauth"), Some("pass"));
        let trust = SenderTrust {
            results: ResultsFrom::Exchange,
            ..SenderTrust::default()
        };
        let verdict = judge(
            Some(&from("peter.quill@colchester.gov.uk")),
            &headers(&[microsoft]),
            &trust,
            "INBOX",
        );
        assert!(verdict.may_change_state(&trust), "{verdict:?}");
    }

    #[test]
    fn a_forgers_own_spf_pass_does_not_authenticate_the_council() {
        let attack = "mx.lha.test; spf=pass smtp.mailfrom=attacker.example; dkim=none; \
                      dmarc=fail header.from=colchester.gov.uk";
        let verdict = judge(
            Some(&from("peter.quill@colchester.gov.uk")),
            &headers(&[attack]),
            &SenderTrust::default(),
            "INBOX",
        );
        assert!(
            !verdict.may_change_state(&SenderTrust::default()),
            "{verdict:?}"
        );
        // SPF passed for the attacker's own domain: not the forgery that
        // sets a message aside, only not authenticated.
        assert_eq!(verdict.forgery(), None);
        // Without DMARC, an unaligned SPF pass is still not the council's.
        let unaligned = "mx.lha.test; spf=pass smtp.mailfrom=attacker.example";
        let verdict = judge(
            Some(&from("peter.quill@colchester.gov.uk")),
            &headers(&[unaligned]),
            &SenderTrust::default(),
            "INBOX",
        );
        assert!(
            matches!(verdict, Verdict::NotAuthenticated { .. }),
            "{verdict:?}"
        );
    }

    #[test]
    fn a_public_suffix_or_another_from_authenticates_nobody() {
        for header in [
            // DKIM for gov.uk itself: a public suffix, nobody's organisation.
            "mx.lha.test; dkim=pass header.d=gov.uk",
            // SPF for a sibling council.
            "mx.lha.test; spf=pass smtp.mailfrom=basildon.gov.uk",
        ] {
            let verdict = judge(
                Some(&from("peter.quill@colchester.gov.uk")),
                &headers(&[header]),
                &SenderTrust::default(),
                "INBOX",
            );
            assert!(
                matches!(verdict, Verdict::NotAuthenticated { .. }),
                "{header}: {verdict:?}"
            );
        }
        // Exchange's composite pass for another From than the message's.
        let exchange = SenderTrust {
            results: ResultsFrom::Exchange,
            ..SenderTrust::default()
        };
        let header = "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=evil.example; \
                      dkim=pass (signature was verified) header.d=evil.example;dmarc=pass \
                      action=none header.from=evil.example;compauth=pass reason=100";
        let verdict = judge(
            Some(&from("jane.doe@justice.gov.uk")),
            &headers(&[header]),
            &exchange,
            "INBOX",
        );
        assert!(
            matches!(verdict, Verdict::NotAuthenticated { .. }),
            "{verdict:?}"
        );
    }

    #[test]
    fn aligned_passes_authenticate() {
        for header in [
            "mx.lha.test; dmarc=pass header.from=colchester.gov.uk",
            "mx.lha.test; spf=pass smtp.mailfrom=bounces.colchester.gov.uk",
            "mx.lha.test; dkim=pass header.i=@colchester.gov.uk",
        ] {
            let verdict = judge(
                Some(&from("peter.quill@colchester.gov.uk")),
                &headers(&[header]),
                &SenderTrust::default(),
                "INBOX",
            );
            assert!(
                matches!(verdict, Verdict::Authenticated(_)),
                "{header}: {verdict:?}"
            );
        }
        // A sibling under gov.uk is not aligned.
        let verdict = judge(
            Some(&from("peter.quill@colchester.gov.uk")),
            &headers(&["mx.lha.test; dkim=pass header.d=attacker.gov.uk"]),
            &SenderTrust::default(),
            "INBOX",
        );
        assert!(!matches!(verdict, Verdict::Authenticated(_)), "{verdict:?}");
    }

    #[test]
    fn only_the_trusted_servers_header_counts() {
        let trust = SenderTrust {
            results: ResultsFrom::AuthservId("mx.lha.test".into()),
            ..SenderTrust::default()
        };
        // A forged pass on top, the server's own fail below: the fail counts.
        let verdict = judge(
            Some(&from("peter.quill@colchester.gov.uk")),
            &headers(&[
                "forged.example; dmarc=pass header.from=colchester.gov.uk",
                "mx.lha.test; spf=fail smtp.mailfrom=colchester.gov.uk; dkim=none; dmarc=fail",
            ]),
            &trust,
            "INBOX",
        );
        assert!(verdict.forgery().is_some(), "{verdict:?}");
        // No header from the trusted server at all: no verdict.
        let verdict = judge(
            Some(&from("peter.quill@colchester.gov.uk")),
            &headers(&["forged.example; dmarc=pass"]),
            &trust,
            "INBOX",
        );
        assert!(matches!(verdict, Verdict::NoVerdict(_)), "{verdict:?}");
        assert!(!verdict.may_change_state(&trust));
    }

    #[test]
    fn internal_marks_count_only_where_the_mailbox_trusts_them() {
        let internal = SenderHeaders {
            exchange_auth_as: Some("Internal".into()),
            ..SenderHeaders::default()
        };
        let exchange = SenderTrust {
            results: ResultsFrom::Exchange,
            internal: InternalMarks::Exchange,
            ..SenderTrust::default()
        };
        let officer = from("peter.quill@colchester.gov.uk");
        assert!(matches!(
            judge(Some(&officer), &internal, &exchange, "INBOX"),
            Verdict::Internal(_)
        ));
        let none = SenderTrust::default();
        let verdict = judge(Some(&officer), &internal, &none, "INBOX");
        assert!(!verdict.may_change_state(&none), "{verdict:?}");
        // The Sent folder is the mailbox's own.
        assert!(matches!(
            judge(
                Some(&officer),
                &SenderHeaders::default(),
                &none,
                "Sent Items"
            ),
            Verdict::Internal(_)
        ));
    }

    #[test]
    fn mail_without_a_verdict_changes_nothing_unless_the_mailbox_says_so() {
        let verdict = judge(
            Some(&from("peter.quill@colchester.gov.uk")),
            &SenderHeaders::default(),
            &SenderTrust::default(),
            "INBOX",
        );
        assert!(matches!(verdict, Verdict::NoVerdict(_)));
        assert!(!verdict.may_change_state(&SenderTrust::default()));
        let trusting = SenderTrust {
            trust_unauthenticated: true,
            ..SenderTrust::default()
        };
        assert!(verdict.may_change_state(&trusting));
    }
}
