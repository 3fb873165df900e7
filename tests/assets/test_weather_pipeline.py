"""The weather assets end to end on replay folders: NBP bulletin → calibration → bin
probabilities, point in time, with a truncated bulletin writing nothing."""

from __future__ import annotations

import gzip
import math
import shutil
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from dagster import materialize
from scipy import stats

from edge_dagster.assets.weather_ingest import (
    nbm_bulletins,
    nbm_peak_window_forecasts,
    observed_highs,
)
from edge_dagster.assets.weather_markets import weather_market_snapshots
from edge_dagster.assets.weather_models import (
    weather_bin_probabilities,
    weather_bin_probabilities_coherent,
    weather_calibration,
)
from edge_dagster.core.clock import UTC
from edge_dagster.core.weather_model import REFERENCE
from edge_dagster.definitions import sql_models
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from edge_dagster.sources.nbm import bulletin_path
from tests.conftest import replay_sources

SQL = {a.key.to_user_string(): a for a in sql_models("stg_observed_highs", "stg_nbm_daily_high")}
SQL_STAGING = [SQL["stg_observed_highs"], SQL["stg_nbm_daily_high"]]
CYCLE = datetime(2026, 9, 28, 13, tzinfo=UTC)
EVENT = "KXHIGHCHI-26SEP29"
# Declared, hand-made: a KMDW event for 2026-09-29 in Kalshi's layout around the sample's
# mean of 75 (no real market of that day is available), opened early on the 28th.
HAND_MADE_BINS = [
    ("T72", "less", None, 72.0),
    ("B72.5", "between", 72.0, 73.0),
    ("B74.5", "between", 74.0, 75.0),
    ("B76.5", "between", 76.0, 77.0),
    ("B78.5", "between", 78.0, 79.0),
    ("T79", "greater", 79.0, None),
]


def run(assets, warehouse, sources, start: str, end: str | None = None):  # noqa: ANN001, ANN201
    return materialize(
        assets,
        resources={"warehouse": warehouse, "sources": sources},
        tags={
            "dagster/asset_partition_range_start": start,
            "dagster/asset_partition_range_end": end or start,
        },
        raise_on_error=False,
    )


@pytest.fixture
def replay_2026(tmp_path: Path) -> Path:
    """A replay folder holding the real 2026-09-28 13Z NBP excerpt and the hand-made event."""
    folder = tmp_path / "replay"
    bulletin = folder / "nbm" / bulletin_path(CYCLE)
    bulletin.parent.mkdir(parents=True)
    shutil.copy(DEFAULT_REPLAY_DIR / "nbm_sample.txt", bulletin)
    weather = folder / "weather"
    weather.mkdir()
    real = DEFAULT_REPLAY_DIR / "weather"
    markets = pd.read_csv(real / "kalshi_kxhigh_markets.csv").iloc[:0]
    markets = pd.DataFrame(
        [
            {
                "series_ticker": "KXHIGHCHI",
                "event_ticker": EVENT,
                "ticker": f"{EVENT}-{suffix}",
                "climate_date": "2026-09-29",
                "station": "KMDW",
                "strike_type": kind,
                "floor_strike": floor,
                "cap_strike": cap,
                "strike_from_ticker": False,
                "open_time": "2026-09-28T02:00:00Z",
                "close_time": "2026-09-30T04:59:00Z",
                "expected_expiration_time": "2026-09-30T14:00:00Z",
                "result": "",
                "observed_high_f": 0,
                "observed_high_source": "",
            }
            for suffix, kind, floor, cap in HAND_MADE_BINS
        ],
        columns=markets.columns,
    )
    markets.to_csv(weather / "kalshi_kxhigh_markets.csv", index=False)
    for name in ("kalshi_kxhigh_markets_derived_2023-12_2024-08.csv", "observed_daily_high.csv"):
        pd.read_csv(real / name).iloc[:0].to_csv(weather / name, index=False)
    with gzip.open(real / "kalshi_kxhigh_trades_15min.csv.gz", "rt") as trades:
        header = trades.readline()
    with gzip.open(weather / "kalshi_kxhigh_trades_15min.csv.gz", "wt") as empty:
        empty.write(header)
    shutil.copy(real / "nbm_hrrr_peak_window_max_kmdw_kaus.csv", weather)
    return folder


