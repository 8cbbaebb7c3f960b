//! Security of the HTTP API, over HTTP only, against the platform started as
//! `shopctl up` starts it: forged, expired and orphaned tokens; privilege through
//! registration; one user reaching another's orders, cart or account; admin routes;
//! login throttling under a burst; passwords and hashes in responses and logs; SQL and
//! Mongo operator injection; CORS and security headers.

#[path = "../support/mod.rs"]
mod support;

mod access;
mod injection;
mod secrets;
mod tokens;

use support::{ADMIN_EMAIL, ADMIN_PASSWORD, Api, LogCapture, Running};

/// Every service's own debug logs; the transport libraries' at info (they log frames,
/// never bodies, and would bury the rest).
const VERBOSE_LOGS: &str = "debug,h2=info,hyper=info,hyper_util=info,tower=info,tonic=info,reqwest=info,rustls=info,mongodb=info,rdkafka=info,sqlx=info";

/// How many attacks of a kind were tried, and how many the API refused or survived.
#[derive(Debug, Default)]
pub struct Tally {
    pub tried: u32,
    pub held: u32,
}

impl Tally {
    /// Counts one attempt, which fails the test unless the API `held`.
    pub fn check(&mut self, held: bool, what: impl std::fmt::Display) {
        self.tried += 1;
        assert!(held, "{what}");
        self.held += 1;
    }

    /// Counts one attempt answered with the error envelope and `expected` status.
    pub fn refused(&mut self, (status, body): (u16, serde_json::Value), expected: u16, what: &str) {
        let held = status == expected
            && body["success"] == false
            && body["statusCode"] == expected
            && body["error"]["message"].is_string();
        self.check(
            held,
            format!("{what}: expected {expected}, got {status} {body}"),
        );
    }
}

#[tokio::test]
async fn the_api_refuses_forgery_trespass_and_injection_and_keeps_secrets() {
    // Debug logs: a password that slipped into any log statement shows up.
    let verbose = ("RUST_LOG".to_owned(), VERBOSE_LOGS.to_owned());
    let mut running = Running::start_with(22000, vec![verbose]).await;
    let logs = LogCapture::start(&mut running.platform);
    let api = Api::new(&running.base_url);
    let (admin_id, admin) = api.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    let tokens = tokens::forged_and_stale_tokens_are_refused(&api, &admin_id, &admin).await;
    let registration = access::registration_grants_no_privilege(&api, &admin).await;
    let trespass = access::users_stay_out_of_each_others_data(&api, &admin).await;
    let burst = access::login_throttling_holds_against_a_burst(&api).await;
    let injection = injection::injection_has_no_effect(&api, &admin).await;
    let headers = injection::security_and_cors_headers_are_set(&api).await;
    let canaries = secrets::passwords_and_hashes_stay_out_of_responses(&api, &admin).await;

    running.stop().await;
    let captured = logs.finish().await;
    let log_lines = secrets::assert_logs_keep_secrets(&captured, &canaries);

    let mut report = Vec::new();
    for (what, tally) in [
        ("forged, expired and orphaned tokens", &tokens),
        ("privileged registrations", &registration),
        ("cross-user and admin-route attempts", &trespass),
        ("SQL / Mongo injection payloads", &injection),
        ("header checks", &headers),
    ] {
        report.push(format!(
            "  {what}: {} tried, {} refused or harmless",
            tally.tried, tally.held
        ));
    }
    report.push(format!(
        "  login burst: {} wrong passwords, {} answered 401, {} answered 429",
        burst.sent, burst.unauthorized, burst.throttled
    ));
    report.push(format!(
        "  secrets: {} passwords checked in every response and {log_lines} log lines, 0 found",
        canaries.len()
    ));
    support::write_report("security", &report);
}
