//! `dtr-gateway check-config`: every problem of the configuration.

use super::*;
use dtr_gateway::config::Config;
use dtr_gateway::terminal::{printable, printable_lines};
use std::path::Path;
use std::process::ExitCode;

pub(crate) fn check_config(dir: Option<&Path>) -> ExitCode {
    use dtr_gateway::templates::Templates;
    let where_from = dir.map_or("the embedded configuration".to_string(), |d| {
        printable(&d.display().to_string()).into_owned()
    });
    // The mail templates: every override is compiled, and rendered for the
    // configured authorities when the configuration itself could be read.
    let print_templates = |errors: &[dtr_gateway::templates::TemplateError]| {
        for e in errors {
            println!("error: {}", printable_lines(&e.to_string()));
        }
    };
    match Config::load(dir) {
        Ok((config, warnings)) => {
            print_problems(&warnings);
            let codes: Vec<&str> = config.authorities.iter().map(|a| a.code.as_str()).collect();
            let (overrides, errors) = match Templates::load_checked(dir, &codes) {
                Ok(templates) => (templates.overrides(), Vec::new()),
                Err(errors) => (0, errors),
            };
            print_templates(&errors);
            if !errors.is_empty() {
                println!("{where_from}: {} error(s)", errors.len());
                return ExitCode::FAILURE;
            }
            println!(
                "{where_from}: {} authorities, {} mailboxes, {} allowed sender domains, \
                 {overrides} template override(s); {} warning(s), no errors",
                config.authorities.len(),
                config.mailboxes.len(),
                config.allowed_domains.len(),
                warnings.len()
            );
            ExitCode::SUCCESS
        }
        Err(dtr_gateway::config::ConfigError::Invalid(problems)) => {
            // The warnings too: every problem is worth knowing in one run.
            print_problems(&problems);
            let (_, template_errors) = Templates::load_all(dir);
            print_templates(&template_errors);
            let errors = problems
                .iter()
                .filter(|p| p.severity == dtr_gateway::config::Severity::Error)
                .count();
            println!(
                "{where_from}: {} error(s), {} warning(s)",
                errors + template_errors.len(),
                problems.len() - errors
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("dtr-gateway: {}", printable_lines(&e.to_string()));
            ExitCode::FAILURE
        }
    }
}
