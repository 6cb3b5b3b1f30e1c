"""``ksef-bot``: ``run`` (polling, or webhook when WEBHOOK_URL is set), ``sandbox``, ``worker``,
``migrate``, ``rotate-key``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.files import private_dir
from bot.logs import setup_logging
from bot.vault import (
    MASTER_KEY_FILENAME,
    Vault,
    VaultError,
    encode_master_key,
    generate_master_key,
    load_master_key,
)

log = logging.getLogger("bot.cli")


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        raise SystemExit(f"ksef-bot: configuration error: {exc}") from None


def _logging(settings: Settings) -> None:
    known = [settings.telegram_bot_token, settings.webhook_secret,
             encode_master_key(settings.master_key) if settings.master_key else None]
    setup_logging(settings.log_level, secrets=[s for s in known if s], fmt=settings.log_format,
                  sql=settings.log_sql)


async def _check_can_start(settings: Settings) -> None:
    from bot.services.keys import open_vault
    from bot.store.db import Database
    from bot.store.locks import DatabaseFileLock, sqlite_file

    db = Database.from_url(settings.database_url)
    try:
        database = sqlite_file(db)
        if database is not None:  # before migrating: a running bot's database is not touched
            probe = DatabaseFileLock(database)
            probe.acquire()
            probe.release()  # the gateway takes it for good with its leader lock (bot.app.lead)
        await db.migrate()
        await open_vault(settings, db)
    finally:
        await db.dispose()


def _preflight(settings: Settings) -> None:
    """Refuse to start, with one clear line, when another process runs on this SQLite database or the
    master key cannot open the stored secrets."""
    from bot.store.locks import AlreadyRunningError

    try:
        asyncio.run(_check_can_start(settings))
    except (VaultError, AlreadyRunningError) as exc:
        raise SystemExit(f"ksef-bot: cannot start: {exc}") from None


def cmd_run(_: argparse.Namespace) -> int:
    """``ksef-bot run``: the webhook gateway (``bot.web``) when ``WEBHOOK_URL`` is set, else long polling."""
    settings = _settings()
    _logging(settings)
    _preflight(settings)
    log.info("starting: KSeF %s, %s mode", settings.ksef_environment.name,
             "webhook" if settings.webhook_mode else "polling")
    from bot.store.locks import AlreadyRunningError

    try:
        if settings.webhook_mode:
            from bot.web import run_webhook  # Starlette + uvicorn: webhook, /healthz, /readyz, /metrics

            run_webhook(settings)
        else:
            from bot.runner import run_polling

            run_polling(settings)
    except AlreadyRunningError as exc:  # started in the same moment as another one
        raise SystemExit(f"ksef-bot: cannot start: {exc}") from None
    return 0


async def _migrate(settings: Settings) -> None:
    from bot.store.db import Database

    db = Database.from_url(settings.database_url)
    try:
        await db.migrate()
    finally:
        await db.dispose()


def cmd_migrate(_: argparse.Namespace) -> int:
    settings = _settings()
    _logging(settings)
    asyncio.run(_migrate(settings))
    print("ksef-bot: database schema is up to date")
    return 0


def _write_key(path: Path, key: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (encode_master_key(key) + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


async def rotate_key(settings: Settings, new_key: bytes) -> int:
    """Re-encrypt every secret under ``new_key``; returns the number of secrets changed."""
    from bot.services.keys import rotate_master_key
    from bot.store.db import Database

    # The old key must exist: never create one here (it could open nothing).
    old = Vault(load_master_key(settings.master_key, settings.master_key_file, settings.data_dir,
                                create=False))
    db = Database.from_url(settings.database_url)
    try:
        await db.migrate()
        return await rotate_master_key(db, old, Vault(new_key))
    finally:
        await db.dispose()


def cmd_rotate_key(args: argparse.Namespace) -> int:
    settings = _settings()
    _logging(settings)
    uses_default_file = settings.master_key is None and settings.master_key_file is None
    if args.new_key_file:
        new_path = Path(args.new_key_file)
        try:
            new_key = load_master_key(None, new_path, settings.data_dir)
        except VaultError as exc:
            raise SystemExit(f"ksef-bot rotate-key: {exc}") from None
    else:
        new_path = settings.data_dir / (MASTER_KEY_FILENAME + ".new")
        if new_path.exists():
            new_key = load_master_key(None, new_path, settings.data_dir)  # resume an interrupted rotation
        else:
            new_key = generate_master_key()
            private_dir(settings.data_dir)
            _write_key(new_path, new_key)
    try:
        changed = asyncio.run(rotate_key(settings, new_key))
    except VaultError as exc:
        raise SystemExit(f"ksef-bot rotate-key: {exc}") from None
    print(f"ksef-bot: {changed} secret(s) re-encrypted under the new master key")
    if uses_default_file and not args.new_key_file:
        current = settings.data_dir / MASTER_KEY_FILENAME
        old_copy = current.with_name(f"{MASTER_KEY_FILENAME}.old")
        if current.exists():
            current.replace(old_copy)
        new_path.replace(current)
        print(f"ksef-bot: {current} now holds the new key; the old one is in {old_copy} — "
              "delete it once backups are updated")
    else:
        print(f"ksef-bot: now point KSEFBOT_MASTER_KEY_FILE at {new_path} (or set KSEFBOT_MASTER_KEY to it) "
              "before starting the bot again")
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    from bot.sandbox.run import SandboxOptions, main

    setup_logging(os.environ.get("KSEFBOT_LOG_LEVEL", "INFO").upper())
    options = SandboxOptions(host=args.host, port=args.port,
                             data_dir=Path(args.data_dir) if args.data_dir else None)
    if args.no_demo_invoices:
        options.schedule = ()
    return main(options)


def cmd_worker(args: argparse.Namespace) -> int:
    from bot.jobs import WorkerConfig, run_worker

    settings = _settings()
    if settings.jobs != "procrastinate":
        raise SystemExit("ksef-bot worker: set KSEFBOT_JOBS=procrastinate (and a PostgreSQL DATABASE_URL); "
                         "in the embedded mode `ksef-bot run` does all the work itself")
    _logging(settings)
    _preflight(settings)
    config = WorkerConfig(concurrency=args.concurrency, schedule_every=args.schedule_every, lease=args.lease)
    if args.metrics_port:
        from bot.metrics import serve_metrics

        serve_metrics(args.metrics_port, addr=args.metrics_host)
    log.info("worker starting: KSeF %s, concurrency %s", settings.ksef_environment.name, config.concurrency)
    asyncio.run(run_worker(settings, config))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ksef-bot", description="Telegram assistant for KSeF 2.0")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (long polling, or webhook when WEBHOOK_URL is set)") \
        .set_defaults(handler=cmd_run)
    sub.add_parser("migrate", help="create or upgrade the database schema").set_defaults(handler=cmd_migrate)
    rotate = sub.add_parser("rotate-key", help="re-encrypt every stored secret under a new master key")
    rotate.add_argument("--new-key-file", help="file with the new key (base64 of 32 bytes); "
                        "default: generate one in the data directory")
    rotate.set_defaults(handler=cmd_rotate_key)
    sandbox = sub.add_parser("sandbox", help="everything local, no credentials: KSeF simulator, demo "
                             "company, the bot and a web chat page (http://127.0.0.1:8080)")
    sandbox.add_argument("--port", type=int, default=8080, help="web chat port (default 8080)")
    sandbox.add_argument("--host", default="127.0.0.1", help="web chat address (default 127.0.0.1; the page "
                         "acts as a Telegram user without a login, keep it on loopback)")
    sandbox.add_argument("--data-dir", help="keep the sandbox (database, key, simulator state) in this "
                         "directory across runs, e.g. ./data/sandbox; default: a temporary directory")
    sandbox.add_argument("--no-demo-invoices", action="store_true",
                         help="do not send scheduled supplier invoices to the demo company")
    sandbox.set_defaults(handler=cmd_sandbox)
    worker = sub.add_parser("worker", help="scale-out job worker (KSEFBOT_JOBS=procrastinate, PostgreSQL): "
                            "polls companies and sends issued invoices; run as many as needed")
    worker.add_argument("--concurrency", type=int, default=8, help="jobs at once in this process (default 8)")
    worker.add_argument("--schedule-every", type=float, default=5.0,
                        help="seconds between looks for due work (default 5)")
    worker.add_argument("--lease", type=float, default=300.0,
                        help="seconds before a claimed poll whose lost job is claimed again (default 300)")
    worker.add_argument("--metrics-port", type=int, default=0,
                        help="serve Prometheus metrics on this port (default: off)")
    worker.add_argument("--metrics-host", default="127.0.0.1",
                        help="address for --metrics-port (default 127.0.0.1; 0.0.0.0 in a container)")
    worker.set_defaults(handler=cmd_worker)
    args = parser.parse_args(argv)
    try:
        result: int = args.handler(args)
    except KeyboardInterrupt:
        # Ctrl+C before the command could install its own graceful stop (e.g. during the start-up checks):
        # what was begun is already undone by asyncio's cancellation; one line instead of a traceback.
        print("ksef-bot: interrupted", file=sys.stderr)
        return 130  # 128 + SIGINT, as shells report an interrupted command
    return result


if __name__ == "__main__":
    raise SystemExit(main())
