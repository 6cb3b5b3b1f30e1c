"""The KSeF API 2.0 simulator: real HTTP, real cryptography (see README.md in this folder)."""

from ksef.sim.app import create_app
from ksef.sim.state import SimState

__all__ = ["SimState", "create_app"]
