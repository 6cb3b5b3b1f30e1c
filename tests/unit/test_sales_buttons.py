"""Button data of the register and the correction dialogue: what is written parses back to the same typed
value, fits Telegram's 64 bytes, and anything malformed is None (answered as stale); correction specs
survive their JSON; every text key the feature uses exists in Polish and English."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from bot.chat.sales_buttons import (
    MAX_DATA,
    RATES,
    CardAction,
    CardVerb,
    Chooser,
    KorAction,
    KorVerb,
    ListAction,
    SearchAction,
    card_data,
    kor_data,
    list_data,
    parse,
)
from bot.i18n.catalog import EN, PL
from bot.services.issuing import DraftLine
from bot.services.sales.register import SalesQuery, StateFilter
from bot.services.sales.spec import CorrectionMode, CorrectionSpec, LineEdit


@pytest.mark.parametrize("query", [
    SalesQuery(),
    SalesQuery(page=41, month=(2026, 10), state=StateFilter.CORRECTION, buyer_nip="5260250274",
               search="acme"),
    SalesQuery(search="FV/1:2:3"),  # a colon in the search text
    SalesQuery(month=(2027, 1), state=StateFilter.OFFLINE,
               search="Zakład Usług Ślusarskich „Łódź” s.c. i syn"),
])
def test_list_data_round_trips_within_64_bytes(query: SalesQuery) -> None:
    for chooser in (None, *Chooser):
        data = list_data(query, chooser)
        assert len(data.encode()) <= MAX_DATA
        action = parse(data)
        assert isinstance(action, ListAction) and action.chooser == chooser
        assert action.query.search == query.search[:len(action.query.search)]  # cut to fit, never garbled
        assert (action.query.page, action.query.month, action.query.state, action.query.buyer_nip) == (
            query.page, query.month, query.state, query.buyer_nip)


def test_card_and_correction_data_round_trip() -> None:
    assert parse(card_data(CardVerb.OPEN, 12)) == CardAction(CardVerb.OPEN, 12)
    assert parse(card_data(CardVerb.UNDO, 12, 345)) == CardAction(CardVerb.UNDO, 12, 345)
    assert isinstance(parse("sa:s"), SearchAction)
    assert parse(kor_data(KorVerb.LINE, 3)) == KorAction(KorVerb.LINE, 3)
    for rate in RATES:
        assert parse(kor_data(KorVerb.SET_RATE, 2, rate=rate)) == KorAction(KorVerb.SET_RATE, 2, rate=rate)
    assert parse(kor_data(KorVerb.CONFIRM, version="0123456789ab")) == KorAction(KorVerb.CONFIRM,
                                                                                version="0123456789ab")
    assert parse(kor_data(KorVerb.CANCEL)) == KorAction(KorVerb.CANCEL)


@pytest.mark.parametrize("data", [
    None, "", "sa", "sa:zz:1", "sa:c", "sa:c:x", "sa:c:1:2", "sa:undo:1", "sa:l:x::::", "sa:l:0:202613:::",
    "sa:l:0::q::", "sa:l:0::::" + "x" * 60, "sa:l:0:::", "kr:ok", "kr:ok:XYZ", "kr:ok:0123456789ab:1",
    "kr:rs:1:9", "kr:ln", "kr:ln:a", "kr:no:1", "kr:nope", "iv:again:1", "sa:c:-1", "sa:c:1e3",
])
def test_malformed_data_is_none(data: str | None) -> None:
    assert parse(data) is None


def test_a_correction_spec_survives_its_json() -> None:
    spec = (CorrectionSpec(7).with_line(LineEdit(1, quantity=Decimal("2.5")))
            .with_line(LineEdit(1, unit_price=Decimal("10.12345678"))).without_line(3)
            .with_added(DraftLine("Gruntowanie", Decimal(40), Decimal(5), "23", "m2"))
            .with_buyer("Budex", ("ul. Sadowa 2",)).with_reason("Zmiana zakresu"))
    assert spec.lines == (LineEdit(1, Decimal("2.5"), Decimal("10.12345678")),)  # merged
    assert CorrectionSpec.from_json(spec.to_json()) == spec
    zero = spec.to_zero()
    assert zero.mode is CorrectionMode.ZERO and not zero.lines and zero.reason == "Zmiana zakresu"
    nip = spec.with_nip("5260250274")
    assert CorrectionSpec.from_json(nip.to_json()) == nip and nip.mode is CorrectionMode.NIP
    assert CorrectionSpec(7).empty and not spec.empty


def test_every_text_key_of_the_feature_exists_in_both_languages() -> None:
    root = Path(__file__).resolve().parents[2] / "bot"
    used: set[str] = set()
    for name in ("chat/sales.py", "chat/sales_news.py", "chat/corrections.py"):
        used |= set(re.findall(r'"((?:sa|kr)\.[a-z_.]+)"', (root / name).read_text()))
    used |= {f"sa.state.{s}" for s in ("prepared", "sending", "processing", "accepted", "rejected", "offline",
                                       "waiting", "kept", "held")}
    used |= {f"sa.filter.{s.value}" for s in StateFilter}
    errors = set(re.findall(r'ServiceError\("([a-z_]+)"', "".join(
        (root / "services/sales" / n).read_text() for n in ("corrections.py", "payments.py"))))
    errors |= set(re.findall(r'ServiceError\("(kor_[a-z_]+)"', (root / "chat/corrections.py").read_text()))
    shared = {"invoice_data", "invoice_unknown", "no_profile", "preview_stale"}  # other areas' texts
    used |= {f"err.{code}" for code in errors - shared}
    assert used and not sorted(k for k in used if k not in PL), "missing Polish"
    assert not sorted(k for k in used if k not in EN), "missing English"
    for key in used:  # gender-neutral Polish: no past-tense first person ("wysłałem", "zapisałam")
        assert not re.search(r"\b\w+(łem|łam)\b", PL[key]), (key, PL[key])
