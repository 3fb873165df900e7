"""Point-in-time TSA daily figures: the same question to a replay folder or to tsa.gov.

Both sources answer "which daily figures were public at ``as_of``", with the columns
``travel_date, travelers, published_at, seen_at, source``.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Protocol

import pandas as pd

from edge_dagster.core.clock import EASTERN, tsa_published_at
from edge_dagster.sources.replay_files import read_replay_csv
from edge_dagster.sources.tsa_website import TsaWebsite

TSA_REPLAY_FILE = "tsa_checkpoint_daily.csv"
COLUMNS = ["travel_date", "travelers", "published_at", "seen_at", "source"]


class TsaDailySource(Protocol):
    def daily_figures(self, start: date, end: date, as_of: datetime) -> pd.DataFrame:
        """Figures for ``start..end`` (inclusive) that were public at ``as_of``."""
        ...


class ReplayTsaSource:
    """Reads ``tsa_checkpoint_daily.csv`` and replays TSA's publication schedule.

    A replayed figure is "seen" the moment it is published, so replays are deterministic.
    """

    def __init__(self, replay_dir: str | Path) -> None:
        self.replay_dir = replay_dir

    def daily_figures(self, start: date, end: date, as_of: datetime) -> pd.DataFrame:
        raw = read_replay_csv(
            self.replay_dir, TSA_REPLAY_FILE, {"date": "date", "travelers": "int"}
        )
        travel_dates = raw["date"].dt.date
        in_range = (travel_dates >= start) & (travel_dates <= end)
        frame = pd.DataFrame(
            {"travel_date": travel_dates[in_range], "travelers": raw.loc[in_range, "travelers"]}
        )
        frame["published_at"] = [tsa_published_at(day) for day in frame["travel_date"]]
        frame = frame[frame["published_at"] <= as_of].copy()
        frame["seen_at"] = frame["published_at"]
        frame["source"] = f"replay:{TSA_REPLAY_FILE}"
        return frame[COLUMNS].reset_index(drop=True)


class LiveTsaSource:
    """Scrapes tsa.gov. A figure already on the page before its scheduled time is dated by
    when we saw it, so ``published_at`` never claims a figure was public later than it was."""

    def __init__(self, website: TsaWebsite) -> None:
        self.website = website

    def daily_figures(self, start: date, end: date, as_of: datetime) -> pd.DataFrame:
        seen_at = datetime.now(EASTERN)
        frame = self.website.daily_figures(start, end, today=seen_at.date())
        frame["published_at"] = [min(tsa_published_at(d), seen_at) for d in frame["travel_date"]]
        frame = frame[frame["published_at"] <= as_of].copy()
        frame["seen_at"] = seen_at
        frame["source"] = self.website.base_url
        return frame[COLUMNS].reset_index(drop=True)
