"""Static checks of ``deploy/`` (Docker cannot run here): every setting documented, the commands the
files run exist in ``ksef-bot``, the image runs as a non-root user."""

from __future__ import annotations

import re

import pytest

from bot.config import load_settings
from tests.paths import REPO

DEPLOY = REPO / "deploy"


def setting_names() -> set[str]:
    """Every environment variable bot/config.py reads."""
    return set(re.findall(r'env\.get\("([A-Z_]+)"\)', (REPO / "bot" / "config.py").read_text()))


def test_env_example_lists_every_setting_and_loads() -> None:
    text = (DEPLOY / "env.example").read_text()
    listed = set(re.findall(r"^([A-Z_]+)=", text, flags=re.M))
    documented = listed | set(re.findall(r"\(([A-Z_]+) is accepted too\)", text))
    missing = setting_names() - documented
    assert not missing, f"deploy/env.example lacks {sorted(missing)}"
    # Its defaults are valid settings once the one required secret is filled in.
    values = {k: v for k, v in re.findall(r"^([A-Z_]+)=(.*)$", text, flags=re.M)}
    values["TELEGRAM_BOT_TOKEN"] = "123456:" + "A" * 35
    settings = load_settings(values, env_file=None)
    assert settings.ksef_env == "test" and settings.poll_interval == 900 and not settings.webhook_mode
    assert settings.jobs == "embedded"  # scale-out is opt-in (and needs PostgreSQL)
    assert "KSEFBOT_MASTER_KEY=\n" in text and not re.search(r"^WEBHOOK_SECRET=\S", text, flags=re.M)


def cli_commands() -> set[str]:
    """Sub-commands registered in bot/cli.py (``run``, ``sandbox``, ``worker``, ``migrate``, ...)."""
    source = (REPO / "bot" / "cli.py").read_text()
    return set(re.findall(r'add_parser\("([a-z-]+)"', source))


@pytest.mark.parametrize("name", ["systemd/ksef-bot.service", "systemd/ksef-bot-worker@.service",
                                  "docker-compose.yml", "Dockerfile"])
def test_deploy_files_run_existing_commands(name: str) -> None:
    text = (DEPLOY / name).read_text()
    used = (set(re.findall(r'\["ksef-bot", "([a-z-]+)"', text))
            | set(re.findall(r"bin/ksef-bot ([a-z-]+)", text)))
    assert used, f"{name} runs no ksef-bot command"
    assert used <= cli_commands(), f"{name} runs unknown ksef-bot commands {used - cli_commands()}"


def test_dockerfile_is_multistage_and_non_root() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM python:3\.11-slim", text, flags=re.M)) == 2
    assert "COPY --from=build" in text
    user = re.findall(r"^USER (\S+)", text, flags=re.M)
    assert user and not user[-1].startswith(("root", "0"))
    assert re.search(r'^CMD \["ksef-bot", "run"\]', text, flags=re.M)


def test_compose_services_and_nginx_exposes_only_the_webhook() -> None:
    compose = (DEPLOY / "docker-compose.yml").read_text()
    for service in ("postgres:", "migrate:", "bot:", "worker:"):
        assert f"\n  {service}" in compose
    assert "image: postgres:16" in compose and '"127.0.0.1:8080:8080"' in compose
    nginx = (DEPLOY / "nginx" / "ksef-bot.conf").read_text()
    assert "location = /telegram/" in nginx and "return 404" in nginx and "ssl_certificate " in nginx
    ops = (DEPLOY / "OPERATIONS.md").read_text()
    for topic in ("ksef-bot migrate", "ksef-bot rotate-key", "--new-key-file", "pg_dump", "master.key",
                  "KSEFBOT_JOBS=procrastinate", "--scale worker="):
        assert topic in ops


