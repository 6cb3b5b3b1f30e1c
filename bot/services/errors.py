"""Errors the services raise for the chat layer to explain (a ``code`` it maps to a text, plus params)."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A use case refused the input; ``code`` names what was wrong, ``params`` fill in the message.

    ``user_message`` carries a ready Polish text when it comes from the ``ksef`` library.
    """

    def __init__(self, code: str, user_message: str | None = None, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
        self.user_message = user_message


class AccessDenied(ServiceError):
    """The user is not (or no longer) allowed to act on that company."""

    def __init__(self) -> None:
        super().__init__("access_denied")
