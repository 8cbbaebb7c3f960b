#!/usr/bin/env bash
# The whole test suite, on a fresh machine or a used one: installs what is missing,
# starts the throwaway test servers, checks formatting and lints, runs every test,
# and stops the servers it started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# What the reliability suites (faults, security, bad input, schemathesis) report, kept
# by the tests because cargo hides what passing tests print; shown at the very end.
REPORTS=${CARGO_TARGET_DIR:-target}/tmp/reliability-report
rm -rf "$REPORTS"

show_reports() {
  local report
  shopt -s nullglob
  local reports=("$REPORTS"/*.txt)
  ((${#reports[@]})) || return 0
  printf '\n==> reliability reports\n' >&2
  for report in "${reports[@]}"; do
    cat "$report" >&2
  done
}

# Servers that were already running (a developer's `shopctl up`) are left running.
already_up=0
scripts/infra.sh status >/dev/null 2>&1 && already_up=1

# On every exit, failed tests included: the reports, then the servers we started.
on_exit() {
  local status=$?
  show_reports
  if [[ $already_up == 0 ]]; then
    scripts/infra.sh stop
  fi
  exit "$status"
}
trap on_exit EXIT

scripts/infra.sh start
eval "$(scripts/infra.sh env)"
# helm, kubectl and kubernetes-validate for the operator's chart and schema tests.
scripts/k8s-tools.sh install
# newman, for the end-to-end run of the Postman collection.
scripts/node-tools.sh install
# schemathesis, for fuzzing the HTTP API against its OpenAPI document.
scripts/py-tools.sh install

# A CI run builds everything once: incremental caches would only cost time and disk.
if [[ -n ${CI:-} ]]; then
  export CARGO_INCREMENTAL=0
fi

step() { printf '\n==> %s\n' "$*" >&2; }
step "cargo fmt --check"
cargo fmt --all --check
step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
step "deployment files (chart, CRD, sample Shop, Tiltfile, kind, Dockerfile)"
scripts/validate-deploy.sh --self-test
step "cargo test"
cargo test --workspace --no-fail-fast