def test_a_bulletin_prices_the_days_bins_from_its_cycle_plus_90_minutes(warehouse, replay_2026):
    sources = replay_sources("2026-09-29T12:00:00Z", replay_2026)
    steps = [
        ([nbm_bulletins, SQL["stg_nbm_daily_high"]], "CHI|2026-09-29"),
        ([observed_highs, nbm_peak_window_forecasts, SQL["stg_observed_highs"]], "CHI|2026-09-28"),
        ([weather_calibration], "CHI|2026-09-28", "CHI|2026-09-29"),
        (
            [
                weather_market_snapshots,
                weather_bin_probabilities,
                weather_bin_probabilities_coherent,
            ],
            "CHI|2026-09-29",
        ),
    ]
    for assets, *keys in steps:
        assert run(assets, warehouse, sources, *keys).success
    with warehouse.get_connection() as conn:
        priced = conn.execute(
            "SELECT decision_time, model, pricing_model, fit_id, forecast_source, mu, sigma, "
            "ticker, probability FROM weather_bin_probabilities ORDER BY decision_time, lower_edge"
        ).df()
        listed = conn.execute("SELECT DISTINCT as_of FROM market_snapshots ORDER BY 1").fetchall()
    # Listed from 02:30Z on the 28th; the 13Z bulletin only counts from 14:30Z.
    assert [t.astimezone(UTC).strftime("%d %H:%M") for (t,) in listed] == [
        "28 02:30", "28 08:30", "28 14:30", "28 20:30", "29 02:30", "29 08:30",
    ]  # fmt: skip
    first = priced[priced["decision_time"] == priced["decision_time"].min()]
    assert first["decision_time"].iloc[0] == datetime(2026, 9, 28, 14, 30, tzinfo=UTC)
    assert set(first["model"]) == {"emos_nbp_txn"} and first["pricing_model"].all()
    assert set(first["fit_id"]) == {"emos_nbp_txn:CHI:2026-09-28"}
    assert set(first["forecast_source"]) == {"nbp:2026-09-28T13Z"}
    # The declared prior: μ = TXNMN = 75, σ = c = 3 °F (no day-ahead history for 2026).
    assert (first["mu"].iloc[0], first["sigma"].iloc[0]) == (75.0, 3.0)
    normal = stats.norm(75, 3)
    expected = [
        normal.cdf(71.5),
        normal.cdf(73.5) - normal.cdf(71.5),
        normal.cdf(75.5) - normal.cdf(73.5),
        normal.cdf(77.5) - normal.cdf(75.5),
        normal.cdf(79.5) - normal.cdf(77.5),
        1 - normal.cdf(79.5),
    ]
    assert list(first["probability"]) == pytest.approx(expected, abs=1e-12)
    assert math.fsum(first["probability"]) == pytest.approx(1.0, abs=1e-12)
    assert priced["decision_time"].nunique() == 4  # 14:30, 20:30, 02:30, 08:30


def test_a_cycle_read_once_is_reparsed_from_its_stored_blocks(warehouse, replay_2026):
    sources = replay_sources("2026-09-29T12:00:00Z", replay_2026)
    assert run([nbm_bulletins], warehouse, sources, "CHI|2026-09-29").success
    (replay_2026 / "nbm" / bulletin_path(CYCLE)).unlink()
    result = run([nbm_bulletins], warehouse, sources, "CHI|2026-09-29")
    metadata = result.asset_materializations_for_node("nbm_bulletins")[0].metadata
    assert (metadata["cycles_downloaded"].value, metadata["cycles_reparsed"].value) == (0, 1)
    with warehouse.get_connection() as conn:
        row = conn.execute(
            "SELECT txn_mean, txn_sd, txn_p10, txn_p25, txn_p50, txn_p75, txn_p90, available_at "
            "FROM nbm_bulletins WHERE station = 'KMDW' AND local_date = '2026-09-29'"
        ).fetchone()
        cycle = conn.execute("SELECT stations_found, stations_missing FROM nbm_cycles").fetchone()
    assert row == (75, 2, 73, 74, 75, 77, 78, datetime(2026, 9, 28, 14, 30, tzinfo=UTC))
    assert cycle == ("KLAX,KMDW,KMIA", "KAUS,KDEN,KNYC,KPHL")


def test_a_truncated_bulletin_fails_the_run_and_writes_nothing(warehouse, replay_2026):
    sources = replay_sources("2026-09-30T12:00:00Z", replay_2026)
    assert run([nbm_bulletins], warehouse, sources, "CHI|2026-09-29").success

    def tables() -> tuple:
        with warehouse.get_connection() as conn:
            return tuple(
                conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("nbm_cycles", "nbm_station_blocks", "nbm_bulletins")
            )

    before = tables()
    # Declared: the real bulletin cut inside KMIA's block, as the next day's 13Z cycle.
    data = (DEFAULT_REPLAY_DIR / "nbm_sample.txt").read_bytes()
    later = replay_2026 / "nbm" / bulletin_path(datetime(2026, 9, 29, 13, tzinfo=UTC))
    later.parent.mkdir(parents=True)
    later.write_bytes(data[: data.index(b" KMIA") + 500])
    result = run([nbm_bulletins], warehouse, sources, "CHI|2026-09-30")
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "truncated: the block of KMIA" in str(failure.event_specific_data.error)
    assert tables() == before == (1, 3, 1)


