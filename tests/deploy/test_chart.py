"""The Helm chart as rendered: routing, probes, shutdown, security, secrets, and dashboard and alert names.

The schemas of every rendered object are checked by scripts/chart-test.sh (`make chart-test`); these
tests check what the schemas cannot: that the objects say what the deployment needs.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from int_hubspot_service.telemetry import names

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "int-hubspot"
HELM = ROOT / ".cache" / "bin" / "helm"
DASHBOARD = CHART / "files" / "dashboards" / "int-hubspot.json"
RULES = CHART / "files" / "alerts" / "int-hubspot.rules.yaml"

# Exported Prometheus names: counters get `_total`, histograms `_bucket`, `_count` and `_sum`.
HISTOGRAMS = {names.ACK_LATENCY, names.KAFKA_LATENCY}
GAUGES = {names.PRODUCER_QUEUE_DEPTH}


def exported_names() -> set[str]:
    exported: set[str] = set()
    for name in names.MetricName.__args__:
        if name in HISTOGRAMS:
            exported.update(f"{name}_{suffix}" for suffix in ("bucket", "count", "sum"))
        elif name in GAUGES:
            exported.add(name)
        else:
            exported.add(f"{name}_total")
    return exported


def metric_names_in(expr: str) -> set[str]:
    return set(re.findall(r"\b(int_hubspot_[a-z_]+)", expr))


def render(*args: str) -> dict[str, dict[str, Any]]:
    if not HELM.exists():
        pytest.fail(f"{HELM} is missing; run scripts/deploy-tools.sh (make deploy-tools)")
    output = subprocess.run(
        [str(HELM), "template", "int-hubspot", str(CHART), "--namespace", "integrations", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return {f"{doc['kind']}/{doc['metadata']['name']}": doc for doc in yaml.safe_load_all(output) if doc}


def dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def alert_expressions() -> list[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def test_default_render_objects() -> None:
    objects = render()

    assert set(objects) == {
        "ServiceAccount/int-hubspot",
        "Service/int-hubspot",
        "Deployment/int-hubspot",
        "HorizontalPodAutoscaler/int-hubspot",
        "PodDisruptionBudget/int-hubspot",
        "HTTPRoute/int-hubspot",
        "ConfigMap/int-hubspot-dashboard",
    }


def test_httproute_exposes_only_webhooks_and_oauth() -> None:
    route = render("--set", "httpRoute.host=hooks.example.com")["HTTPRoute/int-hubspot"]

    assert route["spec"]["hostnames"] == ["hooks.example.com"]
    paths = [match["path"] for rule in route["spec"]["rules"] for match in rule["matches"]]
    assert paths == [{"type": "Exact", "value": "/webhooks"}, {"type": "PathPrefix", "value": "/oauth/"}]
    for rule in route["spec"]["rules"]:
        assert rule["backendRefs"] == [{"name": "int-hubspot", "port": 8080}]


def test_httproute_default_host_and_parent() -> None:
    route = render()["HTTPRoute/int-hubspot"]

    assert route["spec"]["hostnames"] == ["hubspot.dev.ameide.io"]
    assert route["spec"]["parentRefs"][0]["name"] == "ameide-gateway"


def test_deployment_probes_shutdown_and_security() -> None:
    pod = render()["Deployment/int-hubspot"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]

    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    pre_stop_s = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    # The grace period must cover the preStop sleep, an in-flight request (4 s) and the flush (10 s).
    assert pod["terminationGracePeriodSeconds"] >= pre_stop_s + 4 + 10
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["resources"]["requests"]["cpu"]


def test_secrets_come_from_existing_secrets() -> None:
    objects = render(
        "--set",
        "secrets.tokenKeys.existingSecret=token-keys,secrets.keycloakClientSecret.existingSecret=kc",
    )
    env = objects["Deployment/int-hubspot"]["spec"]["template"]["spec"]["containers"][0]["env"]
    from_secrets = {
        entry["name"]: entry["valueFrom"]["secretKeyRef"] for entry in env if "valueFrom" in entry
    }

    assert from_secrets == {
        "INT_HUBSPOT_CLIENT_SECRET": {"name": "int-hubspot-hubspot-app", "key": "client-secret"},
        "INT_HUBSPOT_TOKEN_KEYS": {"name": "token-keys", "key": "token-keys"},
        "INT_HUBSPOT_KEYCLOAK_CLIENT_SECRET": {"name": "kc", "key": "client-secret"},
    }
    assert not [name for name in objects if name.startswith("Secret/")]


def test_kafka_topics_from_values() -> None:
    objects = render("--set", "kafkaTopics.enabled=true,kafkaTopics.events.partitions=24")
    topics = {
        doc["spec"]["topicName"]: doc for name, doc in objects.items() if name.startswith("KafkaTopic/")
    }

    assert set(topics) == {"hubspot.events", "hubspot.events.dlq", "hubspot.tenants"}
    assert topics["hubspot.events"]["spec"]["partitions"] == 24
    assert topics["hubspot.events"]["metadata"]["labels"]["strimzi.io/cluster"] == "kafka"
    assert topics["hubspot.tenants"]["spec"]["config"]["cleanup.policy"] == "compact"


def test_keycloak_realm_from_file_or_value(tmp_path: Path) -> None:
    realm_file = tmp_path / "realm.json"
    realm_file.write_text('{"realm": "x"}')
    from_file = render("--set", "keycloakRealm.enabled=true")["Secret/int-hubspot-keycloak-realm"]
    inline = render("--set", "keycloakRealm.enabled=true", "--set-file", f"keycloakRealm.json={realm_file}")

    assert json.loads(base64.b64decode(from_file["data"]["realm.json"]))["realm"] == "ameide"
    realm = inline["Secret/int-hubspot-keycloak-realm"]["data"]["realm.json"]
    assert json.loads(base64.b64decode(realm)) == {"realm": "x"}


def test_dashboard_configmap_has_sidecar_label() -> None:
    config_map = render()["ConfigMap/int-hubspot-dashboard"]

    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(config_map["data"]["int-hubspot.json"]) == json.loads(DASHBOARD.read_text())


def test_prometheus_rule_embeds_rules_file() -> None:
    rule = render("--set", "prometheusRule.enabled=true")["PrometheusRule/int-hubspot"]

    assert rule["spec"] == yaml.safe_load(RULES.read_text())


def test_dashboard_and_alerts_use_declared_metrics() -> None:
    exported = exported_names()

    for expr in dashboard_queries() + alert_expressions():
        used = metric_names_in(expr)
        assert used, expr
        assert used <= exported, f"{expr} uses {used - exported}"


def test_dashboard_covers_required_panels() -> None:
    titles = [panel["title"] for panel in json.loads(DASHBOARD.read_text())["panels"]]

    for required in (
        "Throughput",
        "Ack latency p95",
        "Webhook to Kafka p95",
        "Responses by status",
        "Dead-letter records",
        "Signature failures",
        "Producer errors",
        "Token refresh failures",
        "Top tenants",
    ):
        assert any(title.startswith(required) for title in titles), required


def test_chart_realm_matches_generated_realm() -> None:
    chart_realm = ROOT / "charts" / "int-hubspot" / "files" / "keycloak" / "realm.json"
    generated = ROOT / "deploy" / "keycloak" / "ameide-realm.json"

    assert chart_realm.read_bytes() == generated.read_bytes(), (
        "the chart's realm.json is stale; copy deploy/keycloak/ameide-realm.json over it"
    )
