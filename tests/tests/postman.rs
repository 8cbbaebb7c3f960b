//! The Postman collection at the repository root, run with newman against a platform
//! started as `shopctl up` starts it: every assertion must hold.

mod support;

use std::process::Command;

use support::{ADMIN_EMAIL, ADMIN_PASSWORD, Running};

/// newman, installed by `scripts/node-tools.sh install` (the test script runs it).
fn newman() -> String {
    let output = Command::new("bash")
        .arg(shopctl::repo_root().join("scripts/node-tools.sh"))
        .arg("newman")
        .output()
        .expect("scripts/node-tools.sh runs");
    let path = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert!(
        std::path::Path::new(&path).exists(),
        "newman is not installed: run scripts/node-tools.sh install"
    );
    path
}

#[tokio::test]
async fn the_postman_collection_passes_with_newman() {
    let running = Running::start(21400).await;
    let collection = shopctl::repo_root().join("rustshop.postman_collection.json");
    let output = tokio::process::Command::new(newman())
        .arg("run")
        .arg(&collection)
        .args(["--env-var", &format!("baseUrl={}", running.base_url)])
        .args(["--env-var", &format!("adminEmail={ADMIN_EMAIL}")])
        .args(["--env-var", &format!("adminPassword={ADMIN_PASSWORD}")])
        .args([
            "--delay-request",
            "20",
            "--reporters",
            "cli",
            "--color",
            "off",
        ])
        .output()
        .await
        .expect("newman runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    running.stop().await;
    assert!(
        output.status.success(),
        "newman reported failures:\n{report}"
    );
    assert!(
        report.contains("assertions"),
        "no newman summary:\n{report}"
    );
}
