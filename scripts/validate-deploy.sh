#!/usr/bin/env bash
# Offline validation of everything that deploys rustshop, with no cluster and no
# Docker: the operator chart (helm lint, and every rendered object strictly against
# the Kubernetes schemas), its copy of the CRD, the sample Shop against the CRD
# schema (undeclared fields refused), the Tiltfile (evaluated by a Starlark
# interpreter with stubs of Tilt's builtins), kind-config.yaml, and the Dockerfile
# (hadolint, and one non-root target per image). The infra charts, the CRD's
# freshness and the operator's own objects are checked by `cargo test -p shop-operator`.
#
# Usage: scripts/validate-deploy.sh              validate the repository
#        scripts/validate-deploy.sh --self-test  also check that each validation fails
#                                                on a deliberately broken copy
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

"$ROOT/scripts/k8s-tools.sh" install
eval "$("$ROOT/scripts/k8s-tools.sh" env)"
HADOLINT=$("$ROOT/scripts/k8s-tools.sh" path)/hadolint
PY=$K8S_TOOLS_PYTHON
CHECKS=$ROOT/scripts/validate

# Validates the deployment files of the tree at $1; fails at the first problem.
# Every step returns explicitly: `set -e` does not apply inside a function that is
# called as an `if` condition (as the self-test does).
validate_tree() {
  local tree=$1 variant
  "$HELM_BIN" lint --strict --quiet "$tree/charts/shop-operator" >&2 || return 1
  for variant in "" "--set watchNamespace=shops --set namespace.create=true"; do
    # shellcheck disable=SC2086 # the variant is a list of flags
    "$HELM_BIN" template shop-operator "$tree/charts/shop-operator" --namespace rustshop-system \
      --include-crds $variant | "$KUBERNETES_VALIDATE_BIN" --strict --quiet - || return 1
  done
  cmp -s "$tree/crds/shop.yaml" "$tree/charts/shop-operator/crds/shop.yaml" || {
    echo "charts/shop-operator/crds/shop.yaml differs from crds/shop.yaml; copy it over" >&2
    return 1
  }
  "$PY" "$CHECKS/shop_schema.py" "$tree/crds/shop.yaml" "$tree/examples/shop.yaml" || return 1
  "$PY" "$CHECKS/tiltfile.py" "$tree" "$HELM_BIN" || return 1
  "$PY" "$CHECKS/kind_config.py" "$tree/kind-config.yaml" || return 1
  "$PY" "$CHECKS/dockerfile.py" "$tree/Dockerfile" || return 1
  "$HADOLINT" "$tree/Dockerfile" || return 1
}

# Each breakage must make validate_tree fail.
BREAKAGES=(
  "broken chart template|charts/shop-operator/templates/deployment.yaml|\$a{{ end }}"
  "misspelled field in a chart template|charts/shop-operator/templates/deployment.yaml|s/serviceAccountName:/serviceAcountName:/"
  "misspelled field in the sample Shop|examples/shop.yaml|s/replicas: 2/replica: 2/"
  "stale CRD in the chart|charts/shop-operator/crds/shop.yaml|s/description: /description: stale /"
  "unknown Tilt builtin|Tiltfile|s/^allow_k8s_contexts(/allow_k8s_context(/"
  "misspelled Tilt keyword|Tiltfile|s/        target=service,/        targt=service,/"
  "kind cluster without port 443|kind-config.yaml|s/hostPort: 443/hostPort: 8443/"
  "Dockerfile without a service target|Dockerfile|s/ AS cart$/ AS kart/"
)

self_test() {
  local work entry name file edit failures=0
  work=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now
  trap "rm -rf '$work'" RETURN
  for entry in "${BREAKAGES[@]}"; do
    IFS='|' read -r name file edit <<<"$entry"
    rm -rf "$work/tree" && mkdir -p "$work/tree"
    (cd "$ROOT" && cp -r --parents charts/shop-operator crds examples Tiltfile kind-config.yaml Dockerfile "$work/tree")
    cp "$work/tree/$file" "$work/before"
    sed -i -e "$edit" "$work/tree/$file"
    if cmp -s "$work/before" "$work/tree/$file"; then
      echo "self-test: the breakage '$name' changed nothing in $file" >&2
      failures=$((failures + 1))
    elif validate_tree "$work/tree" >/dev/null 2>&1; then
      echo "self-test: validation passed despite: $name" >&2
      failures=$((failures + 1))
    else
      echo "self-test: caught $name" >&2
    fi
  done
  return "$failures"
}

validate_tree "$ROOT" || { echo "deployment files are invalid (see above)" >&2; exit 1; }
if [[ ${1:-} == --self-test ]]; then
  self_test
fi
echo "deployment files valid" >&2