@pytest.fixture(scope="module")
def chicago(tmp_path_factory):  # noqa: ANN201
    """The shipped KMDW inputs 2023-01-01 → 2024-09-15 in a warehouse, staging models built."""
    warehouse = WarehouseResource(database=str(tmp_path_factory.mktemp("chi") / "edge.duckdb"))
    sources = replay_sources("2024-10-01T00:00:00Z")
    assert run(
        [observed_highs, nbm_peak_window_forecasts, nbm_bulletins, *SQL_STAGING],
        warehouse, sources, "CHI|2023-01-01", "CHI|2024-09-15",
    ).success  # fmt: skip
    return warehouse, sources


def price(chicago, first: str, last: str | None = None):  # noqa: ANN001, ANN201
    warehouse, sources = chicago
    day_before = (pd.Timestamp(first) - pd.Timedelta(days=1)).date().isoformat()
    assert run(
        [weather_calibration], warehouse, sources, f"CHI|{day_before}", f"CHI|{last or first}"
    ).success
    return run(
        [weather_market_snapshots, weather_bin_probabilities, weather_bin_probabilities_coherent],
        warehouse, sources, f"CHI|{first}", f"CHI|{last or first}",
    )  # fmt: skip


def test_a_kmdw_day_is_priced_by_the_day_ahead_history_fit(chicago):
    # The shipped data: KXHIGHCHI for 2024-09-15 (Kalshi settled 89), day-ahead NBM history.
    result = price(chicago, "2024-09-15")
    assert result.success and result.get_asset_check_evaluations()[0].passed
    with chicago[0].get_connection() as conn:
        first = conn.execute(
            "SELECT model, pricing_model, fit_id, forecast_source FROM weather_bin_probabilities "
            "WHERE event_ticker = 'HIGHCHI-24SEP15' AND decision_time = "
            "(SELECT min(decision_time) FROM weather_bin_probabilities "
            "WHERE event_ticker = 'HIGHCHI-24SEP15') GROUP BY ALL ORDER BY model"
        ).fetchall()
    run_12z = "nbm_peak_window:2024-09-14T12Z"  # the day before's 12Z run, public 13:30Z
    assert first == [
        ("climatology_persistence", False, f"{REFERENCE}:CHI:2024-09-14", "observed:2024-09-13"),
        ("emos_nbm_peak_window", True, "emos_nbm_peak_window:CHI:2024-09-14", run_12z),
        ("nbm_constant_sigma", False, "nbm_constant_sigma:CHI:2024-09-14", run_12z),
    ]


def test_a_derived_era_ladder_is_rebuilt_before_pricing(chicago):
    # HIGHCHI-24APR01 recorded three bins and the upper tail: the lower tail and the fourth bin
    # never traded and are restored (2024 ladders have four bins).
    assert price(chicago, "2024-04-01").success
    with chicago[0].get_connection() as conn:
        ladder = conn.execute(
            "SELECT ticker, strike_source, sum(probability) OVER () FROM weather_bin_probabilities "
            "WHERE event_ticker = 'HIGHCHI-24APR01' AND pricing_model AND decision_time = "
            "(SELECT min(decision_time) FROM weather_bin_probabilities "
            "WHERE event_ticker = 'HIGHCHI-24APR01') ORDER BY lower_edge"
        ).fetchall()
    assert [source for _, source, _ in ladder].count("rebuilt") == 2 and len(ladder) == 6
    assert ladder[0][1] == "rebuilt" and ladder[0][0].startswith("HIGHCHI-24APR01-T")
    assert ladder[0][2] == pytest.approx(1.0, abs=1e-12)


def test_an_event_whose_bins_cannot_be_tiled_is_skipped_with_an_error(chicago):
    # HIGHCHI-24JAN13 recorded two adjacent bins and no tail: the rest cannot be placed.
    result = price(chicago, "2024-01-13")
    assert result.success
    metadata = result.asset_materializations_for_node("weather_bin_probabilities")[0].metadata
    assert "HIGHCHI-24JAN13" in metadata["skipped_examples"].value
    assert "no tail traded and 2 of 4 bins" in metadata["skipped_examples"].value
    with chicago[0].get_connection() as conn:
        (priced,) = conn.execute(
            "SELECT count(*) FROM weather_bin_probabilities WHERE event_ticker = 'HIGHCHI-24JAN13'"
        ).fetchone()
    assert priced == 0
