"""Saving the simulator state as JSON (atomic replace, throttled) and loading it back (``--state FILE``)."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import logging
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from ksef.sim import state as st

log = logging.getLogger(__name__)

WRITE_INTERVAL_SECONDS = 0.5
_CLASSES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (
        st.SimConfig,
        st.MfKey,
        st.KsefToken,
        st.AuthOperation,
        st.IssuedJwt,
        st.SessionInvoice,
        st.OnlineSession,
        st.StoredInvoice,
        st.Upo,
        st.CollectiveIdInvoice,
        st.CollectiveId,
        st.LatarniaState,
        st.Availability,
        st.SimState,
    )
}


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {"$cls": type(value).__name__}
        for f in dataclasses.fields(value):
            out[f.name] = _encode(getattr(value, f.name))
        return out
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode("ascii")}
    if isinstance(value, tuple):
        return {"$t": [_encode(v) for v in value]}
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$dt" in value:
        return datetime.fromisoformat(value["$dt"])
    if "$b" in value:
        return base64.b64decode(value["$b"])
    if "$t" in value:
        return tuple(_decode(v) for v in value["$t"])
    if "$cls" in value:
        cls = _CLASSES[value["$cls"]]
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: _decode(v) for k, v in value.items() if k in names})
    return {k: _decode(v) for k, v in value.items()}


def dumps(state: st.SimState, runtime: Any = None) -> str:
    """The whole state as a JSON document."""
    with state.lock:
        ca = getattr(runtime, "ca", None) if runtime is not None else None
        if ca is not None and hasattr(ca, "to_dict"):
            state.ca_state = ca.to_dict()
        return json.dumps(_encode(state), ensure_ascii=False)


def save(state: st.SimState, path: Path, runtime: Any = None) -> None:
    """Write atomically: a temporary file in the same directory, then ``os.replace``."""
    state.dirty.clear()  # before dumping: a change made meanwhile sets it again and is written next time
    text = dumps(state, runtime)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path) -> st.SimState:
    """Read a state written by :func:`save`."""
    loaded = _decode(json.loads(path.read_text(encoding="utf-8")))
    if not isinstance(loaded, st.SimState):
        raise ValueError(f"{path} does not hold a simulator state")
    return loaded


async def writer(state: st.SimState, path: Path | None, runtime: Any = None) -> None:
    """Background task: write the state at most every ``WRITE_INTERVAL_SECONDS`` while it changes."""
    if path is None:
        return
    while True:
        await asyncio.sleep(WRITE_INTERVAL_SECONDS)
        if state.dirty.is_set():
            try:
                await asyncio.to_thread(save, state, path, runtime)
            except OSError:
                log.exception("could not write simulator state to %s", path)
