"""Point-in-time TSA daily figures: the same question to a replay folder or to tsa.gov.

Both sources answer "which daily figures were public at ``as_of``", with the columns
``travel_date, travelers, published_at, seen_at, source``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

import pandas as pd

from edge_dagster.core.clock import EASTERN, tsa_published_at
from edge_dagster.sources.replay_files import read_replay_csv
from edge_dagster.sources.tsa_website import TsaWebsite

TSA_REPLAY_FILE = "tsa_checkpoint_daily.csv"
COLUMNS = ["travel_date", "travelers", "published_at", "seen_at", "source"]
FIRST_LIVE_SCRAPED_DAY = date(2026, 1, 1)
"""The replay file's figures before this day are TSA's restated archive (read in 2026, after
TSA updated its per-year pages), not what was first published: in 2022 the archive's weekly
average is on average 0.6 % above the value Kalshi settled on (−1.0 % … +3.0 %), in 2023
+0.4 %. From this day they were scraped from the live page and agree with every settled 2026
market (``replay_data/SOURCES.md``)."""
ARCHIVE_LABEL = "TSA restated archive, not as first published"
LIVE_SCRAPE_LABEL = "scraped from the live page"


class TsaDailySource(Protocol):
    def daily_figures(self, start: date, end: date, as_of: datetime) -> pd.DataFrame:
        """Figures for ``start..end`` (inclusive) that were public at ``as_of``."""
        ...


class ReplayTsaSource:
    """Reads ``tsa_checkpoint_daily.csv`` and replays TSA's publication schedule.

    A replayed figure is "seen" the moment it is published, so replays are deterministic. Its
    ``source`` says what it is: the restated archive before 2026, a live scrape after.
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
        archived = frame["travel_date"] < FIRST_LIVE_SCRAPED_DAY
        label = archived.map({True: ARCHIVE_LABEL, False: LIVE_SCRAPE_LABEL})
        frame["source"] = f"replay:{TSA_REPLAY_FILE} (" + label + ")"
        return frame[COLUMNS].reset_index(drop=True)


class LiveTsaSource:
    """Scrapes tsa.gov. A figure already on the page before its scheduled time is dated by
    when we saw it, so ``published_at`` never claims a figure was public later than it was."""

    def __init__(self, website: TsaWebsite, clock: Callable[[], datetime]) -> None:
        self.website = website
        self.clock = clock
        """The wall clock: when a figure is seen (tests inject one)."""

    def daily_figures(self, start: date, end: date, as_of: datetime) -> pd.DataFrame:
        seen_at = self.clock().astimezone(EASTERN)
        frame = self.website.daily_figures(start, end, today=seen_at.date())
        frame["published_at"] = [min(tsa_published_at(d), seen_at) for d in frame["travel_date"]]
        frame = frame[frame["published_at"] <= as_of].copy()
        frame["seen_at"] = seen_at
        frame["source"] = self.website.base_url
        return frame[COLUMNS].reset_index(drop=True)
