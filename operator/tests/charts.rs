//! The infra charts lint clean and render objects that Kubernetes accepts, on their own
//! (no values) as a user installing them by hand would.

mod support;

use std::process::Command;

const CHARTS: [&str; 4] = ["postgresql", "mongodb", "redis", "kafka"];

#[test]
fn every_chart_lints_clean_in_strict_mode() {
    let helm = support::helm_bin();
    for chart in CHARTS {
        let output = Command::new(&helm)
            .args(["lint", "--strict"])
            .arg(support::repo().join("charts").join(chart))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "helm lint {chart}:\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}

#[test]
fn every_chart_renders_valid_manifests_with_its_defaults() {
    let helm = support::helm_bin();
    for chart in CHARTS {
        let output = Command::new(&helm)
            .args(["template", "standalone"])
            .arg(support::repo().join("charts").join(chart))
            .output()
            .unwrap();
        assert!(output.status.success(), "helm template {chart} failed");
        let yaml = String::from_utf8(output.stdout).unwrap();
        for kind in ["Secret", "Service", "StatefulSet"] {
            assert!(
                yaml.contains(&format!("kind: {kind}\n")),
                "{chart} lacks a {kind}"
            );
        }
        support::assert_valid_manifests(chart, &yaml);
    }
}
