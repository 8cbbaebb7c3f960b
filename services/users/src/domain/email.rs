//! E-mail addresses.

use std::fmt;

/// Longest address SMTP can deliver to (RFC 5321: 254 characters in a path).
const MAX_EMAIL_CHARS: usize = 254;
/// Longest local part (before the `@`), RFC 5321.
const MAX_LOCAL_CHARS: usize = 64;

/// A syntactically valid e-mail address, trimmed, otherwise stored as given.
///
/// Uniqueness ignores case (the database compares `lower(email)`), but the address is
/// kept as the user typed it, for display and delivery.
#[derive(Clone, PartialEq, Eq)]
pub struct Email(String);

/// Why a text is not an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a valid e-mail address")]
pub struct InvalidEmail;

impl Email {
    /// Accepts `local@domain.tld`: a local part of visible characters without `@`, and
    /// a domain of dot-separated labels of letters, digits and inner hyphens.
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let email = raw.trim();
        let (local, domain) = email.split_once('@').ok_or(InvalidEmail)?;
        let local_ok = !local.is_empty()
            && local.chars().count() <= MAX_LOCAL_CHARS
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2 && labels.iter().all(|label| valid_label(label));
        if local_ok && domain_ok && email.chars().count() <= MAX_EMAIL_CHARS {
            Ok(Self(email.to_owned()))
        } else {
            Err(InvalidEmail)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.chars().count() <= 63
        && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_are_accepted_and_trimmed() {
        for raw in [
            "ada@example.com",
            "Ada.Lovelace+shop@mail.example.co.uk",
            "  o'brien@example.ie ",
            "josé@exämple.com",
        ] {
            let email = Email::parse(raw).unwrap_or_else(|_| panic!("{raw} refused"));
            assert_eq!(email.as_str(), raw.trim());
        }
    }

    #[test]
    fn case_is_kept_as_given() {
        assert_eq!(
            Email::parse("Ada@Example.COM").unwrap().as_str(),
            "Ada@Example.COM"
        );
    }

    #[test]
    fn malformed_addresses_are_refused() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_total = format!("a@{}.com", "b".repeat(250));
        for raw in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "ada@exa mple.com",
            "a da@example.com",
            ".ada@example.com",
            "ada.@example.com",
            "a..da@example.com",
            "ada@-example.com",
            "ada@example..com",
            "ada@example.com.",
            "<ada>@example.com",
            &long_local,
            &long_total,
        ] {
            assert_eq!(Email::parse(raw), Err(InvalidEmail), "{raw} accepted");
        }
    }
}
