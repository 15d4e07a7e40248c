"""Command-line commands of the OAuth capability, added to `int-hubspot` by `add_oauth_commands`.

int-hubspot keycloak-bootstrap     create or correct the realm with admin credentials
int-hubspot keycloak-realm-json    print the realm JSON for `kc.sh import` or a Helm chart
int-hubspot fake-hubspot           run the fake HubSpot (OAuth and CRM endpoints) for local runs
int-hubspot tokens reencrypt       re-encrypt every tenant's tokens under the current key
int-hubspot tenants status|list|uninstall
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_oauth_commands"]


def add_oauth_commands(commands: Any) -> None:
    """Register the OAuth commands on the `int-hubspot` sub-command parser `commands`."""
    bootstrap = commands.add_parser(
        "keycloak-bootstrap",
        help="create or correct the gateway's Keycloak realm, profile, groups, role and client",
        description="Admin password: INT_HUBSPOT_KEYCLOAK_ADMIN_PASSWORD, or an admin client's secret: "
        "INT_HUBSPOT_KEYCLOAK_ADMIN_CLIENT_SECRET. The gateway client's secret is set from "
        "INT_HUBSPOT_KEYCLOAK_CLIENT_SECRET when that is set.",
    )
    bootstrap.add_argument(
        "--url", default=os.environ.get("INT_HUBSPOT_KEYCLOAK_URL", "http://127.0.0.1:8180")
    )
    bootstrap.add_argument("--realm", default=os.environ.get("INT_HUBSPOT_KEYCLOAK_REALM", "ameide"))
    bootstrap.add_argument(
        "--admin-realm", default="master", help="realm of the administrator (default master)"
    )
    bootstrap.add_argument("--admin-user", help="administrator user name (password grant)")
    bootstrap.add_argument("--admin-client-id", default="admin-cli", help="client used to log the admin in")
    bootstrap.add_argument(
        "--client-id",
        default=os.environ.get("INT_HUBSPOT_KEYCLOAK_CLIENT_ID", "int-hubspot-gateway"),
        help="client id of the gateway's confidential client",
    )
    bootstrap.add_argument(
        "--admin-role",
        default=os.environ.get("INT_HUBSPOT_KEYCLOAK_ADMIN_ROLE", "hubspot-tenant-admin"),
        help="realm role that may use the /tenants admin API",
    )
    bootstrap.set_defaults(run=_keycloak_bootstrap)

    realm_json = commands.add_parser(
        "keycloak-realm-json", help="print the realm JSON (secret as a placeholder)"
    )
    realm_json.add_argument("--realm", default=os.environ.get("INT_HUBSPOT_KEYCLOAK_REALM", "ameide"))
    realm_json.add_argument("--output", help="write to this file instead of standard output")
    realm_json.set_defaults(run=_keycloak_realm_json)


def _realm_spec(args: argparse.Namespace) -> Any:
    from int_hubspot_service.keycloak.realm import RealmSpec  # noqa: PLC0415

    return RealmSpec(
        realm=args.realm,
        gateway_client_id=getattr(args, "client_id", "int-hubspot-gateway"),
        admin_role=getattr(args, "admin_role", "hubspot-tenant-admin"),
    )


def _keycloak_bootstrap(args: argparse.Namespace) -> int:
    from keycloak.exceptions import KeycloakError  # noqa: PLC0415

    from int_hubspot_service.keycloak.bootstrap import AdminCredentials, bootstrap_realm  # noqa: PLC0415

    password = os.environ.get("INT_HUBSPOT_KEYCLOAK_ADMIN_PASSWORD") or None
    admin_secret = os.environ.get("INT_HUBSPOT_KEYCLOAK_ADMIN_CLIENT_SECRET") or None
    if args.admin_user and not password:
        print(
            "int-hubspot: INT_HUBSPOT_KEYCLOAK_ADMIN_PASSWORD is empty; set the admin's password",
            file=sys.stderr,
        )
        return 2
    if not args.admin_user and not admin_secret:
        print(
            "int-hubspot: give --admin-user with INT_HUBSPOT_KEYCLOAK_ADMIN_PASSWORD, or --admin-client-id "
            "with INT_HUBSPOT_KEYCLOAK_ADMIN_CLIENT_SECRET",
            file=sys.stderr,
        )
        return 2
    credentials = AdminCredentials(
        server_url=args.url,
        user_realm=args.admin_realm,
        username=args.admin_user,
        password=password if args.admin_user else None,
        client_id=args.admin_client_id,
        client_secret=None if args.admin_user else admin_secret,
    )
    gateway_secret = os.environ.get("INT_HUBSPOT_KEYCLOAK_CLIENT_SECRET") or None
    try:
        changes = bootstrap_realm(credentials, _realm_spec(args), gateway_secret)
    except KeycloakError as error:
        print(
            f"int-hubspot: Keycloak bootstrap of realm {args.realm} at {args.url} failed: {error}",
            file=sys.stderr,
        )
        return 1
    for change in changes:
        print(f"keycloak-bootstrap: {change}")
    print(f"keycloak-bootstrap: realm {args.realm} is up to date ({len(changes)} changes)")
    return 0


def _keycloak_realm_json(args: argparse.Namespace) -> int:
    from int_hubspot_service.keycloak.realm import render_realm_json  # noqa: PLC0415

    text = render_realm_json(_realm_spec(args))
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)
