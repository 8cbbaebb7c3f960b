//! Passwords and their hashes appear in no answer and in no log line: a flow of
//! registrations, logins (right and wrong), password changes (good and weak) and
//! account listings with recognisable passwords, then a scan of every answer and of
//! everything every service printed.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Api, CapturedLines};

/// What a stored password hash starts with, and the names a hash would travel under.
const HASH_MARKERS: [&str; 3] = ["$argon2", "passwordHash", "password_hash"];

fn canary(label: &str) -> String {
    format!("Canary{label}-{}-Pw9!", uuid::Uuid::new_v4().simple())
}

/// Runs the flow; returns the passwords used, for the log scan.
pub async fn passwords_and_hashes_stay_out_of_responses(api: &Api, admin: &str) -> Vec<String> {
    let (first, second, wrong) = (canary("First"), canary("Second"), canary("Wrong"));
    let weak = format!("canaryweak{}", uuid::Uuid::new_v4().simple());
    let email = format!("canary-{}@e2e.test", uuid::Uuid::new_v4().simple());
    let mut answers: Vec<(String, u16, Value)> = Vec::new();
    let mut record = |what: &str, (status, body): (u16, Value)| {
        answers.push((what.to_owned(), status, body.clone()));
        (status, body)
    };

    let body = json!({"name": "Canary", "email": email, "password": first});
    let (status, registered) = record("register", api.post("/auth/register", None, body).await);
    assert_eq!(status, 201, "{registered}");
    let id = registered["data"]["id"].as_str().expect("an id").to_owned();
    let login = |password: &str| json!({"email": email, "password": password});
    let (status, session) = record("login", api.post("/auth/login", None, login(&first)).await);
    assert_eq!(status, 200, "{session}");
    let token = session["data"]["accessToken"]
        .as_str()
        .expect("a token")
        .to_owned();
    let (status, _) = record(
        "wrong login",
        api.post("/auth/login", None, login(&wrong)).await,
    );
    assert_eq!(status, 401);
    record("me", api.get("/auth/me", Some(&token)).await);
    let path = format!("/users/{id}");
    let change = |password: &str| Some(json!({"password": password}));
    let (status, _) = record(
        "weak change",
        api.call(Method::PATCH, &path, Some(&token), change(&weak))
            .await,
    );
    assert_eq!(status, 400);
    let (status, changed) = record(
        "change",
        api.call(Method::PATCH, &path, Some(&token), change(&second))
            .await,
    );
    assert_eq!(status, 200, "{changed}");
    let (status, _) = record(
        "old password",
        api.post("/auth/login", None, login(&first)).await,
    );
    assert_eq!(status, 401, "the old password no longer works");
    let (status, _) = record(
        "new password",
        api.post("/auth/login", None, login(&second)).await,
    );
    assert_eq!(status, 200, "the new password works");
    let weak_signup = json!({"name": "Weak", "email": format!("w{email}"), "password": weak});
    let (status, _) = record(
        "weak register",
        api.post("/auth/register", None, weak_signup).await,
    );
    assert_eq!(status, 400);
    record("admin list", api.get("/users?limit=100", Some(admin)).await);
    record("admin read", api.get(&path, Some(admin)).await);

    let canaries = vec![first, second, wrong, weak];
    for (what, status, body) in &answers {
        let text = body.to_string();
        for secret in canaries.iter().map(String::as_str).chain(HASH_MARKERS) {
            assert!(
                !text.contains(secret),
                "{what} ({status}) shows {secret:?}: {text}"
            );
        }
    }
    canaries
}

/// Asserts no log line holds a password or a hash; returns the lines scanned.
pub fn assert_logs_keep_secrets(captured: &CapturedLines, canaries: &[String]) -> usize {
    assert_eq!(captured.missed, 0, "every log line was read");
    // The capture saw the services that handle passwords at work.
    for event in ["account registered", "user created", "user updated"] {
        let seen = captured.lines.iter().any(|line| line.contains(event));
        assert!(
            seen,
            "no {event:?} among {} log lines",
            captured.lines.len()
        );
    }
    for line in &captured.lines {
        for secret in canaries.iter().map(String::as_str).chain(["$argon2"]) {
            assert!(
                !line.contains(secret),
                "a log line shows {secret:?}: {line}"
            );
        }
    }
    captured.lines.len()
}
