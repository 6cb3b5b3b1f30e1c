"""`ksef invoice build|show` and `ksef validate` through ksef.cli.main, with exit codes."""

import json
import shutil
from pathlib import Path

import pytest

from ksef.cli import main
from ksef.schemas import schema_errors
from tests.paths import SAMPLES_FA3

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "invoices"


def test_build_to_stdout_then_validate(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    code = main(["invoice", "build", str(EXAMPLES / "vat-payer-services.json"),
                 "--created-at", "2026-02-02T09:15:00Z"])
    out = capsysbinary.readouterr().out
    assert code == 0
    assert out.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert schema_errors("fa3", out) == []
    assert b"<DataWytworzeniaFa>2026-02-02T09:15:00Z</DataWytworzeniaFa>" in out
    target = tmp_path / "fv.xml"
    target.write_bytes(out)
    assert main(["validate", str(target)]) == 0
    assert capsysbinary.readouterr().out.decode().strip() == "OK"


def test_build_to_file_and_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.xml"
    assert main(["invoice", "build", str(EXAMPLES / "exempt-art113.json"), "-o", str(target)]) == 0
    assert main(["invoice", "show", str(target)]) == 0
    out = capsys.readouterr().out
    assert "Faktura 1/02/2026" in out
    assert "Do zapłaty: 500,00\u00a0zł" in out
    assert main(["--json", "invoice", "show", str(target)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["gross_total"] == "500.00"
    assert data["exemption_basis"] == "art. 113 ust. 1 ustawy o VAT"


@pytest.mark.parametrize("sample", sorted(SAMPLES_FA3.glob("authored-*.xml")), ids=lambda p: p.name)
def test_validate_official_samples_ok(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(sample)]) == 0
    assert capsys.readouterr().out.strip() == "OK"


def test_validate_reports_each_issue_with_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = (SAMPLES_FA3 / "authored-minimal-vat-23.xml").read_text(encoding="utf-8")
    bad = bad.replace("<P_15>1230.00</P_15>", "<P_15>1 230,00</P_15>").replace("<JST>2</JST>", "")
    path = tmp_path / "bad.xml"
    path.write_text(bad, encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) >= 2
    assert any("P_15" in line for line in lines)
    assert all(line.startswith(f"{path}:") and line.split(":")[1].isdigit() for line in lines)
    assert main(["--json", "validate", str(path)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is False and len(data["issues"]) >= 2


def test_validate_malformed_xml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.xml"
    path.write_bytes(b"<Faktura><Fa>")
    assert main(["validate", str(path)]) == 1
    assert "malformed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "nie jest poprawnym JSON"),
        ('{"number": "1"}', "Brakuje pola „lines”"),
        ('[1, 2]', "obiektem JSON"),
    ],
)
def test_build_bad_input_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str,
                                        fragment: str) -> None:
    path = tmp_path / "in.json"
    path.write_text(content, encoding="utf-8")
    assert main(["invoice", "build", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    err_lines = captured.err.strip().splitlines()
    assert len(err_lines) == 1 and fragment in err_lines[0]


def test_build_invalid_invoice_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads((EXAMPLES / "vat-payer-services.json").read_text(encoding="utf-8"))
    data["seller"]["nip"] = "1234567890"
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["invoice", "build", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert "NIP" in err and len(err.splitlines()) == 1


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["validate", str(tmp_path / "nope.xml")]) == 1
    assert "nie ma pliku" in capsys.readouterr().err
    assert main(["invoice", "build", str(tmp_path)]) == 1
    assert "katalogiem" in capsys.readouterr().err


def test_bad_created_at(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "x.json"
    shutil.copy(EXAMPLES / "vat-payer-services.json", src)
    assert main(["invoice", "build", str(src), "--created-at", "2026-02-02T09:15:00"]) == 1
    assert "strefę" in capsys.readouterr().err
