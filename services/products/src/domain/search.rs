//! A search query, reduced to what PostgreSQL is given: prefix terms for full-text
//! search and a pattern for partial matches, both bound as parameters.

use shop_common::error::FieldViolation;

/// Longest accepted query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Words beyond this many are ignored (they rarely change the result, and each one
/// costs the database an index lookup).
pub const MAX_WORDS: usize = 8;

/// A validated search query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// The query lowercased, trimmed, with runs of whitespace collapsed: it decides
    /// the results, so it is also the cache key.
    text: String,
    /// Its words: letters and digits only, so they are safe `tsquery` terms.
    words: Vec<String>,
}

impl SearchQuery {
    pub fn parse(raw: &str) -> Result<Self, FieldViolation> {
        if raw.chars().count() > MAX_QUERY_CHARS {
            return Err(FieldViolation::new(
                "query",
                format!("must be at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        // PostgreSQL cannot take NUL in text, and nobody searches for it.
        if raw.contains('\0') {
            return Err(FieldViolation::new(
                "query",
                "must not contain NUL characters",
            ));
        }
        let text = raw
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(MAX_WORDS)
            .map(str::to_owned)
            .collect();
        if words.is_empty() {
            return Err(FieldViolation::new(
                "query",
                "must contain at least one letter or digit",
            ));
        }
        Ok(Self { text, words })
    }

    /// The normalized query text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// A `to_tsquery` input matching products that have every word as a prefix of
    /// one of their words: `boo:* & rust:*`.
    pub fn prefix_tsquery(&self) -> String {
        self.words
            .iter()
            .map(|w| format!("{w}:*"))
            .collect::<Vec<_>>()
            .join(" & ")
    }

    /// An `ILIKE` pattern matching names that contain the query anywhere, with the
    /// pattern characters of the query escaped.
    pub fn contains_pattern(&self) -> String {
        let mut pattern = String::with_capacity(self.text.len() + 2);
        pattern.push('%');
        for c in self.text.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        pattern
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_prefix_terms() {
        let query = SearchQuery::parse("  Rust   BOO ").unwrap();
        assert_eq!(query.text(), "rust boo");
        assert_eq!(query.prefix_tsquery(), "rust:* & boo:*");
    }

    #[test]
    fn nul_characters_are_refused() {
        let violation = SearchQuery::parse("lamp\0").unwrap_err();
        assert_eq!(violation.description, "must not contain NUL characters");
    }

    #[test]
    fn query_syntax_is_not_passed_through() {
        let query = SearchQuery::parse("a & !b | c:* <-> 'd'").unwrap();
        assert_eq!(query.prefix_tsquery(), "a:* & b:* & c:* & d:*");
    }

    #[test]
    fn like_wildcards_are_escaped() {
        let query = SearchQuery::parse("100% c_d\\").unwrap();
        assert_eq!(query.contains_pattern(), "%100\\% c\\_d\\\\%");
    }

    #[test]
    fn a_query_needs_a_letter_or_digit() {
        assert!(SearchQuery::parse("   ").is_err());
        assert!(SearchQuery::parse("&|!").is_err());
        assert!(SearchQuery::parse(&"a".repeat(MAX_QUERY_CHARS + 1)).is_err());
    }

    #[test]
    fn non_ascii_words_are_kept() {
        let query = SearchQuery::parse("Crème brûlée").unwrap();
        assert_eq!(query.prefix_tsquery(), "crème:* & brûlée:*");
    }
}
