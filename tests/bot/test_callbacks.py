"""Button data is parsed in one place into typed values; malformed or unknown data is a stale button."""

from __future__ import annotations

import pytest

from bot.chat.callbacks import MAX_ROW_ID, Buttons, Field, Pressed
from bot.chat.dialog import BUTTONS
from bot.chat.sales_buttons import KorAction, KorVerb, ListAction
from tests.bot.test_companies import connect_in_chat, forged_press
from tests.fixtures.bot import BotHarness


async def _ignore(*_: object) -> None:
    """A handler that is never awaited here (only parsing is tested)."""


def test_parse_gives_typed_ids_words_and_optional_trailing_ids() -> None:
    buttons = Buttons()
    buttons.register("co", {"mrm": (Field.ID, Field.USER)}, _ignore)
    buttons.register("in", {"d": (Field.ID, Field.OPTIONAL_ID)}, _ignore)
    buttons.register("g", {"next": (Field.WORD, Field.STEP)}, _ignore)
    found = buttons.parse("co:mrm:12:7000000001")
    assert found == Pressed("co", "mrm", (12, 7000000001), (), ("12", "7000000001"))
    assert buttons.parse("in:d:5") == Pressed("in", "d", (5,), (), ("5",))
    assert buttons.parse("in:d:5:9") == Pressed("in", "d", (5, 9), (), ("5", "9"))
    assert buttons.parse("g:next:token:guide:3") == Pressed("g", "next", (), ("token", "guide:3"),
                                                            ("token", "guide", "3"))
    with pytest.raises(ValueError):
        buttons.register("co", {}, _ignore)


def test_a_prefix_with_its_own_parser_is_routed_with_its_typed_action() -> None:
    """The sales register's data (filters, free search text) is typed by its own parser; the registry
    routes it and refuses what that parser refuses."""
    routed = BUTTONS.route("sa:l:0:202602:::faktura: z dwukropkiem")
    assert routed is not None and isinstance(routed.value, ListAction)
    assert routed.value.query.month == (2026, 2) and routed.value.query.search == "faktura: z dwukropkiem"
    kor = BUTTONS.route("kr:rs:2:1")
    assert kor is not None and kor.value == KorAction(KorVerb.SET_RATE, 2, rate="8")
    for data in ("sa:l:x::::", "sa:c:", "sa:undo:1", "kr:ok:nothex", "kr:rs:2:99", "kr:zz"):
        assert BUTTONS.route(data) is None, data
    assert BUTTONS.parse("sa:l:0::::") is None  # not a field-spec prefix: no Pressed


@pytest.mark.parametrize("data", [
    "", ":", "zz:sw:1",  # empty, no prefix, unknown prefix
    "co", "co:", "co:zz:1",  # no action, empty action, unknown action
    "co:sw", "co:sw:", "co:sw:abc", "co:sw:-1", "co:sw:1.5", "co:sw:１",  # missing, empty, not a number
    f"co:sw:{MAX_ROW_ID + 1}", "co:sw:99999999999999999999999",  # past the database's integer range
    "co:mrm:1", "co:mrm:1:0", "co:sw:1:2",  # too few fields, user id 0, too many fields
    "lang:xx", "lang:", "g:next", "g:next:token", "g:next:token:guide:3:4", "g:next:Token:nip",
    "in:d:1:2:3", "iv:again:", "ac:go:x", "av:status:x", "fg:maybe",
    "py:c", "py:c:1:2", "py:a:1", "py:a:1:x", "py:z:", "py:paid:1",
])
def test_malformed_data_is_refused(data: str) -> None:
    assert BUTTONS.route(data) is None


def test_every_button_the_bot_makes_parses() -> None:
    for data in ("g:stop", "g:back:cert:guide:2", "g:skip:auth:guide:0", "g:next:token:nip", "co:add:0",
                 "co:mrm:3:123456789", "fg:yes", "lang:pl", "lang:en", "in:l:10", "in:l:0:4", "in:x:1",
                 "iv:ok", "iv:upo:8", "av:status", "av:status:3", "av:mute", "ac:sw", "ac:go:2",
                 # the outbox renderers' buttons carry the row id (the delivery probe's marker)
                 "iv:again:8", "iv:again:8:12", "iv:link:8", "ac:sw:5", "in:d:4:9", "in:l:0:9", "in:c:3",
                 "py:c:4", "py:a:4:1", "py:z:4", "pb:list:3:0"):
        assert BUTTONS.parse(data) is not None, data


async def test_forged_and_stale_buttons_get_the_stale_answer_never_an_error(bot_app: BotHarness) -> None:
    user = bot_app.user(3401)
    nip, token = bot_app.sim.create_subject()
    await connect_in_chat(bot_app, user, nip, token)
    for data in ("co:sw:abc", "co:sw:", f"co:sw:{2**63}", "co:mrm:1", "lang:xx", "g:next", "in:d:",
                 "iv:again:x", "ac:go", "nope:1"):
        answer = await bot_app.reply_to(user, lambda d=data: forged_press(bot_app, user, d))
        assert "Ten przycisk jest już nieaktualny" in answer.content, (data, answer.content)
    # A well-formed id of nothing the user may touch is still refused by the service, as before.
    answer = await bot_app.reply_to(user, lambda: forged_press(bot_app, user, f"co:sw:{MAX_ROW_ID}"))
    assert "Nie masz dostępu" in answer.content
    assert not [m for m in bot_app.fake.bot_messages(user.chat_id) if "Coś poszło nie tak" in m.content]
