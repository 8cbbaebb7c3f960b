//! Image URLs of products, as the API documents and checks them: `http` or `https`,
//! a plain host name (ASCII letters, digits and hyphens in dot-separated labels, the
//! last one starting with a letter), an optional port up to 9999, then printable
//! ASCII. products would take more (IP addresses, international names, whatever a URL
//! parser accepts); the gateway takes what its OpenAPI pattern says, no more, so the
//! document and the API agree.

use utoipa::ToSchema;

use crate::error::FieldError;

/// Longest image URL, in bytes (ASCII: characters).
pub const MAX_LEN: usize = 2048;

/// An image URL, for the OpenAPI document (bodies carry them as strings).
#[derive(ToSchema)]
#[schema(
    max_length = 2048,
    pattern = r"^https?://([A-Za-z0-9]+(-[A-Za-z0-9]+)*\.)*[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*(:[1-9][0-9]{0,3})?([/?#][!-~]*)?$"
)]
#[allow(dead_code)] // documentation only
pub struct ImageUrl(String);

/// The invalid URLs of `images`, each named `images[i]`.
pub fn check(images: Option<&[String]>) -> Vec<FieldError> {
    images
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter(|(_, url)| !is_valid(url))
        .map(|(i, _)| {
            FieldError::new(
                format!("images[{i}]"),
                "must be an http(s) URL with a plain host name (ASCII letters, digits, hyphens)",
            )
        })
        .collect()
}

/// Whether `url` matches [`ImageUrl`]'s pattern.
fn is_valid(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
    else {
        return false;
    };
    if url.len() > MAX_LEN {
        return false;
    }
    let (authority, tail) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let port_ok = port.is_none_or(|port| {
        (1..=4).contains(&port.len())
            && port.bytes().all(|b| b.is_ascii_digit())
            && !port.starts_with('0')
    });
    let labels: Vec<&str> = host.split('.').collect();
    let last_ok = labels
        .last()
        .and_then(|label| label.bytes().next())
        .is_some_and(|first| first.is_ascii_alphabetic());
    port_ok
        && last_ok
        && labels.iter().all(|label| is_label(label))
        && tail.bytes().all(|b| (b'!'..=b'~').contains(&b))
}

/// `[A-Za-z0-9]+(-[A-Za-z0-9]+)*`: no empty label, no hyphen at either end or twice.
fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_web_urls_are_taken() {
        for url in [
            "https://cdn.example.com/img/cup.png",
            "http://localhost:8080/a?b=c#d",
            "https://a-b.c-d.example",
            "https://x1.io/%20space?q=!~",
        ] {
            assert!(is_valid(url), "{url}");
        }
    }

    #[test]
    fn anything_the_pattern_does_not_describe_is_refused() {
        for url in [
            "ftp://example.com/a.png",
            "https://",
            "https://example.com*",
            "https://-a.com",
            "https://a-.com",
            "https://a--b.com",
            "https://a..com",
            "https://1.2.3.4/x.png",
            "https://example.com:0/",
            "https://example.com:99999/",
            "https://exämple.com/",
            "https://example.com/a b",
            " https://example.com",
            "https://example.com/\n",
        ] {
            assert!(!is_valid(url), "{url}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_LEN));
        assert!(!is_valid(&long));
    }

    #[test]
    fn each_bad_url_is_named_by_its_index() {
        let images = vec!["https://ok.example".to_owned(), "nope".to_owned()];
        let errors = check(Some(&images));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "images[1]");
    }
}
