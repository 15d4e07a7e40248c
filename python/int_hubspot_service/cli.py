"""Command line of int-hubspot.

int-hubspot serve              run the gateway (server chosen by INT_HUBSPOT_SERVER)
int-hubspot check-config       validate the INT_HUBSPOT_* variables and print the settings
int-hubspot post FILE          sign a batch file with the v3 scheme and POST it to a gateway
int-hubspot tail               print records from the events or dead-letter topic

OAuth commands (keycloak-bootstrap, keycloak-realm-json, fake-hubspot, tokens, tenants) are listed in
`int_hubspot_service.oauth_cli`.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from urllib.parse import urlsplit

from int_hubspot.config.settings import ConfigError, Settings, load_settings
from int_hubspot_service.logs import configure_logging, granian_log_config
from int_hubspot_service.oauth_cli import add_oauth_commands

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named in `argv` and return its exit status."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    return int(args.run(args))


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="int-hubspot", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the gateway with settings from INT_HUBSPOT_* variables")
    serve.set_defaults(run=_serve)

    check = commands.add_parser("check-config", help="validate the settings and print them (secrets hidden)")
    check.set_defaults(run=_check_config)

    post = commands.add_parser("post", help="sign a HubSpot batch file (v3) and POST it to a gateway")
    post.add_argument("file", help="JSON file holding the batch, sent byte for byte")
    post.add_argument("--url", default="http://127.0.0.1:8080/webhooks", help="webhook URL to POST to")
    post.add_argument(
        "--signed-url",
        help="URL to sign when it differs from --url (the gateway's INT_HUBSPOT_PUBLIC_URL plus path)",
    )
    post.add_argument(
        "--secret-env",
        default="INT_HUBSPOT_CLIENT_SECRET",
        help="environment variable holding the client secret (first of a comma-separated list)",
    )
    post.set_defaults(run=_post)

    tail = commands.add_parser("tail", help="print records of a topic as JSON lines")
    tail.add_argument("--topic", default=None, help="topic to read (default: INT_HUBSPOT_EVENTS_TOPIC)")
    tail.add_argument("--max", type=int, default=10, help="how many records to print")
    tail.add_argument(
        "--from-beginning",
        action="store_true",
        help="print the oldest records instead of the newest",
    )
    tail.add_argument("--timeout", type=float, default=10.0, help="stop after this many seconds")
    tail.set_defaults(run=_tail)

    add_oauth_commands(commands)
    return parser


def _settings_or_exit() -> Settings:
    try:
        return load_settings(os.environ)
    except ConfigError as error:
        print(f"int-hubspot: {error}", file=sys.stderr)
        raise SystemExit(2) from error


def _check_config(_args: argparse.Namespace) -> int:
    print(_settings_or_exit())
    return 0


def _serve(_args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    configure_logging(settings.log_level, settings.client_secrets.values)
    if _port_in_use(settings.host, settings.port):
        print(f"int-hubspot: port {settings.port} on {settings.host} is already in use", file=sys.stderr)
        return 2
    if settings.server == "robyn":
        return _serve_robyn(settings)
    return _serve_granian(settings)


def _serve_granian(settings: Settings) -> int:
    from granian import Granian  # noqa: PLC0415 - imported only for the chosen server
    from granian.constants import Interfaces  # noqa: PLC0415

    Granian(
        "int_hubspot_service.frontends.granian_app:app",
        address=settings.host,
        port=settings.port,
        interface=Interfaces.RSGI,
        workers=settings.workers,
        log_access=False,
        log_dictconfig=granian_log_config(),
    ).serve()
    return 0


def _serve_robyn(settings: Settings) -> int:
    # Robyn reads its process options from sys.argv when the application object is built. One
    # process only: Robyn's multi-process mode ends its workers with SIGKILL, which skips the flush.
    sys.argv = [sys.argv[0], "--processes", "1", "--workers", "1", "--disable-openapi", "--log-level", "WARN"]
    from int_hubspot_service.frontends.robyn_app import (  # noqa: PLC0415
        build_robyn_app,
        install_shutdown_handler,
    )

    robyn, gateway, in_flight = build_robyn_app(settings)
    install_shutdown_handler(gateway, in_flight)
    robyn.start(host=settings.host, port=settings.port, _check_port=False)
    return 0


def _port_in_use(host: str, port: int) -> bool:
    probe_host = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((probe_host, port)) == 0


def _post(args: argparse.Namespace) -> int:
    from int_hubspot.webhook.signature import sign_v3  # noqa: PLC0415

    secrets = os.environ.get(args.secret_env, "")
    secret = secrets.split(",")[0].strip()
    if not secret:
        print(f"int-hubspot: {args.secret_env} is empty; set it to the client secret", file=sys.stderr)
        return 2
    try:
        with open(args.file, "rb") as handle:
            body = handle.read()
    except OSError as error:
        print(f"int-hubspot: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2

    signed_url = args.signed_url or args.url
    timestamp = str(int(time.time() * 1000))
    signature = sign_v3(secret.encode(), "POST", signed_url, body, timestamp)
    if urlsplit(args.url).scheme not in ("http", "https"):
        print(f"int-hubspot: --url {args.url!r} must be an http(s) URL", file=sys.stderr)
        return 2
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        args.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-HubSpot-Signature-v3": signature,
            "X-HubSpot-Request-Timestamp": timestamp,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            print(f"{response.status} {response.reason}")
            return 0
    except urllib.error.HTTPError as error:
        print(f"{error.code} {error.reason}: {error.read().decode(errors='replace')}")
        return 1
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        print(f"int-hubspot: POST {args.url} failed: {reason}; is the gateway running?", file=sys.stderr)
        return 2


def _tail(args: argparse.Namespace) -> int:
    from int_hubspot_service.kafka.tail import print_records  # noqa: PLC0415

    bootstrap = os.environ.get("INT_HUBSPOT_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    topic = args.topic or os.environ.get("INT_HUBSPOT_EVENTS_TOPIC", "hubspot.events")
    return print_records(bootstrap, topic, args.max, args.timeout, latest=not args.from_beginning)


if __name__ == "__main__":
    raise SystemExit(main())
