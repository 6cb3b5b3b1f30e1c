"""Fixtures for end-to-end tests: the whole ``ksef-bot sandbox`` started in-process on free ports."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.sandbox.run import Sandbox, SandboxOptions


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A started sandbox (temporary data dir, web chat on a free loopback port, no scheduled invoices)."""
    box = Sandbox(SandboxOptions(port=0, schedule=(), poll_interval=2, tick_interval=1.0))
    await box.start()
    try:
        yield box
    finally:
        await box.stop()
