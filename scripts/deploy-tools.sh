#!/usr/bin/env bash
# Installs the tools that the chart and alert tests need, from package registries only, into .cache/.
# Idempotent: a second run checks versions and downloads nothing. Sources:
# - helm: the Go module helm.sh/helm/v4, built with `go install`.
# - CRD schemas: the Go modules sigs.k8s.io/gateway-api and github.com/prometheus-operator/prometheus-operator.
# - Strimzi: the npm package @kubernetes-models/strimzi-kafka-operator (validators built from Strimzi's CRDs).
# - Kubernetes schemas: the PyPI packages kubernetes-validate, jsonschema and PyYAML in the project venv.
# - promtool and prometheus: the Debian package prometheus (apt-get needs root).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
VENV="${VENV:-$ROOT/.venv}"
HELM_VERSION=v4.3.2
GATEWAY_API_VERSION=v1.6.3
PROMETHEUS_OPERATOR_VERSION=v0.85.0
STRIMZI_MODELS_VERSION=1.0.1
mkdir -p "$CACHE/bin" "$CACHE/gomod" "$CACHE/npm"

say() { echo "deploy-tools: $*" >&2; }

if ! "$CACHE/bin/helm" version 2>/dev/null | grep -q "Version:\"${HELM_VERSION%.*}"; then
  say "building helm $HELM_VERSION with go install (a few minutes on 2 cores)"
  GOBIN="$CACHE/bin" go install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
fi

for module in "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" \
  "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION"; do
  if [[ ! -d "$CACHE/gomod/$module" ]]; then
    say "downloading the Go module $module for its CRDs"
    GOMODCACHE="$CACHE/gomod" GOFLAGS=-modcacherw go mod download "$module"
  fi
done

if [[ ! -f "$CACHE/npm/node_modules/@kubernetes-models/strimzi-kafka-operator/package.json" ]]; then
  say "installing @kubernetes-models/strimzi-kafka-operator@$STRIMZI_MODELS_VERSION"
  [[ -f "$CACHE/npm/package.json" ]] || echo '{"private": true}' >"$CACHE/npm/package.json"
  (cd "$CACHE/npm" && npm install --no-audit --no-fund --silent \
    "@kubernetes-models/strimzi-kafka-operator@$STRIMZI_MODELS_VERSION")
fi

if ! "$VENV/bin/python" -c "import kubernetes_validate, jsonschema, yaml" 2>/dev/null; then
  say "installing kubernetes-validate, jsonschema and PyYAML into $VENV"
  "$VENV/bin/pip" install -q "kubernetes-validate==1.37.0" "jsonschema>=4.20" "pyyaml>=6"
fi

if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then
  if [[ "$(id -u)" -ne 0 ]]; then
    say "promtool and prometheus are missing; install the Debian package prometheus as root"
    exit 1
  fi
  say "installing the Debian package prometheus (promtool, prometheus)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
