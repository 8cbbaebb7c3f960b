#!/usr/bin/env bash
# The whole platform on a real (local) Kubernetes cluster, for machines with Docker:
# creates a kind cluster, installs ingress-nginx, builds and loads the images,
# installs the operator with its chart, applies the sample Shop, waits until it is
# Ready, runs the HTTP scenario through the ingress, and tears the cluster down.
#
# Needs: docker, kind, kubectl, helm (scripts/k8s-tools.sh install provides helm and
# kubectl), and network access for the base images and the ingress-nginx manifest.
# KEEP_CLUSTER=1 keeps the cluster afterwards (for a look around or `tilt up`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CLUSTER=${KIND_CLUSTER:-rustshop}
HOST=${SHOP_HOST:-shop.localtest.me}
INGRESS_NGINX=${INGRESS_NGINX_MANIFEST:-https://raw.githubusercontent.com/kubernetes/ingress-nginx/main/deploy/static/provider/kind/deploy.yaml}
TOOLS=${RUSTSHOP_CACHE:-$HOME/.cache/rustshop}/tools/bin
export PATH="$TOOLS:$PATH"

step() { printf '\n==> %s\n' "$*" >&2; }
for tool in docker kind kubectl helm curl; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }
done

teardown() {
  if [[ ${KEEP_CLUSTER:-0} == 1 ]]; then
    echo "keeping cluster $CLUSTER (kind delete cluster --name $CLUSTER to remove it)" >&2
  else
    kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true
  fi
}
trap teardown EXIT

step "kind cluster $CLUSTER"
kind get clusters | grep -qx "$CLUSTER" || kind create cluster --name "$CLUSTER" --config kind-config.yaml
kubectl config use-context "kind-$CLUSTER" >/dev/null

step "ingress-nginx"
kubectl apply -f "$INGRESS_NGINX"
kubectl wait --namespace ingress-nginx --for=condition=ready pod \
  --selector=app.kubernetes.io/component=controller --timeout=300s

step "images"
scripts/build-images.sh

step "operator"
helm upgrade --install shop-operator charts/shop-operator \
  --namespace rustshop-system --create-namespace --wait --timeout 5m

step "the sample Shop"
kubectl apply -f examples/shop.yaml
kubectl wait shop/shop --for=condition=Ready --timeout=15m
kubectl get shop shop

step "HTTP scenario through the ingress (http://$HOST)"
base="http://$HOST/api/v1"
expect() { # expect STATUS METHOD PATH [BODY] [TOKEN]
  local want=$1 method=$2 path=$3 body=${4:-} token=${5:-} got
  local args=(-sS -o /tmp/rustshop-e2e.json -w '%{http_code}' -X "$method" "$base$path" -H 'content-type: application/json')
  [[ -n $body ]] && args+=(-d "$body")
  [[ -n $token ]] && args+=(-H "authorization: Bearer $token")
  got=$(curl "${args[@]}")
  if [[ $got != "$want" ]]; then
    echo "$method $path: expected $want, got $got: $(cat /tmp/rustshop-e2e.json)" >&2
    exit 1
  fi
  echo "  $method $path -> $got" >&2
}
json() { python3 -c "import json,sys; print(json.load(open('/tmp/rustshop-e2e.json'))$1)"; }

admin_email=$(kubectl get secret shop-admin -o jsonpath='{.data.email}' | base64 -d)
admin_password=$(kubectl get secret shop-admin -o jsonpath='{.data.password}' | base64 -d)
user="kind-$(date +%s)@example.com"

expect 200 GET /products
expect 201 POST /auth/register "{\"name\":\"Kind User\",\"email\":\"$user\",\"password\":\"Kind-user-pass-1\"}"
expect 200 POST /auth/login "{\"email\":\"$user\",\"password\":\"Kind-user-pass-1\"}"
token=$(json "['data']['accessToken']")
expect 200 POST /auth/login "{\"email\":\"$admin_email\",\"password\":\"$admin_password\"}"
admin=$(json "['data']['accessToken']")
expect 201 POST /products '{"name":"Kind Mug","description":"made on kind","price":12.5,"stock":3}' "$admin"
product=$(json "['data']['id']")
expect 200 POST /cart/add "{\"productId\":\"$product\",\"quantity\":2}" "$token"
expect 201 POST /orders/checkout '' "$token"
order=$(json "['data']['id']")
for _ in $(seq 1 60); do
  expect 200 GET "/orders/$order" '' "$token"
  status=$(json "['data']['status']")
  [[ $status == shipped ]] && break
  sleep 2
done
[[ $status == shipped ]] || { echo "order $order is $status, not shipped" >&2; exit 1; }
echo "order $order shipped through the ingress: the platform works on Kubernetes" >&2
