//! Text fields people type (names, descriptions): trimmed, and bounded in characters,
//! not bytes, so a name in any script gets the same room. NUL characters are refused:
//! nobody types them, and PostgreSQL cannot store them in text.

use crate::error::FieldViolation;

/// Why a text field was refused; the message completes "<field> ...".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("is required")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must not contain NUL characters")]
    Nul,
}

impl TextError {
    /// The error as a violation of `field`.
    pub fn on(self, field: &str) -> FieldViolation {
        FieldViolation::new(field, self.to_string())
    }
}

/// `raw` trimmed, 1 to `max` characters.
pub fn required(raw: &str, max: usize) -> Result<String, TextError> {
    let text = bounded(raw, max)?;
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    Ok(text)
}

/// `raw` trimmed, at most `max` characters (empty is fine), without NUL.
pub fn bounded(raw: &str, max: usize) -> Result<String, TextError> {
    let text = raw.trim();
    if text.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    if text.contains('\0') {
        return Err(TextError::Nul);
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_is_trimmed_and_not_empty() {
        assert_eq!(required("  Ada  ", 10), Ok("Ada".to_owned()));
        assert_eq!(required(" \t ", 10), Err(TextError::Empty));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(required("Zoë Ålund", 9), Ok("Zoë Ålund".to_owned()));
        assert_eq!(
            required("Zoë Ålunds", 9),
            Err(TextError::TooLong { max: 9 })
        );
    }

    #[test]
    fn nul_characters_are_refused() {
        assert_eq!(required("Ada\0", 10), Err(TextError::Nul));
        assert_eq!(bounded("\0", 10), Err(TextError::Nul));
    }

    #[test]
    fn bounded_text_may_be_empty() {
        assert_eq!(bounded("", 5), Ok(String::new()));
        assert_eq!(
            TextError::TooLong { max: 5 }.on("description").description,
            "must be at most 5 characters"
        );
    }
}
