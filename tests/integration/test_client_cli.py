"""The ``ksef`` API commands against the simulator (the CLI runs its own event loop: sync tests)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ksef.cli import main
from ksef.identifiers import collective_id_is_valid, random_valid_nip
from tests.fixtures.sim import SimHandle
from tests.integration.test_client_sim import SAMPLES, sample_for


@pytest.fixture
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path


def test_send_upo_download_received_status(sim: SimHandle, state_home: Path,
                                           capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    nip, token = sim.create_subject()
    monkeypatch.setenv("KSEF_TOKEN", token)  # the token from the environment, not the command line
    invoice = state_home / "fa.xml"
    invoice.write_bytes(sample_for(SAMPLES[0], nip))
    base = ["--base-url", sim.base_url, "--nip", nip]

    assert main([*base, "--json", "send", str(invoice)]) == 0
    sent = json.loads(capsys.readouterr().out)
    number = sent["ksef_number"]
    assert sent["status_code"] == 200 and number.startswith(nip)

    upo_file = state_home / "upo.xml"
    assert main([*base, "upo", number, "-o", str(upo_file)]) == 0
    assert number.encode() in upo_file.read_bytes()
    # without the local record: found through GET /sessions, or given explicitly
    (state_home / "state" / "ksef" / "sent.json").unlink()
    upo_file.unlink()
    assert main([*base, "upo", number, "-o", str(upo_file)]) == 0
    assert number.encode() in upo_file.read_bytes()
    upo_file.unlink()
    assert main([*base, "upo", number, "--session", sent["session_reference"], "-o", str(upo_file)]) == 0
    assert number.encode() in upo_file.read_bytes()

    out_file = state_home / "copy.xml"
    assert main([*base, "download", number, "-o", str(out_file)]) == 0
    assert out_file.read_bytes() == invoice.read_bytes()

    assert main([*base, "status"]) == 0
    assert "AVAILABLE" in capsys.readouterr().out


def test_received_lists_invoices(sim: SimHandle, capsys: pytest.CaptureFixture[str]) -> None:
    sim.configure(hwmLagSeconds=0)
    buyer, token = sim.create_subject()
    seller, _ = sim.create_subject()
    numbers = sim.inject_bulk(seller, buyer, 3, spread_seconds=1)
    code = main(["--base-url", sim.base_url, "--nip", buyer, "--token", token, "--json", "received",
                 "--since", (datetime.now(UTC) - timedelta(days=2)).isoformat()])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert [i["ksef_number"] for i in out["invoices"]] == numbers and out["nextCursor"].startswith("k1.")


def test_errors_are_one_line_and_non_zero(sim: SimHandle, capsys: pytest.CaptureFixture[str]) -> None:
    nip, token = sim.create_subject()
    sim.revoke_token(token)
    code = main(["--base-url", sim.base_url, "--nip", nip, "--token", token, "download",
                 f"{nip}-20260101-0100001AF629-00"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("ksef: error:") and err.count("\n") == 1
    assert main(["--base-url", sim.base_url, "--nip", "123", "--token", token, "status"]) == 0
    code = main(["--base-url", sim.base_url, "--nip", "123", "--token", token, "download", "x"])
    assert code == 1 and "NIP" in capsys.readouterr().err


def test_limits_and_collective_identifiers(sim: SimHandle, capsys: pytest.CaptureFixture[str]) -> None:
    buyer, token = sim.create_subject()
    numbers = sim.inject_bulk(random_valid_nip(), buyer, 2)
    base = ["--base-url", sim.base_url, "--nip", buyer, "--token", token]
    assert main([*base, "--json", "limits"]) == 0
    limits = json.loads(capsys.readouterr().out)
    assert limits["global"] == {"perSecond": 75, "perMinute": -1, "perHour": -1}
    assert main([*base, "limits"]) == 0
    assert "invoiceMetadata        8/s 16/min 20/h" in capsys.readouterr().out
    assert main([*base, "iz", "create", *numbers]) == 0
    iz = capsys.readouterr().out.strip()
    assert collective_id_is_valid(iz)
    assert main([*base, "--json", "iz", "show", iz]) == 0
    assert sorted(i["ksef_number"] for i in json.loads(capsys.readouterr().out)) == sorted(numbers)
    assert main([*base, "--json", "iz", "list"]) == 0
    assert [i["number"] for i in json.loads(capsys.readouterr().out)] == [iz]
    assert main([*base, "iz", "of", numbers[0]]) == 0
    assert iz in capsys.readouterr().out
    assert main([*base, "iz", "create", numbers[0], numbers[0]]) == 1  # KSeF's 71005, one clear line
    assert "71005" in capsys.readouterr().err
