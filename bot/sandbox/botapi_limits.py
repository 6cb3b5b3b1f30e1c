"""Moved to :mod:`bot.sandbox.botapi.limits`; kept so imports written before the split still work."""

from bot.sandbox.botapi.limits import COUNTED_METHODS, FloodControl, FloodLimits, LimitStats, TokenBucket

__all__ = ["COUNTED_METHODS", "FloodControl", "FloodLimits", "LimitStats", "TokenBucket"]
