"""The Helm chart as rendered: routing, probes, shutdown, security, secrets, OAuth, dashboard and alerts.

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

from int_hubspot.config.oauth import load_oauth_settings
from int_hubspot.config.settings import load_settings
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


def render_failure(*args: str) -> str:
    """Run helm template, expecting it to fail, and return its error output."""
    if not HELM.exists():
        pytest.fail(f"{HELM} is missing; run scripts/deploy-tools.sh (make deploy-tools)")
    result = subprocess.run(
        [str(HELM), "template", "int-hubspot", str(CHART), "--namespace", "integrations", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode != 0, f"helm template succeeded with {args}"
    return result.stderr


def set_args(values: dict[str, str]) -> list[str]:
    return [arg for key, value in values.items() for arg in ("--set", f"{key}={value}")]


def container_env(objects: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return objects["Deployment/int-hubspot"]["spec"]["template"]["spec"]["containers"][0]["env"]


def route_matches(match: dict[str, Any], method: str, path: str) -> bool:
    """Apply Gateway API path matching: Exact compares whole paths, PathPrefix whole path segments.

    A trailing slash of a PathPrefix value is ignored, so `/oauth/` also matches `/oauth`.
    """
    if match.get("method", method) != method:
        return False
    kind, value = match["path"]["type"], match["path"]["value"]
    if kind == "Exact":
        return path == value
    assert kind == "PathPrefix", kind
    prefix = value.rstrip("/")
    return path == prefix or path.startswith(prefix + "/")


# The smallest values that turn OAuth on: every required value and Secret set.
OAUTH_REQUIRED = {
    "oauth.enabled": "true",
    "oauth.hubspotClientId": "app-client-id",
    "oauth.keycloak.url": "http://keycloak.keycloak.svc:8080",
    "secrets.tokenKeys.existingSecret": "oauth-token-keys",
    "secrets.stateKey.existingSecret": "oauth-state",
    "secrets.keycloakClientSecret.existingSecret": "keycloak-client",
}
OAUTH_VARIABLES = {
    "INT_HUBSPOT_OAUTH_ENABLED",
    "INT_HUBSPOT_HUBSPOT_CLIENT_ID",
    "INT_HUBSPOT_OAUTH_REDIRECT_URL",
    "INT_HUBSPOT_OAUTH_SCOPES",
    "INT_HUBSPOT_OAUTH_OPTIONAL_SCOPES",
    "INT_HUBSPOT_STATE_KEY",
    "INT_HUBSPOT_STATE_TTL_S",
    "INT_HUBSPOT_TOKEN_KEYS",
    "INT_HUBSPOT_REFRESH_MARGIN_S",
    "INT_HUBSPOT_HTTP_TIMEOUT_S",
    "INT_HUBSPOT_HUBSPOT_API_URL",
    "INT_HUBSPOT_HUBSPOT_APP_URL",
    "INT_HUBSPOT_KEYCLOAK_URL",
    "INT_HUBSPOT_KEYCLOAK_REALM",
    "INT_HUBSPOT_KEYCLOAK_CLIENT_ID",
    "INT_HUBSPOT_KEYCLOAK_CLIENT_SECRET",
    "INT_HUBSPOT_KEYCLOAK_ADMIN_ROLE",
}


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
    objects = render(*set_args(OAUTH_REQUIRED))
    from_secrets = {
        entry["name"]: entry["valueFrom"]["secretKeyRef"]
        for entry in container_env(objects)
        if "valueFrom" in entry
    }

    assert from_secrets == {
        "INT_HUBSPOT_CLIENT_SECRET": {"name": "int-hubspot-hubspot-app", "key": "client-secret"},
        "INT_HUBSPOT_TOKEN_KEYS": {"name": "oauth-token-keys", "key": "token-keys"},
        "INT_HUBSPOT_STATE_KEY": {"name": "oauth-state", "key": "state-key"},
        "INT_HUBSPOT_KEYCLOAK_CLIENT_SECRET": {"name": "keycloak-client", "key": "client-secret"},
    }
    assert not [name for name in objects if name.startswith("Secret/")]


def test_oauth_env_absent_by_default() -> None:
    names = {entry["name"] for entry in container_env(render())}

    assert not names & OAUTH_VARIABLES


def test_oauth_env_absent_when_disabled_with_secrets() -> None:
    values = dict(OAUTH_REQUIRED, **{"oauth.enabled": "false"})
    names = {entry["name"] for entry in container_env(render(*set_args(values)))}

    assert not names & OAUTH_VARIABLES


def test_oauth_env_when_enabled() -> None:
    objects = render(*set_args(OAUTH_REQUIRED), "--set", "gateway.publicUrl=https://hooks.example.com/")
    env = {entry["name"]: entry for entry in container_env(objects)}
    values = {name: entry["value"] for name, entry in env.items() if "value" in entry}

    assert set(env) >= OAUTH_VARIABLES
    assert values["INT_HUBSPOT_OAUTH_ENABLED"] == "true"
    assert values["INT_HUBSPOT_HUBSPOT_CLIENT_ID"] == "app-client-id"
    assert values["INT_HUBSPOT_OAUTH_REDIRECT_URL"] == "https://hooks.example.com/oauth/callback"
    assert values["INT_HUBSPOT_OAUTH_SCOPES"] == "oauth crm.objects.contacts.read"
    assert values["INT_HUBSPOT_OAUTH_OPTIONAL_SCOPES"] == ""
    assert values["INT_HUBSPOT_STATE_TTL_S"] == "600"
    assert values["INT_HUBSPOT_REFRESH_MARGIN_S"] == "300"
    assert values["INT_HUBSPOT_HTTP_TIMEOUT_S"] == "10"
    assert values["INT_HUBSPOT_HUBSPOT_API_URL"] == "https://api.hubapi.com"
    assert values["INT_HUBSPOT_HUBSPOT_APP_URL"] == "https://app.hubspot.com"
    assert values["INT_HUBSPOT_KEYCLOAK_URL"] == "http://keycloak.keycloak.svc:8080"
    assert values["INT_HUBSPOT_KEYCLOAK_REALM"] == "ameide"
    assert values["INT_HUBSPOT_KEYCLOAK_CLIENT_ID"] == "int-hubspot-gateway"
    assert values["INT_HUBSPOT_KEYCLOAK_ADMIN_ROLE"] == "hubspot-tenant-admin"
    assert values["INT_HUBSPOT_TENANTS_TOPIC"] == "hubspot.tenants"


def test_oauth_env_from_values() -> None:
    objects = render(
        *set_args(OAUTH_REQUIRED),
        "--set",
        "oauth.redirectUrl=https://install.example.com/oauth/callback",
        "--set",
        "oauth.scopes={oauth,crm.objects.companies.read}",
        "--set",
        "oauth.optionalScopes={crm.objects.deals.read,tickets}",
        "--set",
        "oauth.stateTtlSeconds=900,oauth.refreshMarginSeconds=600,oauth.httpTimeoutSeconds=5",
        "--set",
        "oauth.keycloak.realm=tenants,oauth.keycloak.clientId=gw,oauth.keycloak.adminRole=ops",
    )
    values = {entry["name"]: entry.get("value") for entry in container_env(objects)}

    assert values["INT_HUBSPOT_OAUTH_REDIRECT_URL"] == "https://install.example.com/oauth/callback"
    assert values["INT_HUBSPOT_OAUTH_SCOPES"] == "oauth crm.objects.companies.read"
    assert values["INT_HUBSPOT_OAUTH_OPTIONAL_SCOPES"] == "crm.objects.deals.read tickets"
    assert values["INT_HUBSPOT_STATE_TTL_S"] == "900"
    assert values["INT_HUBSPOT_REFRESH_MARGIN_S"] == "600"
    assert values["INT_HUBSPOT_HTTP_TIMEOUT_S"] == "5"
    assert values["INT_HUBSPOT_KEYCLOAK_REALM"] == "tenants"
    assert values["INT_HUBSPOT_KEYCLOAK_CLIENT_ID"] == "gw"
    assert values["INT_HUBSPOT_KEYCLOAK_ADMIN_ROLE"] == "ops"


def test_oauth_secrets_never_inline() -> None:
    env = container_env(render(*set_args(OAUTH_REQUIRED)))
    secret_names = {"INT_HUBSPOT_TOKEN_KEYS", "INT_HUBSPOT_STATE_KEY", "INT_HUBSPOT_KEYCLOAK_CLIENT_SECRET"}

    for entry in env:
        if entry["name"] in secret_names:
            assert "value" not in entry, entry["name"]
            assert set(entry["valueFrom"]) == {"secretKeyRef"}, entry["name"]


@pytest.mark.parametrize("missing", sorted(set(OAUTH_REQUIRED) - {"oauth.enabled"}))
def test_oauth_missing_required_value_fails(missing: str) -> None:
    values = dict(OAUTH_REQUIRED, **{missing: ""})

    error = render_failure(*set_args(values))

    assert "oauth.enabled is true but these values are missing: " in error
    assert f"{missing} (" in error
    for other in set(OAUTH_REQUIRED) - {"oauth.enabled", missing}:
        assert f"{other} (" not in error


def test_oauth_missing_values_listed_together() -> None:
    error = render_failure("--set", "oauth.enabled=true")

    for key in set(OAUTH_REQUIRED) - {"oauth.enabled"}:
        assert f"{key} (" in error


def test_oauth_blank_client_id_fails() -> None:
    values = dict(OAUTH_REQUIRED, **{"oauth.hubspotClientId": "   "})

    error = render_failure(*set_args(values))

    assert "oauth.hubspotClientId (" in error


def test_oauth_realm_mismatch_fails() -> None:
    values = dict(OAUTH_REQUIRED, **{"oauth.keycloak.realm": "other", "keycloakRealm.enabled": "true"})

    error = render_failure(*set_args(values))

    assert 'keycloakRealm imports the realm "ameide" but oauth.keycloak.realm is "other"' in error


def test_oauth_realm_without_client_fails() -> None:
    values = dict(OAUTH_REQUIRED, **{"oauth.keycloak.clientId": "other", "keycloakRealm.enabled": "true"})

    error = render_failure(*set_args(values))

    assert 'keycloakRealm has no client "other"' in error


def test_oauth_unknown_key_rejected() -> None:
    error = render_failure("--set", "oauth.clientSecret=x")

    assert "clientSecret" in error


def test_production_values_enable_oauth() -> None:
    objects = render("-f", str(CHART / "ci" / "production-values.yaml"))
    names = {entry["name"] for entry in container_env(objects)}

    assert names >= OAUTH_VARIABLES


def test_production_oauth_env_loads_in_gateway() -> None:
    # Stand-in secret values of the right shape, in place of the secretKeyRefs a cluster resolves.
    secret_values = {
        "INT_HUBSPOT_CLIENT_SECRET": "c" * 36,
        "INT_HUBSPOT_TOKEN_KEYS": "k1:" + base64.b64encode(bytes(32)).decode(),
        "INT_HUBSPOT_STATE_KEY": "s" * 32,
        "INT_HUBSPOT_KEYCLOAK_CLIENT_SECRET": "keycloak-secret",
    }
    env = container_env(render("-f", str(CHART / "ci" / "production-values.yaml")))
    environ = {
        entry["name"]: entry["value"] if "value" in entry else secret_values[entry["name"]] for entry in env
    }

    oauth = load_oauth_settings(environ, load_settings(environ))

    assert oauth is not None
    assert oauth.redirect_url == "https://hubspot.ameide.io/oauth/callback"
    assert oauth.scopes == ("oauth", "crm.objects.contacts.read", "crm.objects.companies.read")
    assert oauth.optional_scopes == ("crm.objects.deals.read",)
    assert oauth.keycloak_url == "https://auth.ameide.io"
    assert oauth.state_ttl_s == 900
    assert oauth.http_timeout_s == 8.0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/tenants"),
        ("GET", "/tenants/62515"),
        ("DELETE", "/tenants/62515"),
        ("GET", "/health"),
        ("GET", "/ready"),
        ("GET", "/metrics"),
        ("POST", "/oauth/callback"),
    ],
)
def test_httproute_does_not_route_internal_paths(method: str, path: str) -> None:
    route = render(*set_args(OAUTH_REQUIRED))["HTTPRoute/int-hubspot"]
    matches = [match for rule in route["spec"]["rules"] for match in rule["matches"]]

    assert not [match for match in matches if route_matches(match, method, path)]


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/webhooks"), ("GET", "/oauth/install"), ("GET", "/oauth/callback")]
)
def test_httproute_routes_public_paths(method: str, path: str) -> None:
    route = render(*set_args(OAUTH_REQUIRED))["HTTPRoute/int-hubspot"]
    matches = [match for rule in route["spec"]["rules"] for match in rule["matches"]]

    assert [match for match in matches if route_matches(match, method, path)]


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
