//! The password strength policy, checked when an account's password is set.

/// What a strong password needs, as the seed API required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    MinLength,
    MaxLength,
    Uppercase,
    Lowercase,
    Digit,
    Symbol,
}

impl Requirement {
    fn describe(self) -> String {
        match self {
            Requirement::MinLength => format!("at least {MIN_PASSWORD_CHARS} characters"),
            Requirement::MaxLength => format!("at most {MAX_PASSWORD_CHARS} characters"),
            Requirement::Uppercase => "an upper-case letter".into(),
            Requirement::Lowercase => "a lower-case letter".into(),
            Requirement::Digit => "a digit".into(),
            Requirement::Symbol => "a symbol".into(),
        }
    }
}

/// Shortest accepted password.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest accepted password: generous for passphrases, bounded so nobody makes the
/// service hash megabytes.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// A password that fails the policy, with every requirement it misses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", describe_missing(.0))]
pub struct WeakPassword(pub Vec<Requirement>);

fn describe_missing(missing: &[Requirement]) -> String {
    let needs: Vec<String> = missing.iter().map(|r| r.describe()).collect();
    format!("must have {}", needs.join(", "))
}

/// Checks the policy: 8 to 128 characters with an upper-case letter, a lower-case
/// letter, a digit and a symbol (any other visible character).
pub fn check_strength(password: &str) -> Result<(), WeakPassword> {
    let chars = password.chars().count();
    let has = |test: fn(&char) -> bool| password.chars().any(|c| test(&c));
    let checks = [
        (chars >= MIN_PASSWORD_CHARS, Requirement::MinLength),
        (chars <= MAX_PASSWORD_CHARS, Requirement::MaxLength),
        (has(|c| c.is_uppercase()), Requirement::Uppercase),
        (has(|c| c.is_lowercase()), Requirement::Lowercase),
        (has(|c| c.is_numeric()), Requirement::Digit),
        (has(is_symbol), Requirement::Symbol),
    ];
    let missing: Vec<Requirement> = checks
        .into_iter()
        .filter(|(met, _)| !met)
        .map(|(_, requirement)| requirement)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(WeakPassword(missing))
    }
}

fn is_symbol(c: &char) -> bool {
    !c.is_alphanumeric() && !c.is_whitespace() && !c.is_control()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strong_password_passes() {
        assert_eq!(check_strength("Rustshop-admin-1"), Ok(()));
        assert_eq!(check_strength("Ünïcödé-pässwörd-9"), Ok(()));
    }

    #[test]
    fn weak_password_names_everything_it_misses() {
        let WeakPassword(missing) = check_strength("abc").unwrap_err();
        assert_eq!(
            missing,
            [
                Requirement::MinLength,
                Requirement::Uppercase,
                Requirement::Digit,
                Requirement::Symbol
            ]
        );
        assert_eq!(
            check_strength("abc").unwrap_err().to_string(),
            "must have at least 8 characters, an upper-case letter, a digit, a symbol"
        );
    }

    #[test]
    fn each_requirement_is_checked_on_its_own() {
        let cases = [
            ("Aa1!aaa", Requirement::MinLength),
            ("aaaaaaa1!", Requirement::Uppercase),
            ("AAAAAAA1!", Requirement::Lowercase),
            ("Aaaaaaaa!", Requirement::Digit),
            ("Aaaaaaaa1", Requirement::Symbol),
            ("Aaaa aaa1", Requirement::Symbol),
        ];
        for (password, requirement) in cases {
            assert_eq!(
                check_strength(password),
                Err(WeakPassword(vec![requirement])),
                "{password}"
            );
        }
        let long = format!("Aa1!{}", "a".repeat(MAX_PASSWORD_CHARS));
        assert_eq!(
            check_strength(&long),
            Err(WeakPassword(vec![Requirement::MaxLength]))
        );
    }
}
