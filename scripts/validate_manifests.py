"""Validate every object of a rendered Helm chart against its schema; exit 1 on the first bad file.

    python scripts/validate_manifests.py RENDERED.yaml [...]

Schemas come from registry packages that scripts/deploy-tools.sh caches in .cache/:
- built-in kinds: the Kubernetes JSON schemas of the PyPI package kubernetes-validate (strict mode,
  so unknown fields fail);
- HTTPRoute: the CRD of the Go module sigs.k8s.io/gateway-api;
- ServiceMonitor and PrometheusRule: the CRDs of the Go module
  github.com/prometheus-operator/prometheus-operator;
- KafkaTopic: the validators that the npm package @kubernetes-models/strimzi-kafka-operator generates from
  Strimzi's CRDs, run with node.

CRD schemas are checked with unknown fields rejected wherever the CRD lists properties and does not
preserve unknown fields. CEL rules (x-kubernetes-validations) are not evaluated.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache"
KUBERNETES_VERSION = os.environ.get("KUBERNETES_VERSION", "1.35.0")
GATEWAY_API_VERSION = "v1.6.3"
PROMETHEUS_OPERATOR_VERSION = "v0.85.0"

GOMOD = CACHE / "gomod"
CRD_FILES = {
    ("gateway.networking.k8s.io", "HTTPRoute"): GOMOD
    / f"sigs.k8s.io/gateway-api@{GATEWAY_API_VERSION}"
    / "config/crd/standard/gateway.networking.k8s.io_httproutes.yaml",
    ("monitoring.coreos.com", "ServiceMonitor"): GOMOD
    / f"github.com/prometheus-operator/prometheus-operator@{PROMETHEUS_OPERATOR_VERSION}"
    / "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml",
    ("monitoring.coreos.com", "PrometheusRule"): GOMOD
    / f"github.com/prometheus-operator/prometheus-operator@{PROMETHEUS_OPERATOR_VERSION}"
    / "example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml",
}

NODE_VALIDATOR = """
const objects = JSON.parse(require("fs").readFileSync(0, "utf8"));
(async () => {
  let failed = 0;
  for (const object of objects) {
    const version = object.apiVersion.split("/")[1];
    const module = await import(
      `@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/${version}/${object.kind}`
    );
    try {
      new module[object.kind](object).validate();
    } catch (error) {
      failed += 1;
      console.error(`${object.kind}/${object.metadata.name}: ${error.message}`);
    }
  }
  process.exit(failed ? 1 : 0);
})();
"""


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a CRD's openAPIV3Schema that rejects fields the CRD does not declare."""
    copy: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties":
            copy[key] = {name: strict_schema(child) for name, child in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            copy[key] = strict_schema(value)
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            copy[key] = [strict_schema(child) for child in value]
        else:
            copy[key] = value
    preserves = schema.get("x-kubernetes-preserve-unknown-fields", False)
    if "properties" in schema and "additionalProperties" not in schema and not preserves:
        copy["additionalProperties"] = False
    return copy


def crd_validator(path: Path, api_version: str) -> jsonschema.protocols.Validator:
    if not path.exists():
        raise SystemExit(f"validate_manifests: {path} is missing; run scripts/deploy-tools.sh first")
    crd = yaml.safe_load(path.read_text())
    version = api_version.split("/")[1]
    for entry in crd["spec"]["versions"]:
        if entry["name"] == version:
            schema = strict_schema(entry["schema"]["openAPIV3Schema"])
            # metadata is validated by Kubernetes itself, not by the CRD's schema.
            schema["properties"]["metadata"] = {"type": "object"}
            return jsonschema.Draft7Validator(schema)
    raise SystemExit(f"validate_manifests: {path.name} has no version {version}")


def validate_builtin(document: dict[str, Any]) -> list[str]:
    try:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{'.'.join(str(part) for part in error.path)}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError as error:
        return [error.message]
    return []


def validate_strimzi(documents: list[dict[str, Any]]) -> list[str]:
    modules = CACHE / "npm" / "node_modules"
    if not (modules / "@kubernetes-models" / "strimzi-kafka-operator").exists():
        raise SystemExit("validate_manifests: Strimzi models are missing; run scripts/deploy-tools.sh first")
    node = shutil.which("node")
    if node is None:
        raise SystemExit("validate_manifests: node is not installed; the Strimzi validators need it")
    result = subprocess.run(  # noqa: S603 - fixed arguments, the script is part of this repository
        [node, "-e", NODE_VALIDATOR],
        input=json.dumps(documents),
        capture_output=True,
        text=True,
        cwd=CACHE / "npm",
        check=False,
        timeout=120,
    )
    return [line for line in result.stderr.splitlines() if line.strip()] if result.returncode else []


def validate_file(path: Path) -> int:
    documents = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    failures = 0
    strimzi: list[dict[str, Any]] = []
    for document in documents:
        kind = document.get("kind", "?")
        name = document.get("metadata", {}).get("name", "?")
        group = document.get("apiVersion", "").split("/")[0] if "/" in document.get("apiVersion", "") else ""
        if group == "kafka.strimzi.io":
            strimzi.append(document)
            continue
        crd_path = CRD_FILES.get((group, kind))
        if crd_path is not None:
            validator = crd_validator(crd_path, document["apiVersion"])
            errors = [
                f"{'.'.join(str(part) for part in error.path)}: {error.message}"
                for error in validator.iter_errors(document)
            ]
        elif "." in group and not group.endswith(".k8s.io"):
            errors = [f"no schema known for {document['apiVersion']} {kind}; add its CRD to this script"]
        else:
            errors = validate_builtin(document)
        failures += report(path, kind, name, errors)
    if strimzi:
        errors = validate_strimzi(strimzi)
        failures += report(path, "KafkaTopic", f"({len(strimzi)} objects)", errors)
    print(f"{path}: {len(documents)} objects, {failures} invalid")
    return failures


def report(path: Path, kind: str, name: str, errors: list[str]) -> int:
    for error in errors:
        print(f"{path}: {kind}/{name}: {error}", file=sys.stderr)
    return 1 if errors else 0


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    failures = sum(validate_file(Path(path)) for path in paths)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
