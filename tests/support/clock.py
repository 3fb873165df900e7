"""An injected wall clock: how tests run a paper, demo or live deployment at a chosen instant.

Those deployments refuse ``EDGE_AS_OF`` (real exchanges run on the real clock), so a test that
needs "now" to be a decision time freezes the sources' wall clock instead.
"""

from __future__ import annotations

from datetime import datetime

from edge_dagster.core.clock import parse_as_of
from edge_dagster.resources.sources import DataSourcesResource


class FrozenWallClockSources(DataSourcesResource):
    """Data sources whose wall clock reads ``wall_time`` (ISO-8601)."""

    wall_time: str

    def wall_clock(self) -> datetime:
        return parse_as_of(self.wall_time)
