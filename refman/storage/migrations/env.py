"""Alembic environment: runs on the connection handed over by ``refman.storage.engine``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from refman.storage.migrations.env_filters import include_name
from refman.storage.orm import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Migrate through the connection in ``config.attributes`` (or a fresh engine for the CLI)."""
    connection = config.attributes.get("connection")
    if connection is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
        with engine.begin() as conn:
            _run(conn)
        return
    _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("refman migrations run online only")
run_migrations_online()
