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
import json
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

    fake = commands.add_parser(
        "fake-hubspot", help="run the fake HubSpot (OAuth and CRM endpoints) in the foreground"
    )
    fake.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    fake.add_argument("--port", type=int, default=8190, help="port to bind (default 8190)")
    fake.add_argument(
        "--client-id",
        default=os.environ.get("INT_HUBSPOT_HUBSPOT_CLIENT_ID"),
        help="accept only this client id (default: INT_HUBSPOT_HUBSPOT_CLIENT_ID, else any)",
    )
    fake.set_defaults(run=_fake_hubspot)

    tokens = commands.add_parser("tokens", help="token store maintenance")
    token_commands = tokens.add_subparsers(required=True, metavar="ACTION")
    reencrypt = token_commands.add_parser(
        "reencrypt", help="re-encrypt every tenant's tokens under the first key of INT_HUBSPOT_TOKEN_KEYS"
    )
    reencrypt.add_argument(
        "--portal", action="append", default=None, metavar="PORTAL_ID", help="only this portal (repeatable)"
    )
    reencrypt.set_defaults(run=_tokens_reencrypt)

    tenants = commands.add_parser("tenants", help="list, inspect or uninstall tenants")
    tenant_commands = tenants.add_subparsers(required=True, metavar="ACTION")
    tenant_list = tenant_commands.add_parser("list", help="print the portal ids of every tenant")
    tenant_list.set_defaults(run=_tenants_list)
    tenant_status = tenant_commands.add_parser("status", help="print a tenant's status as JSON (no tokens)")
    tenant_status.add_argument("portal_id")
    tenant_status.set_defaults(run=_tenants_status)
    uninstall = tenant_commands.add_parser(
        "uninstall", help="revoke the refresh token, publish the lifecycle record, delete user and group"
    )
    uninstall.add_argument("portal_id")
    uninstall.add_argument("--force", action="store_true", help="continue when the revocation fails")
    uninstall.set_defaults(run=_tenants_uninstall)


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


def _fake_hubspot(args: argparse.Namespace) -> int:
    from int_hubspot_service.fake_hubspot.server import FakeHubSpotServer  # noqa: PLC0415
    from int_hubspot_service.fake_hubspot.state import FakeState  # noqa: PLC0415

    server = FakeHubSpotServer(args.host, args.port, FakeState(client_id=args.client_id))
    print(
        f"fake HubSpot on {server.base_url} (control API under /_control/); Ctrl-C stops it", file=sys.stderr
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _oauth_settings_or_exit() -> Any:
    from int_hubspot.config.oauth import load_oauth_settings  # noqa: PLC0415
    from int_hubspot.config.settings import ConfigError, load_settings  # noqa: PLC0415

    try:
        oauth = load_oauth_settings(os.environ, load_settings(os.environ))
    except ConfigError as error:
        print(f"int-hubspot: {error}", file=sys.stderr)
        raise SystemExit(2) from error
    if oauth is None:
        print(
            "int-hubspot: OAuth is off; set INT_HUBSPOT_HUBSPOT_CLIENT_ID and the OAuth settings",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return oauth


def _tokens_reencrypt(args: argparse.Namespace) -> int:
    from int_hubspot_service.oauth.maintenance import reencrypt_all  # noqa: PLC0415

    settings = _oauth_settings_or_exit()
    rewritten, unchanged, failed = asyncio.run(reencrypt_all(settings, args.portal))
    print(f"tokens reencrypt: {rewritten} tenants re-encrypted, {unchanged} already current, {failed} failed")
    return 1 if failed else 0


def _tenants_list(_args: argparse.Namespace) -> int:
    from int_hubspot_service.oauth.maintenance import list_tenants  # noqa: PLC0415

    for portal_id in asyncio.run(list_tenants(_oauth_settings_or_exit())):
        print(portal_id)
    return 0


def _tenants_status(args: argparse.Namespace) -> int:
    from int_hubspot_service.oauth.maintenance import tenant_status  # noqa: PLC0415

    status = asyncio.run(tenant_status(_oauth_settings_or_exit(), args.portal_id))
    if status is None:
        print(f"int-hubspot: portal {args.portal_id} is not installed", file=sys.stderr)
        return 1
    print(json.dumps(status, indent=2))
    return 0


def _tenants_uninstall(args: argparse.Namespace) -> int:
    from int_hubspot_service.oauth.maintenance import uninstall  # noqa: PLC0415

    settings = _oauth_settings_or_exit()
    bootstrap = os.environ.get("INT_HUBSPOT_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    try:
        result = asyncio.run(uninstall(settings, bootstrap, args.portal_id, force=args.force))
    except Exception as error:  # report any failure as one line; nothing was deleted before it
        print(
            f"int-hubspot: uninstall of {args.portal_id} failed: {type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return 1
    print(json.dumps(result, indent=2))
    return 0 if result["found"] else 1
