#!/usr/bin/env bash
# Lints the Helm chart, renders it with the default and the production-like values, and validates every
# rendered object against the Kubernetes, Gateway API, Prometheus Operator and Strimzi schemas.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${VENV:-$ROOT/.venv}"
HELM="$ROOT/.cache/bin/helm"
CHART=charts/int-hubspot
OUT="$ROOT/.cache/rendered"
mkdir -p "$OUT"

"$HELM" lint --strict "$CHART"
"$HELM" lint --strict "$CHART" -f "$CHART/ci/production-values.yaml"

"$HELM" template int-hubspot "$CHART" --namespace integrations >"$OUT/default.yaml"
"$HELM" template int-hubspot "$CHART" --namespace integrations \
  -f "$CHART/ci/production-values.yaml" >"$OUT/production.yaml"
# Every optional object on, with the default values otherwise.
"$HELM" template int-hubspot "$CHART" --namespace integrations \
  --set serviceMonitor.enabled=true,prometheusRule.enabled=true,kafkaTopics.enabled=true \
  --set keycloakRealm.enabled=true,autoscaling.enabled=false,podDisruptionBudget.enabled=false >"$OUT/all-optional.yaml"

"$VENV/bin/python" scripts/validate_manifests.py "$OUT/default.yaml" "$OUT/production.yaml" "$OUT/all-optional.yaml"
