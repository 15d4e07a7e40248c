"""The package layer `int_hubspot` never imports the service layer `int_hubspot_service`.

Two checks: a static one over every import statement in the source, and a dynamic one that imports
every module in a fresh interpreter, which also catches imports made through `importlib`.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import int_hubspot

PACKAGE_DIR = Path(int_hubspot.__file__).parent
SERVICE_PACKAGE = "int_hubspot_service"

IMPORT_ALL_MODULES = """
import importlib, json, pkgutil, sys
import int_hubspot

names = [info.name for info in pkgutil.walk_packages(int_hubspot.__path__, "int_hubspot.")]
for name in names:
    importlib.import_module(name)
service = sorted(name for name in sys.modules if name.split(".")[0] == "int_hubspot_service")
print(json.dumps({"modules": names, "service": service}))
"""


def imported_modules(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            names.append(node.module)
    return names


def test_package_sources_found() -> None:
    sources = list(PACKAGE_DIR.rglob("*.py"))
    assert PACKAGE_DIR / "webhook" / "signature.py" in sources


def test_no_service_import_in_source() -> None:
    offenders = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for module in imported_modules(tree):
            if module.split(".")[0] == SERVICE_PACKAGE:
                offenders.append(f"{path.relative_to(PACKAGE_DIR.parent)} imports {module}")
    assert offenders == []


def test_no_service_module_loaded() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL_MODULES],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr

    loaded = json.loads(completed.stdout)
    assert "int_hubspot.webhook.signature" in loaded["modules"]
    assert loaded["service"] == []
