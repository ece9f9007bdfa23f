"""The migrations build exactly the models' schema, and walk down and up again."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine

from app.db import drop_database
from app.migrations import downgrade, upgrade
from app.models import metadata
from tests.conftest import fresh_database


async def _diff_and_tables(url: str) -> tuple[list[Any], set[str]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:

            def inspect_sync(sync_connection: Connection) -> tuple[list[Any], set[str]]:
                context = MigrationContext.configure(sync_connection, opts={"compare_type": True})
                diff = compare_metadata(context, metadata)
                return diff, set(inspect(sync_connection).get_table_names())

            return await connection.run_sync(inspect_sync)
    finally:
        await engine.dispose()


class TestMigrations:
    def test_upgrade_matches_the_models_then_downgrade_and_upgrade_again(
        self, server_url: str
    ) -> None:
        url = fresh_database(server_url, "migrations")
        try:
            upgrade(url)
            diff, tables = asyncio.run(_diff_and_tables(url))
            assert diff == [], f"models and migrations disagree: {diff}"
            assert set(metadata.tables) <= tables

            downgrade(url, "base")
            _, tables = asyncio.run(_diff_and_tables(url))
            assert tables == {"alembic_version"}

            upgrade(url)
            diff, _ = asyncio.run(_diff_and_tables(url))
            assert diff == []
        finally:
            asyncio.run(drop_database(url))
