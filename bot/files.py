"""The bot's private files: the data directory is created 0700, the SQLite database and key files 0600.

Created with those modes from the start (``mkdir``/``open`` with an explicit mode, which a umask can
only narrow), never widened and then narrowed by ``chmod``: there is no moment when another user of
the machine could open them. Existing files and directories are not changed behind the operator's
back; the database file gets a warning when others can read it (the master key file has its own).
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """``path`` as a directory, created ``0700`` when missing (missing parents get the default mode)."""
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.mkdir(mode=DIR_MODE)
        except FileExistsError:
            pass  # another process made it meanwhile
    return path


def private_file(path: Path) -> Path:
    """``path`` as a file, created empty ``0600`` (in a ``0700`` directory) when missing; an existing one
    that others can read gets a warning saying how to fix it."""
    private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("%s is readable by other users (mode %o); chmod 600 it", path, mode)
    return path
