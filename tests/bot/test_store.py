"""Storage and services on SQLite and on PostgreSQL (same code): migrations, ownership, cascades."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, select

from bot.services import ServiceOptions, Services
from bot.services.dialogs import Dialog
from bot.services.errors import AccessDenied, ServiceError
from bot.store.db import Database
from bot.store.models import Base, Company
from bot.vault import Vault
from tests.fixtures.bot import MutableClock, postgres_schema


@pytest.fixture
def database(any_database: Database) -> Database:
    return any_database


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock()


@pytest.fixture
def services(database: Database, sim: Any, clock: MutableClock) -> Services:
    return Services.build(database, Vault(os.urandom(32)), ServiceOptions(environment=sim.base_url),
                          clock=clock)


async def all_rows(db: Database) -> dict[str, int]:
    counts = {}
    async with db.transaction() as session:
        for name, table in Base.metadata.tables.items():
            counts[name] = len((await session.execute(select(table))).all())
    return counts


async def test_migration_creates_every_model_table_and_is_idempotent(database: Database) -> None:
    await database.migrate()  # a second run changes nothing
    async with database.engine.connect() as conn:
        names = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    assert set(Base.metadata.tables) <= names
    assert "alembic_version" in names


async def test_datetimes_come_back_aware_utc(database: Database) -> None:
    moment = datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC)
    async with database.transaction() as session:
        session.add(Company(nip="5260250274", environment="test", created_at=moment))
    async with database.transaction() as session:
        company = (await session.execute(select(Company))).scalar_one()
    assert company.created_at == moment and company.created_at.tzinfo is not None


async def test_connect_stores_the_token_encrypted_and_owner_only(services: Services, sim: Any) -> None:
    nip, token = sim.create_subject()
    done = await services.connect.connect_token(11, 11, nip, token)
    assert done.nip == nip and not done.replaced
    async with services.db.transaction() as session:
        raw = (await session.execute(select(Base.metadata.tables["ksef_tokens"]))).one()._mapping
    assert token.encode() not in raw["token_blob"]
    assert await services.companies.ksef_token(done.company_id) == token
    # Another user cannot take the same NIP over, even with a valid token.
    with pytest.raises(ServiceError) as taken:
        await services.connect.connect_token(22, 22, nip, token)
    assert taken.value.code == "company_taken"
    # The owner can replace the token.
    again = await services.connect.connect_token(11, 11, nip, sim.create_token(nip, ["InvoiceRead",
                                                                                     "InvoiceWrite"]))
    assert again.replaced and again.company_id == done.company_id
    assert (await all_rows(services.db))["ksef_tokens"] == 1


async def test_invitation_membership_and_isolation(services: Services, sim: Any) -> None:
    nip, token = sim.create_subject()
    done = await services.connect.connect_token(11, 11, nip, token)
    with pytest.raises(AccessDenied):
        await services.companies.switch(22, done.company_id)
    with pytest.raises(AccessDenied):
        await services.members.invite(22, done.company_id)
    payload = await services.members.invite(11, done.company_id)
    assert payload.startswith("inv_") and len(payload) <= 64
    joined = await services.members.accept(22, 22, payload)
    assert joined.company_id == done.company_id
    with pytest.raises(ServiceError) as used:
        await services.members.accept(33, 33, payload)
    assert used.value.code == "invitation_used"
    assert [m.role for m in await services.members.list(11, done.company_id)] == ["owner", "member"]
    with pytest.raises(AccessDenied):  # a member cannot see the member list or remove anyone
        await services.members.list(22, done.company_id)
    await services.members.remove(11, done.company_id, 22)
    assert await services.companies.list(22) == []


async def test_invitation_expires(services: Services, sim: Any, clock: MutableClock) -> None:
    nip, token = sim.create_subject()
    done = await services.connect.connect_token(11, 11, nip, token)
    payload = await services.members.invite(11, done.company_id)
    clock.advance(timedelta(days=8))
    with pytest.raises(ServiceError) as expired:
        await services.members.accept(22, 22, payload)
    assert expired.value.code == "invitation_expired"
    with pytest.raises(ServiceError) as invalid:
        await services.members.accept(22, 22, "inv_nonsense")
    assert invalid.value.code == "invitation_invalid"


async def test_forget_leaves_no_row_behind(services: Services, sim: Any) -> None:
    nip, token = sim.create_subject()
    done = await services.connect.connect_token(11, 11, nip, token)
    other_nip, other_token = sim.create_subject()
    kept = await services.connect.connect_token(22, 22, other_nip, other_token)
    await services.members.accept(11, 11, await services.members.invite(22, kept.company_id))
    await services.members.accept(22, 22, await services.members.invite(11, done.company_id))
    await services.dialogs.set(11, 11, Dialog("cert", "cert", {"company_id": done.company_id}))
    await services.dialogs.put_upload(11, "key", b"an uploaded .key file (opaque bytes)")
    await services.companies.forget(11)
    counts = await all_rows(services.db)
    assert counts["companies"] == 1 and counts["ksef_tokens"] == 1  # only user 22's own company
    assert counts["chat_states"] == counts["uploads"] == 0
    async with services.db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                values = dict(row._mapping)
                assert 11 not in (values.get("user_id"), values.get("id") if table.name == "users" else None,
                                  values.get("used_by"), values.get("created_by"), values.get("chat_id"),
                                  values.get("added_by")), (table.name, values)
    assert [c.nip for c in await services.companies.list(22)] == [other_nip]


async def test_dialog_state_uploads_and_idle_expiry(services: Services, clock: MutableClock) -> None:
    await services.dialogs.set(5, 5, Dialog("cert", "cert", {"company_id": 1}))
    await services.dialogs.put_upload(5, "key", b"key bytes")
    async with services.db.transaction() as session:
        blob = (await session.execute(select(Base.metadata.tables["uploads"]))).one()._mapping["blob"]
    assert b"key bytes" not in blob
    assert await services.dialogs.get_upload(5, "key") == b"key bytes"
    assert await services.dialogs.expire_idle(timedelta(minutes=30)) == []
    clock.advance(timedelta(minutes=31))
    expired = await services.dialogs.expire_idle(timedelta(minutes=30))
    assert [e.chat_id for e in expired] == [5]
    assert await services.dialogs.get(5) is None and await services.dialogs.get_upload(5, "key") is None


async def test_reminders_become_due_with_the_clock(services: Services, sim: Any, clock: MutableClock) -> None:
    nip, token = sim.create_subject()
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    await services.connect.connect_token(11, 11, nip, token)
    assert await services.reminders.due() == []
    clock.set(datetime(2026, 12, 1, 8, 1, tzinfo=UTC))  # 09:01 in Warsaw
    due = await services.reminders.queue_due()
    assert [(d.kind, d.chat_id) for d in due] == [("token_expiry", 11)]
    assert await services.reminders.due() == [] and await services.reminders.queue_due() == []
    assert await services.outbox.counts("reminder") == {"pending": 1}  # queued once, in the same transaction


async def test_rotate_key_rewraps_every_secret(services: Services, sim: Any) -> None:
    from bot.services.keys import rotate_master_key
    from bot.vault import VaultError

    nip, token = sim.create_subject()
    done = await services.connect.connect_token(11, 11, nip, token)
    await services.dialogs.set(11, 11, Dialog("cert", "cert", {}))
    await services.dialogs.put_upload(11, "key", b"pending key file")
    old = services.companies.vault
    assert isinstance(old, Vault)
    new = Vault(os.urandom(32))
    assert await rotate_master_key(services.db, old, new) == 2
    assert await rotate_master_key(services.db, old, new) == 0  # idempotent: a rerun changes nothing
    rotated = Services.build(services.db, new, ServiceOptions(environment=sim.base_url), clock=services.clock)
    assert await rotated.companies.ksef_token(done.company_id) == token
    assert await rotated.dialogs.get_upload(11, "key") == b"pending key file"
    with pytest.raises(VaultError):
        await services.companies.ksef_token(done.company_id)


@pytest.mark.postgres
async def test_token_onboarding_end_to_end_on_postgresql(bot_factory: Any) -> None:
    async with postgres_schema() as (url, schema):
        bot = await bot_factory(database_url=url, db_schema=schema)
        nip, token = bot.sim.create_subject()
        user = bot.user(9001)
        first = await bot.say(user, "/start", contains="Wybierz, jak")
        await bot.press(user, first, "Mam już token", contains="Podaj NIP")
        await bot.say(user, nip, contains="Wklej teraz token")
        await bot.crash_and_restart()
        await bot.say(user, token, contains="Gotowe", timeout=20)
        rows = await bot.table_rows("ksef_tokens")
        assert len(rows) == 1 and token.encode() not in rows[0]["token_blob"]
        await bot.stop()


def test_cli_migrate_and_rotate_key_with_the_default_key_file(sim: Any, tmp_path: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from bot.cli import main
    from bot.config import load_settings

    monkeypatch.chdir(tmp_path)
    for name in ("KSEFBOT_MASTER_KEY", "KSEFBOT_MASTER_KEY_FILE", "DATABASE_URL", "WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KSEFBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KSEF_ENV", sim.base_url)
    assert main(["migrate"]) == 0
    settings = load_settings()
    nip, token = sim.create_subject()

    async def connect() -> int:
        db = Database.from_url(settings.database_url)
        services = Services.build(db, Vault.from_settings(settings), ServiceOptions(environment=sim.base_url))
        done = await services.connect.connect_token(11, 11, nip, token)
        await db.dispose()
        return done.company_id

    async def read_token(company_id: int) -> str | None:
        db = Database.from_url(settings.database_url)
        services = Services.build(db, Vault.from_settings(settings), ServiceOptions(environment=sim.base_url))
        try:
            return await services.companies.ksef_token(company_id)
        finally:
            await db.dispose()

    company_id = asyncio.run(connect())
    key_file = tmp_path / "data" / "master.key"
    before = key_file.read_bytes()
    assert main(["rotate-key"]) == 0
    assert key_file.read_bytes() != before
    assert (tmp_path / "data" / "master.key.old").read_bytes() == before
    assert asyncio.run(read_token(company_id)) == token  # read with the new key from the file


async def test_migrations_match_the_models(database: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    def diff(conn: Any) -> list[Any]:
        return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))

    async with database.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_certificate_key_is_stored_reencrypted_and_usable(services: Services, sim: Any) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    nip, token = sim.create_subject()
    done = await services.connect.connect_token(11, 11, nip, token)
    assert await services.certificates.signing_material(done.company_id) is None
    issued = sim.issue_certificate(nip, "Offline", "haslo-1234", key_type="RSA")
    stored = await services.certificates.add(11, done.company_id, "QR", issued["key"].encode(),
                                             issued["cert"].encode(), "haslo-1234")
    assert stored.key_type == "RSA"
    material = await services.certificates.signing_material(done.company_id)
    assert material is not None and material.serial_hex == stored.serial_hex
    key = serialization.load_der_private_key(material.key_der, None)  # unencrypted PKCS#8 DER
    cert = x509.load_der_x509_certificate(material.cert_der)
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()  # type: ignore[union-attr]
    async with services.db.transaction() as session:
        row = (await session.execute(select(Base.metadata.tables["certificates"]))).one()
    blob = row._mapping["key_blob"]
    assert material.key_der not in blob
    with pytest.raises(ServiceError) as other:
        await services.certificates.add(22, done.company_id, "QR", issued["key"].encode(),
                                        issued["cert"].encode(), "haslo-1234")
    assert other.value.code == "access_denied"


def test_services_and_store_never_import_telegram() -> None:
    import subprocess
    import sys

    code = ("import sys, bot.services, bot.services.keys, bot.store; "
            "print(sorted(m for m in sys.modules if m == 'telegram' or m.startswith('telegram.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _key_settings(tmp_path: Any, key: bytes | None = None, key_file: Any = None) -> Any:
    import base64

    from bot.config import load_settings

    env = {"KSEFBOT_DATA_DIR": str(tmp_path / "data")}
    if key is not None:
        env["KSEFBOT_MASTER_KEY"] = base64.b64encode(key).decode()
    if key_file is not None:
        env["KSEFBOT_MASTER_KEY_FILE"] = str(key_file)
    return load_settings(env, env_file=None)


async def test_start_refuses_a_master_key_the_stored_secrets_are_not_under(database: Database, sim: Any,
                                                                          tmp_path: Any) -> None:
    from bot.services.keys import open_vault, stored_key_ids
    from bot.vault import MasterKeyError, encode_master_key

    key, other = os.urandom(32), os.urandom(32)
    vault = Vault(key)
    services = Services.build(database, vault, ServiceOptions(environment=sim.base_url), clock=MutableClock())
    # An empty database accepts any key (a first start creates master.key).
    created = await open_vault(_key_settings(tmp_path / "fresh"), database)
    assert (tmp_path / "fresh" / "data" / "master.key").is_file()
    nip, token = sim.create_subject()
    await services.connect.connect_token(11, 11, nip, token)
    await services.dialogs.set(11, 11, Dialog("cert", "cert", {}))
    await services.dialogs.put_upload(11, "key", b"pending key file")
    assert await stored_key_ids(database) == {vault.key_id: 2}
    assert (await open_vault(_key_settings(tmp_path, key), database)).key_id == vault.key_id
    with pytest.raises(MasterKeyError):
        await open_vault(_key_settings(tmp_path / "fresh"), database)  # the key made before: not theirs
    assert created.key_id != vault.key_id
    # Another key: refused, naming the key id to restore and where it goes.
    with pytest.raises(MasterKeyError) as wrong:
        await open_vault(_key_settings(tmp_path, other), database)
    assert vault.key_id in str(wrong.value) and "KSEFBOT_MASTER_KEY" in str(wrong.value)
    assert Vault(other).key_id in str(wrong.value)
    # No key configured and no master.key: refused, and no new key file is made behind the user's back.
    with pytest.raises(MasterKeyError) as missing:
        await open_vault(_key_settings(tmp_path), database)
    default_file = tmp_path / "data" / "master.key"
    assert str(default_file) in str(missing.value) and vault.key_id in str(missing.value)
    assert not default_file.exists()
    # A wrong master.key while the right one waits in master.key.new (an interrupted rotate-key): named.
    default_file.parent.mkdir()
    default_file.write_text(encode_master_key(other))
    (tmp_path / "data" / "master.key.new").write_text(encode_master_key(key))
    with pytest.raises(MasterKeyError) as interrupted:
        await open_vault(_key_settings(tmp_path), database)
    assert f"master.key.new holds key id {vault.key_id}" in str(interrupted.value)


def test_cli_run_with_a_lost_master_key_stops_with_one_clear_line(sim: Any, tmp_path: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from bot.cli import main
    from bot.config import load_settings

    monkeypatch.chdir(tmp_path)
    for name in ("KSEFBOT_MASTER_KEY", "KSEFBOT_MASTER_KEY_FILE", "DATABASE_URL", "WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KSEFBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KSEF_ENV", sim.base_url)
    assert main(["migrate"]) == 0
    settings = load_settings()
    nip, token = sim.create_subject()

    async def connect() -> None:
        db = Database.from_url(settings.database_url)
        services = Services.build(db, Vault(load_master_key(None, None, settings.data_dir)),
                                  ServiceOptions(environment=sim.base_url))
        await services.connect.connect_token(11, 11, nip, token)
        await db.dispose()

    from bot.vault import load_master_key

    asyncio.run(connect())
    key_file = tmp_path / "data" / "master.key"
    key_file.unlink()  # lost: before, the bot made a new one with a warning and every poll then failed
    with pytest.raises(SystemExit) as stopped:
        main(["run"])
    assert str(stopped.value).startswith("ksef-bot: cannot start: ") and str(key_file) in str(stopped.value)
    assert not key_file.exists()
