"""Token store, refresh and uninstall against the real Keycloak and the fake HubSpot, in process."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import orjson
import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from int_hubspot.config.oauth import OAuthSettings, parse_token_keys
from int_hubspot.oauth import EnvelopeError, TokenCipher
from int_hubspot_service.fake_hubspot import FakeHubSpotServer
from int_hubspot_service.hubspot.errors import NeedsReauthError
from int_hubspot_service.hubspot.token_manager import RefreshPolicy, TokenManager
from int_hubspot_service.keycloak.admin import LeaseTimeoutError
from int_hubspot_service.keycloak.lease import TenantLocks
from int_hubspot_service.keycloak.realm import LEASES_GROUP, TENANTS_GROUP
from int_hubspot_service.keycloak.tenant_store import (
    ACCESS_TOKEN,
    EXPIRES_AT,
    REFRESH_TOKEN,
    TenantStore,
    username_for,
)
from int_hubspot_service.oauth.services import OAuthServices
from int_hubspot_service.tenants.lifecycle import LifecyclePublisher, uninstall_tenant

from .conftest import (
    authorization_code,
    environ_for_subprocess,
    fake_calls,
    new_token_key,
    oauth_environ,
    oauth_settings,
    random_portal_id,
    run,
)

pytestmark = pytest.mark.integration

BOOTSTRAP = "127.0.0.1:9092"
# With a 300 s margin and up to 20 % jitter, a refresh falls due between 360 s and 300 s before expiry.
# A clock 299 s short of the fake's 1800 s lifetime therefore finds every token due but not expired.
DUE_OFFSET_S = 1800 - 299


async def install(services: OAuthServices, fake: FakeHubSpotServer, portal_id: int) -> None:
    code = await asyncio.to_thread(authorization_code, fake, portal_id, services.settings.redirect_url)
    tokens = await services.hubspot.exchange_code(code)
    async with services.locks.hold(str(portal_id)):
        await services.store.save_install(
            str(portal_id),
            tokens,
            hub_domain="fake.hubspot.com",
            scopes=tokens.scopes,
            app_id=1,
            now_s=int(time.time()),
        )


def manager(
    services: OAuthServices, offset_s: float = 0.0, sleeps: list[float] | None = None
) -> TokenManager:
    """A token manager whose clock runs `offset_s` ahead, so a refresh can be made due without waiting."""

    async def record_sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)

    return TokenManager(
        services.store,
        services.locks,
        services.hubspot,
        RefreshPolicy(margin_s=300),
        clock=lambda: time.time() + offset_s,
        sleep=record_sleep,
    )


def test_install_stores_ciphertext(
    settings: OAuthSettings, fake_hubspot: FakeHubSpotServer, portal_ids: list[int]
) -> None:
    portal_id = random_portal_id()
    portal_ids.append(portal_id)

    async def scenario() -> None:
        services = OAuthServices.build(settings)
        try:
            await install(services, fake_hubspot, portal_id)
            user_id = await services.admin.a_get_user_id(username_for(str(portal_id)))
            assert user_id is not None
            raw = (await services.admin.a_get_user(user_id))["attributes"]
            tenant = await services.store.get(str(portal_id))
            assert tenant is not None
            tokens = services.store.decrypt_tokens(tenant)
            assert tokens is not None

            for name, plaintext in (
                (ACCESS_TOKEN, tokens.access_token),
                (REFRESH_TOKEN, tokens.refresh_token),
            ):
                stored = raw[name][0]
                assert stored.startswith("hsenc:v1:k1:")
                assert plaintext not in stored
                with pytest.raises(EnvelopeError):
                    services.store.cipher.decrypt(stored, str(portal_id + 1), name)
            assert tokens.access_token.startswith("fake-at-")
            assert len(tokens.access_token) > 300
            assert int(raw[EXPIRES_AT][0]) == tenant.access_token_expires_at

            group = await services.admin.a_get_group_by_path(f"/{TENANTS_GROUP}/{portal_id}")
            assert group["attributes"]["hub_domain"] == ["fake.hubspot.com"]
            assert group["attributes"]["needs_reauth"] == ["false"]
            status = tenant.status()
            assert "fake-at-" not in orjson.dumps(status).decode()
        finally:
            await services.aclose()

    run(scenario())


def test_two_tenants_stay_isolated(
    settings: OAuthSettings, fake_hubspot: FakeHubSpotServer, portal_ids: list[int]
) -> None:
    first, second = random_portal_id(), random_portal_id()
    portal_ids.extend([first, second])

    async def scenario() -> None:
        services = OAuthServices.build(settings)
        try:
            await install(services, fake_hubspot, first)
            await install(services, fake_hubspot, second)
            first_tenant = await services.store.get(str(first))
            second_tenant = await services.store.get(str(second))
            assert first_tenant is not None and second_tenant is not None
            first_tokens = services.store.decrypt_tokens(first_tenant)
            second_tokens = services.store.decrypt_tokens(second_tenant)
            assert first_tokens is not None and second_tokens is not None
            assert first_tokens.refresh_token != second_tokens.refresh_token

            # Copy the first tenant's encrypted refresh token into the second tenant's user.
            user = await services.admin.a_get_user(str(second_tenant.user_id))
            user["attributes"][REFRESH_TOKEN] = [first_tenant.encrypted[REFRESH_TOKEN]]
            await services.admin.a_update_user(str(second_tenant.user_id), user)
            tampered = await services.store.get(str(second))
            assert tampered is not None
            with pytest.raises(EnvelopeError, match=f"tenant {second}"):
                services.store.decrypt_tokens(tampered)

            untouched = await services.store.get(str(first))
            assert untouched is not None
            assert services.store.decrypt_tokens(untouched) == first_tokens
        finally:
            await services.aclose()

    run(scenario())


def test_refresh_before_expiry(
    settings: OAuthSettings, fake_hubspot: FakeHubSpotServer, portal_ids: list[int]
) -> None:
    portal_id = random_portal_id()
    portal_ids.append(portal_id)

    async def scenario() -> None:
        services = OAuthServices.build(settings)
        try:
            await install(services, fake_hubspot, portal_id)
            tenant = await services.store.get(str(portal_id))
            assert tenant is not None and tenant.access_token_expires_at is not None
            installed = services.store.decrypt_tokens(tenant)
            assert installed is not None

            not_due = await manager(services).get_access_token(str(portal_id))
            assert not_due == installed.access_token
            assert fake_calls(fake_hubspot, "token", grant_type="refresh_token") == []

            due_manager = manager(services, DUE_OFFSET_S)
            refreshed = await due_manager.get_access_token(str(portal_id))
            refresh_calls = fake_calls(fake_hubspot, "token", grant_type="refresh_token", ok=True)
            assert len(refresh_calls) == 1
            assert refreshed != installed.access_token
            # The refresh happened while the old token was still valid.
            assert time.time() + DUE_OFFSET_S < tenant.access_token_expires_at

            stored = await services.store.get(str(portal_id))
            assert stored is not None
            stored_tokens = services.store.decrypt_tokens(stored)
            assert stored_tokens is not None
            assert stored_tokens.access_token == refreshed
            assert stored_tokens.refresh_token == installed.refresh_token
        finally:
            await services.aclose()

    run(scenario())


def test_rotated_refresh_token_replaces_stored(
    settings: OAuthSettings, fake_hubspot: FakeHubSpotServer, portal_ids: list[int]
) -> None:
    portal_id = random_portal_id()
    portal_ids.append(portal_id)
    httpx.post(
        fake_hubspot.base_url + "/_control/configure", json={"rotate_refresh_tokens": True}
    ).raise_for_status()

    async def scenario() -> None:
        services = OAuthServices.build(settings)
        try:
            await install(services, fake_hubspot, portal_id)
            before = await services.store.get(str(portal_id))
            assert before is not None
            old_tokens = services.store.decrypt_tokens(before)
            assert old_tokens is not None

            await manager(services, DUE_OFFSET_S).get_access_token(str(portal_id))
            after = await services.store.get(str(portal_id))
            assert after is not None
            new_tokens = services.store.decrypt_tokens(after)
            assert new_tokens is not None
            assert new_tokens.refresh_token != old_tokens.refresh_token
            assert new_tokens.refresh_token.startswith("na1-")
        finally:
            await services.aclose()

    run(scenario())


def test_concurrent_callers_one_refresh(
    settings: OAuthSettings, fake_hubspot: FakeHubSpotServer, portal_ids: list[int]
) -> None:
    portal_id = random_portal_id()
    portal_ids.append(portal_id)

    async def scenario() -> set[str]:
        services = OAuthServices.build(settings)
        try:
            await install(services, fake_hubspot, portal_id)
            tokens_manager = manager(services, DUE_OFFSET_S)
            results = await asyncio.gather(
                *(tokens_manager.get_access_token(str(portal_id)) for _ in range(20))
            )
            return set(results)
        finally:
            await services.aclose()

    tokens = run(scenario())
    assert len(tokens) == 1
    assert len(fake_calls(fake_hubspot, "token", grant_type="refresh_token")) == 1


def test_concurrent_processes_one_refresh(
    keycloak_env: dict[str, str], fake_hubspot: FakeHubSpotServer, portal_ids: list[int], tmp_path: Path
) -> None:
    environ = oauth_environ(keycloak_env, fake_hubspot.base_url)
    settings = oauth_settings(environ)
    portal_id = random_portal_id()
    portal_ids.append(portal_id)

    async def setup() -> None:
        services = OAuthServices.build(settings)
        try:
            await install(services, fake_hubspot, portal_id)
        finally:
            await services.aclose()

    run(setup())
    start_flag = tmp_path / "go"
    worker = Path(__file__).with_name("refresh_worker.py")
    processes = [
        subprocess.Popen(
            [sys.executable, str(worker), str(portal_id), str(DUE_OFFSET_S), str(start_flag)],
            env=environ_for_subprocess(environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(3)
    ]
    # The workers wait for this file, so their calls overlap once all have started.
    start_flag.write_text("go")
    outputs = [process.communicate(timeout=120) for process in processes]
    for process, (_stdout, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr.decode()
    fingerprints = {stdout.decode().strip() for stdout, _ in outputs}
    assert len(fingerprints) == 1
    assert len(fake_calls(fake_hubspot, "token", grant_type="refresh_token")) == 1


def test_invalid_grant_marks_needs_reauth(
    settings: OAuthSettings, fake_hubspot: FakeHubSpotServer, portal_ids: list[int]
) -> None:
    portal_id = random_portal_id()
    portal_ids.append(portal_id)

    async def scenario() -> None:
        services = OAuthServices.build(settings)
        try:
            await install(services, fake_hubspot, portal_id)
            revoked = httpx.post(fake_hubspot.base_url + "/_control/revoke", json={"portal_id": portal_id})
            assert revoked.json()["revoked"] >= 1

            tokens_manager = manager(services, DUE_OFFSET_S)
            for _ in range(5):
                with pytest.raises(NeedsReauthError):
                    await tokens_manager.get_access_token(str(portal_id))
            # A second process reads the flag from Keycloak and does not call HubSpot either.
            for _ in range(3):
                with pytest.raises(NeedsReauthError):
                    await manager(services, DUE_OFFSET_S).get_access_token(str(portal_id))

            tenant = await services.store.get(str(portal_id))
            assert tenant is not None
            assert tenant.needs_reauth is True
        finally:
            await services.aclose()

    run(scenario())
    refreshes = fake_calls(fake_hubspot, "token", grant_type="refresh_token")
    assert len(refreshes) == 1
    assert refreshes[0]["ok"] is False


def test_refresh_retries_with_backoff(
    settings: OAuthSettings, fake_hubspot: FakeHubSpotServer, portal_ids: list[int]
) -> None:
    portal_id = random_portal_id()
    portal_ids.append(portal_id)
    sleeps: list[float] = []

    async def scenario() -> str:
        services = OAuthServices.build(settings)
        try:
            await install(services, fake_hubspot, portal_id)
            fault = {"endpoint": "token", "status": 503, "count": 2}
            httpx.post(fake_hubspot.base_url + "/_control/fail", json=fault).raise_for_status()
            return await manager(services, DUE_OFFSET_S, sleeps).get_access_token(str(portal_id))
        finally:
            await services.aclose()

    token = run(scenario())
    assert token.startswith("fake-at-")
    assert len(fake_calls(fake_hubspot, "token", injected_status=503)) == 2
    assert len(fake_calls(fake_hubspot, "token", grant_type="refresh_token", ok=True)) == 1
    assert len(sleeps) == 2
    # Equal jitter: the n-th wait lies in [base * 2^(n-1) / 2, base * 2^(n-1)] with base 0.5 s.
    assert 0.25 <= sleeps[0] <= 0.5
    assert 0.5 <= sleeps[1] <= 1.0


def test_key_rotation_reencrypts(
    keycloak_env: dict[str, str], fake_hubspot: FakeHubSpotServer, portal_ids: list[int]
) -> None:
    old_key = new_token_key("k1")
    new_key = new_token_key("k2")
    old_environ = oauth_environ(keycloak_env, fake_hubspot.base_url, INT_HUBSPOT_TOKEN_KEYS=old_key)
    rotated_environ = oauth_environ(
        keycloak_env, fake_hubspot.base_url, INT_HUBSPOT_TOKEN_KEYS=f"{new_key},{old_key}"
    )
    portal_id = random_portal_id()
    portal_ids.append(portal_id)

    async def install_with_old_key() -> str:
        services = OAuthServices.build(oauth_settings(old_environ))
        try:
            await install(services, fake_hubspot, portal_id)
            tenant = await services.store.get(str(portal_id))
            assert tenant is not None
            tokens = services.store.decrypt_tokens(tenant)
            assert tokens is not None
            return tokens.refresh_token
        finally:
            await services.aclose()

    refresh_token = run(install_with_old_key())
    # Other tenants of the shared realm are encrypted under other keys, so the run is limited to ours.
    command = [
        sys.executable,
        "-m",
        "int_hubspot_service.cli",
        "tokens",
        "reencrypt",
        "--portal",
        str(portal_id),
    ]
    result = subprocess.run(
        command,
        check=False,
        env=environ_for_subprocess(rotated_environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "1 tenants re-encrypted, 0 already current, 0 failed" in result.stdout

    async def check() -> None:
        services = OAuthServices.build(oauth_settings(rotated_environ))
        try:
            tenant = await services.store.get(str(portal_id))
            assert tenant is not None
            for name in (ACCESS_TOKEN, REFRESH_TOKEN):
                assert tenant.encrypted[name].startswith("hsenc:v1:k2:")
            new_only = TenantStore(services.admin, TokenCipher(parse_token_keys(new_key)))
            tokens = new_only.decrypt_tokens(tenant)
            assert tokens is not None
            assert tokens.refresh_token == refresh_token
            old_only = TenantStore(services.admin, TokenCipher(parse_token_keys(old_key)))
            with pytest.raises(EnvelopeError, match="k2"):
                old_only.decrypt_tokens(tenant)
        finally:
            await services.aclose()

    run(check())


def test_lease_excludes_other_writer(settings: OAuthSettings) -> None:
    portal_id = str(random_portal_id())

    async def scenario() -> None:
        first = OAuthServices.build(settings)
        second = OAuthServices.build(settings)
        try:
            other_process = TenantLocks(second.admin, wait_limit_s=1.0)
            async with first.locks.hold(portal_id):
                with pytest.raises(LeaseTimeoutError):
                    async with other_process.hold(portal_id):
                        pass
            async with other_process.hold(portal_id):
                pass
        finally:
            await first.aclose()
            await second.aclose()

    run(scenario())


def test_expired_lease_is_taken_over(settings: OAuthSettings) -> None:
    portal_id = str(random_portal_id())

    async def scenario() -> None:
        services = OAuthServices.build(settings)
        try:
            root = await services.admin.a_get_group_by_path(f"/{LEASES_GROUP}")
            stale = {"name": portal_id, "attributes": {"owner": ["crashed:1"], "expires_at": ["1"]}}
            await services.admin.a_create_group(stale, parent=root["id"])
            async with TenantLocks(services.admin, wait_limit_s=5.0).hold(portal_id):
                lease = await services.admin.a_get_group_by_path(f"/{LEASES_GROUP}/{portal_id}")
                assert lease["attributes"]["owner"] != ["crashed:1"]
            children = await services.admin.a_get_group_children(root["id"], {"search": portal_id})
            assert [child for child in children if child["name"] == portal_id] == []
        finally:
            await services.aclose()

    run(scenario())


def test_failed_install_leaves_nothing(settings: OAuthSettings, fake_hubspot: FakeHubSpotServer) -> None:
    portal_id = random_portal_id()

    async def scenario() -> None:
        services = OAuthServices.build(settings)
        try:
            # A user with the tenant's username but no group makes the user creation fail with 409.
            blocker = await services.admin.a_create_user(
                {"username": username_for(str(portal_id)), "enabled": False}
            )
            try:
                code = await asyncio.to_thread(
                    authorization_code, fake_hubspot, portal_id, settings.redirect_url
                )
                tokens = await services.hubspot.exchange_code(code)
                with pytest.raises(Exception, match="creating the user"):
                    async with services.locks.hold(str(portal_id)):
                        await services.store.save_install(
                            str(portal_id),
                            tokens,
                            hub_domain=None,
                            scopes=(),
                            app_id=None,
                            now_s=int(time.time()),
                        )
                assert await services.store.get(str(portal_id)) is None
            finally:
                await services.admin.a_delete_user(blocker)
        finally:
            await services.aclose()

    run(scenario())


def test_uninstall_revokes_and_deletes(
    settings: OAuthSettings, fake_hubspot: FakeHubSpotServer, portal_ids: list[int]
) -> None:
    portal_id = random_portal_id()
    portal_ids.append(portal_id)
    topic = f"test.oauth.tenants.{uuid.uuid4().hex[:10]}"
    subprocess.run(
        [str(Path(__file__).resolve().parents[3] / "scripts" / "kafka.sh"), "start"], check=True, timeout=300
    )
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    for future in admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)]).values():
        future.result(timeout=30)

    async def scenario() -> dict[str, object]:
        services = OAuthServices.build(settings)
        publisher = LifecyclePublisher(BOOTSTRAP, topic)
        try:
            await install(services, fake_hubspot, portal_id)
            tenant = await services.store.get(str(portal_id))
            assert tenant is not None
            result = await uninstall_tenant(services, publisher, str(portal_id), reason="test")
            assert await services.store.get(str(portal_id)) is None
            assert await services.admin.a_get_user_id(username_for(str(portal_id))) is None
            assert result.revoked is True
            return result.as_dict()
        finally:
            publisher.close()
            await services.aclose()

    result = run(scenario())
    assert result["user_deleted"] is True
    assert result["group_deleted"] is True
    revokes = fake_calls(fake_hubspot, "revoke", portal_id=portal_id)
    assert len(revokes) == 1
    assert revokes[0]["known"] is True
    assert revokes[0]["token_use"] == "refresh"

    records = read_topic(topic)
    assert len(records) == 1
    key, value = records[0]
    assert key == str(portal_id).encode()
    assert orjson.loads(value)["type"] == "uninstalled"


def read_topic(topic: str) -> list[tuple[bytes | None, bytes]]:
    consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": f"reader-{uuid.uuid4()}"})
    try:
        metadata = consumer.list_topics(topic, timeout=10)
        assignments = []
        for partition in metadata.topics[topic].partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
            if high > low:
                assignments.append((TopicPartition(topic, partition, low), high))
        consumer.assign([assignment for assignment, _ in assignments])
        expected = sum(high - assignment.offset for assignment, high in assignments)
        records: list[tuple[bytes | None, bytes]] = []
        deadline = time.monotonic() + 15
        while len(records) < expected and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and not message.error():
                records.append((message.key(), message.value()))
        return records
    finally:
        consumer.close()
