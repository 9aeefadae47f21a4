//! What a person signed in to the web view may read: one authority's cases,
//! or (a coordinator) every authority's counts and nothing of a case. The
//! queries the pages use take the scope, so that a page cannot show what
//! its reader may not see, whatever it is asked.

use super::db::StoredRow;
use super::deadlines::DeadlineCase;
use super::*;
use crate::core::ids::StoredMessageId;
use crate::core::plan::CaseStatus;
use sqlx::Row;

/// One authority's cases: the only way the web view reads a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseScope {
    authority: String,
    /// The mailboxes that are its inbox: its quarantine.
    mailboxes: Vec<String>,
}

impl CaseScope {
    /// The cases of the authority with this code (no quarantine).
    pub fn authority(code: &str) -> CaseScope {
        CaseScope {
            authority: code.to_string(),
            mailboxes: Vec::new(),
        }
    }

    /// The cases of the authority with this code, and the messages set
    /// aside from these mailboxes (its inboxes).
    pub fn with_mailboxes(code: &str, mailboxes: Vec<String>) -> CaseScope {
        CaseScope {
            authority: code.to_string(),
            mailboxes,
        }
    }

    pub fn code(&self) -> &str {
        &self.authority
    }
}

/// How many cases an authority has in each state, for coordinators.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseCounts {
    pub authority: String,
    pub open: i64,
    pub incomplete: i64,
    pub closed: i64,
    pub refused: i64,
}

impl Store {
    /// The scope's cases (open and incomplete only when `open_only`).
    pub async fn scoped_cases(
        &self,
        scope: &CaseScope,
        open_only: bool,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        self.cases(Some(&scope.authority), open_only).await
    }

    /// One page of the scope's cases (open and incomplete only when
    /// `open_only`), the newest first, and how many there are in all.
    pub async fn scoped_case_page(
        &self,
        scope: &CaseScope,
        open_only: bool,
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<CaseSummary>), StoreError> {
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM cases WHERE authority = $1 \
             AND ($2 = 0 OR status IN ('open', 'incomplete'))",
        )
        .bind(&scope.authority)
        .bind(Flag(open_only))
        .fetch_one(&self.pool)
        .await?;
        let rows = sqlx::query(
            "SELECT reference, authority, status, referral_type, urgent, received_at, \
             expected_release_date, referral, prison_number, crn, referrer_name, \
             referring_agency FROM cases \
             WHERE authority = $1 AND ($2 = 0 OR status IN ('open', 'incomplete')) \
             ORDER BY received_at DESC, id DESC LIMIT $3 OFFSET $4",
        )
        .bind(&scope.authority)
        .bind(Flag(open_only))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        Ok((
            usize::try_from(total).unwrap_or(0),
            rows.iter()
                .map(super::cases::summary)
                .collect::<Result<_, _>>()?,
        ))
    }

    /// The references of the scope's cases (open and incomplete only
    /// when `open_only`): all a list needs of a case to place it, with its
    /// deadlines.
    pub async fn scoped_case_references(
        &self,
        scope: &CaseScope,
        open_only: bool,
    ) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT reference FROM cases WHERE authority = $1 \
             AND ($2 = 0 OR status IN ('open', 'incomplete')) ORDER BY id",
        )
        .bind(&scope.authority)
        .bind(Flag(open_only))
        .fetch_all(&self.pool)
        .await?)
    }

    /// The scope's cases among `references` (a page of a list), in no
    /// particular order; another authority's are not among them.
    pub async fn scoped_cases_among(
        &self,
        scope: &CaseScope,
        references: &[&str],
    ) -> Result<Vec<CaseSummary>, StoreError> {
        if references.is_empty() {
            return Ok(Vec::new());
        }
        let places = super::db::numbered_places(2, references.len());
        let sql = format!(
            "SELECT reference, authority, status, referral_type, urgent, received_at, \
             expected_release_date, referral, prison_number, crn, referrer_name, \
             referring_agency FROM cases WHERE authority = $1 AND reference IN ({})",
            places
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&scope.authority);
        for reference in references {
            query = query.bind(*reference);
        }
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(super::cases::summary)
            .collect()
    }

    /// The scope's open and incomplete cases among `references`, with
    /// what dates their deadlines; another authority's are not among them.
    pub async fn scoped_deadline_cases_among(
        &self,
        scope: &CaseScope,
        references: &[&str],
    ) -> Result<Vec<DeadlineCase>, StoreError> {
        self.deadline_cases_among(&scope.authority, references)
            .await
    }

    /// The scope's cases whose deadlines are shown (open and incomplete).
    pub async fn scoped_deadline_cases(
        &self,
        scope: &CaseScope,
    ) -> Result<Vec<DeadlineCase>, StoreError> {
        self.deadline_cases(Some(&scope.authority)).await
    }

    /// A case of the scope; none when there is no such case or it is
    /// another authority's (the two are not told apart).
    pub async fn scoped_case(
        &self,
        scope: &CaseScope,
        reference: &str,
    ) -> Result<Option<CaseDetail>, StoreError> {
        let ours: Option<i64> =
            sqlx::query_scalar("SELECT id FROM cases WHERE reference = $1 AND authority = $2")
                .bind(reference)
                .bind(&scope.authority)
                .fetch_optional(&self.pool)
                .await?;
        match ours {
            Some(_) => self.case(reference).await.map(Some),
            None => Ok(None),
        }
    }

    /// The scope's quarantined messages no one has settled, oldest first.
    pub async fn scoped_quarantined(
        &self,
        scope: &CaseScope,
    ) -> Result<Vec<Quarantined>, StoreError> {
        let mut waiting = self.quarantined().await?;
        waiting.retain(|q| scope.mailboxes.contains(&q.mailbox));
        Ok(waiting)
    }

    /// One of the scope's quarantined messages; none when it is another
    /// authority's (told apart from no message by nobody).
    pub async fn scoped_quarantined_message(
        &self,
        scope: &CaseScope,
        id: StoredMessageId,
    ) -> Result<Option<Quarantined>, StoreError> {
        Ok(self
            .quarantined_message(id)
            .await?
            .filter(|q| scope.mailboxes.contains(&q.mailbox)))
    }

    /// Every authority's cases counted by state: no reference, no name.
    pub async fn case_counts(&self) -> Result<Vec<CaseCounts>, StoreError> {
        let rows = sqlx::query(
            "SELECT authority, status, COUNT(*) AS n FROM cases GROUP BY authority, status \
             ORDER BY authority",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<CaseCounts> = Vec::new();
        for row in &rows {
            let authority: String = row.get("authority");
            let n: i64 = row.get("n");
            if out.last().map(|c| c.authority.as_str()) != Some(authority.as_str()) {
                out.push(CaseCounts {
                    authority: authority.clone(),
                    ..CaseCounts::default()
                });
            }
            let Some(counts) = out.last_mut() else {
                continue;
            };
            match row.named("cases", "status")? {
                CaseStatus::Open => counts.open += n,
                CaseStatus::Incomplete => counts.incomplete += n,
                CaseStatus::Refused => counts.refused += n,
                CaseStatus::Closed | CaseStatus::Lapsed => counts.closed += n,
            }
        }
        Ok(out)
    }
}