def test_compose_master_key_is_made_readable_by_the_image_user_and_by_no_one_else() -> None:
    docker = (DEPLOY / "Dockerfile").read_text()
    uid = re.search(r"useradd [^\n]*--uid (\d+)", docker)
    gid = re.search(r"groupadd [^\n]*--gid (\d+)", docker)
    assert uid and gid and re.search(r"^USER ksefbot:ksefbot", docker, flags=re.M)
    compose = (DEPLOY / "docker-compose.yml").read_text()
    ops = (DEPLOY / "OPERATIONS.md").read_text()
    # The secret the bot reads is the file the docs create (compose mounts it with the host's owner/mode).
    secret = re.search(r"^  master_key:\n    file: (\S+)$", compose, flags=re.M)
    assert secret and (DEPLOY / secret.group(1)).resolve() == (DEPLOY / "secrets" / "master.key").resolve()
    assert "KSEFBOT_MASTER_KEY_FILE: /run/secrets/master_key" in compose
    for name, text in (("docker-compose.yml", compose), ("OPERATIONS.md", ops)):
        made = re.findall(r"install ([^\n]*) /dev/stdin (deploy/secrets/master\.key\S*)", text)
        assert made, f"{name} does not say how to create the key file"
        for options, path in made:
            assert f"-o {uid.group(1)}" in options and f"-g {gid.group(1)}" in options, (name, path)
            assert "-m 600" in options, (name, path)
        # A key written with the shell's ">" would belong to the host user: unreadable in the container.
        assert not re.search(r">\s*deploy/secrets/master\.key", text), name
    for path in (DEPLOY / "docker-compose.yml", DEPLOY / "OPERATIONS.md", DEPLOY / "env.example",
                 DEPLOY / "Dockerfile"):
        text = path.read_text()
        # Never advise a key (or anything) readable by others.
        readable = r"\b0?6[0-7][4-7]\b|chmod\s+[ugoa]*[+=]r|chmod\s+0?[0-7][0-7][1-7]\b"
        assert not re.search(readable, text), path


@pytest.mark.parametrize("name", ["ksef-bot.service", "ksef-bot-worker@.service"])
def test_systemd_units_write_no_core_dumps(name: str) -> None:
    text = (DEPLOY / "systemd" / name).read_text()
    assert re.search(r"^LimitCORE=0$", text, flags=re.M)
    assert re.search(r"^UMask=0077$", text, flags=re.M)


# --- dependencies: ranges in pyproject.toml, exact versions with hashes in requirements/*.lock ------------

def _name(requirement: str) -> str:
    """PEP 503 normalised project name of a requirement string."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _pins(lock: str) -> dict[str, str]:
    text = (REPO / "requirements" / lock).read_text()
    pins = {}
    # One entry per requirement: "name==version [; marker] \" and its indented --hash lines.
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2]):
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", entry)
        assert match, f"{lock}: not a pinned requirement: {entry[:60]!r}"
        assert "--hash=sha256:" in entry, f"{lock}: {match.group(1)} has no hash"
        pins[_name(match.group(1))] = match.group(2)
    return pins


def test_locks_pin_every_dependency_with_hashes_and_agree() -> None:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    runtime = [_name(r) for r in project["dependencies"]]
    dev = [_name(r) for r in project["optional-dependencies"]["dev"]]
    app, dev_lock = _pins("app.lock"), _pins("dev.lock")
    assert set(runtime) <= set(app) and set(runtime + dev) <= set(dev_lock)
    assert {name: version for name, version in dev_lock.items() if name in app} == app  # same versions
    assert "tornado" not in dev_lock  # PTB's webhook server is not used (bot/web.py is)
    for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
        assert "<" in requirement, f"{requirement}: no upper bound (a major release may break us)"


def _readme_commands() -> list[str]:
    readme = (REPO / "README.md").read_text()
    setup = readme.split("## Set-up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", setup, flags=re.DOTALL)


def test_readme_has_two_setup_commands_from_the_locks_and_ci_runs_the_test_one() -> None:
    run, test = _readme_commands()
    assert "--require-hashes -r requirements/app.lock" in run and run.endswith("ksef-bot sandbox")
    assert "--require-hashes -r requirements/dev.lock" in test and ".venv/bin/python -m pytest -q" in test
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert test in ci, ".ci/run must run the README's test command verbatim"


def test_docker_image_installs_the_app_lock_with_hashes() -> None:
    docker = (DEPLOY / "Dockerfile").read_text()
    assert "COPY requirements/app.lock" in docker
    assert re.search(r"pip install --require-hashes -r requirements/app\.lock", docker)
    assert re.search(r"pip install --no-deps /wheels/\*\.whl", docker)  # nothing unlocked after it
    assert "!requirements/app.lock" in (DEPLOY / "Dockerfile.dockerignore").read_text()
