"""Storage: SQLAlchemy models, the database handle and Alembic migrations."""

from bot.store.db import Database, make_engine, migrate

__all__ = ["Database", "make_engine", "migrate"]
