"""Fixtures shared by the asset tests: the shipped real replay data and a scratch DuckDB file."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_dagster.resources.sources import DataSourcesResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.settings import DEFAULT_REPLAY_DIR

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def warehouse(tmp_path: Path) -> WarehouseResource:
    return WarehouseResource(database=str(tmp_path / "edge.duckdb"))


def replay_sources(as_of: str, replay_dir: Path = DEFAULT_REPLAY_DIR) -> DataSourcesResource:
    return DataSourcesResource(data_source="replay", replay_dir=str(replay_dir), as_of=as_of)
