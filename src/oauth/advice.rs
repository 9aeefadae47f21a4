//! What to do about a refused sign-in: Microsoft Entra's AADSTS codes,
//! Google's grant errors, and the mail servers' own refusals of a token,
//! each mapped to its usual cause.

use crate::config::{AppCredential, GoogleServiceAccount, MicrosoftApp};
use oauth2::basic::{BasicErrorResponse, BasicErrorResponseType};

/// The AADSTS number a Microsoft description starts with.
fn aadsts(refusal: &BasicErrorResponse) -> Option<u32> {
    let description = refusal.error_description()?;
    let rest = description.trim_start().strip_prefix("AADSTS")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

pub(super) fn microsoft(refusal: &BasicErrorResponse, app: &MicrosoftApp) -> String {
    let tenant = &app.tenant;
    let id = &app.client_id;
    let secret = matches!(app.credential, AppCredential::Secret { .. });
    match aadsts(refusal) {
        Some(7000215) => "the client secret is wrong: put the secret's Value (not its Secret ID) \
             from the app registration's Certificates & secrets in client_secret_file"
            .into(),
        Some(7000222) => "the client secret has expired: add a new one in the app registration's \
             Certificates & secrets, put its value in client_secret_file and its expiry date in \
             client_secret_expires"
            .into(),
        Some(700016) => format!(
            "no application with client_id {id} in tenant {tenant}: check client_id (the app \
             registration's Application (client) ID) and tenant, and that the app was registered \
             or consented to in this council's tenant"
        ),
        Some(90002) | Some(900023) => format!(
            "tenant {tenant} was not found: give the tenant's ID (Overview in Microsoft Entra) or \
             one of its verified domains"
        ),
        Some(700027) | Some(700023) | Some(7000274) => {
            "the client assertion was refused: check that \
             the certificate in certificate_file is the one uploaded to the app registration \
             (Certificates & secrets), with its own private key"
                .into()
        }
        Some(700024) => "the client assertion is outside its valid time: check this machine's \
             clock (timedatectl)"
            .into(),
        Some(1002012) | Some(70011) => format!(
            "the scope is not valid: the client-credentials grant takes a resource's /.default \
             scope, {} for IMAP and SMTP",
            crate::config::MICROSOFT_SCOPE
        ),
        Some(500011) => {
            "the tenant has no Exchange Online service principal for that scope: check \
             scope, and that the tenant has Exchange Online"
                .into()
        }
        Some(7000112) | Some(700025) => {
            "the application is disabled in the tenant: enable its enterprise application".into()
        }
        Some(65001) | Some(650057) => "the app lacks admin consent: an administrator of the \
             tenant grants it under API permissions (IMAP.AccessAsApp, SMTP.SendAsApp)"
            .into(),
        _ => match refusal.error() {
            BasicErrorResponseType::InvalidClient if secret => format!(
                "check client_id {id}, tenant {tenant} and the client secret in client_secret_file"
            ),
            BasicErrorResponseType::InvalidClient => format!(
                "check client_id {id}, tenant {tenant} and the certificate in certificate_file"
            ),
            BasicErrorResponseType::InvalidScope => format!(
                "the scope is not valid; it is {} for IMAP and SMTP",
                crate::config::MICROSOFT_SCOPE
            ),
            BasicErrorResponseType::UnauthorizedClient => {
                "the app may not use this grant: give it \
                 the application permissions IMAP.AccessAsApp and SMTP.SendAsApp (Office 365 \
                 Exchange Online) with admin consent"
                    .into()
            }
            _ => "see the deployment guide (docs/deployment.md), Microsoft 365".into(),
        },
    }
}

pub(super) fn google(
    refusal: &BasicErrorResponse,
    client_email: &str,
    account: &GoogleServiceAccount,
) -> String {
    let description = refusal.error_description().map_or("", String::as_str);
    let subject = &account.subject;
    match refusal.error() {
        BasicErrorResponseType::UnauthorizedClient => format!(
            "the service account {client_email} has no domain-wide delegation for {}: add its \
             client ID with that scope in the Admin console (Security, API controls, Domain-wide \
             delegation)",
            account.scope
        ),
        BasicErrorResponseType::InvalidGrant if description.contains("email") => format!(
            "{subject} is not a user of the Workspace domain: check the mailbox's username (or \
             subject)"
        ),
        BasicErrorResponseType::InvalidGrant => format!(
            "the service account's key was refused: check that the key in the JSON key file is \
             current (keys can be deleted or expire) and the clock of this machine; {client_email}"
        ),
        _ => "see the deployment guide (docs/deployment.md), Google Workspace".into(),
    }
}

/// What to do when a mail server refuses a login: the usual causes of
/// Microsoft 365's refusals of an app's token, or a general word.
pub fn login_advice(said: &str, token: bool) -> &'static str {
    if !token {
        return "check the password for this mailbox";
    }
    if said.contains("User is authenticated but not connected") {
        "Microsoft 365 took the token but will not open this mailbox for the app: give the app's \
         service principal FullAccess on it (Add-MailboxPermission -Identity MAILBOX -User \
         SERVICE-PRINCIPAL-ID -AccessRights FullAccess), check that New-ServicePrincipal was given \
         the enterprise application's object ID (not the app registration's), and that the \
         username is the mailbox's address"
    } else if said.contains("AUTHENTICATE failed") {
        "Microsoft 365 refused the app's token: check that the app has IMAP.AccessAsApp (and \
         SMTP.SendAsApp) with admin consent, that New-ServicePrincipal registered it in Exchange \
         Online with the enterprise application's object ID, that it has FullAccess on this \
         mailbox, and that IMAP is enabled for the mailbox (Set-CASMailbox -ImapEnabled $true)"
    } else {
        "check the token for this mailbox (and, for Microsoft 365 or Google, the app's \
         permissions on the mailbox)"
    }
}
