"""The walk-forward tables: how the point-in-time forecasts scored, by every cut that can hide
a failure (horizon, year, season, holiday vs ordinary weeks, the latest twelve months).

The truth is Kalshi's settled weekly average where it is known — the value the contracts paid
on — else the archive's Mon–Sun mean, and every row says which (``truth_source``): TSA
restated its archive, and in 2022 the two differ by up to 3 %, as much as the errors being
measured. Probability scores use Kalshi's own results on its real strikes. The forecasts
themselves come from ``tsa_model.backtest_forecasts``: every row was made with only what was
published by its decision time, with every setting chosen on earlier weeks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import stats

from edge_dagster.core import distributions as dist

KALSHI_SETTLED = "kalshi_settled"
ARCHIVE_AGREES = "archive_agrees_with_kalshi_results"  # Kalshi's results, no settled value
ARCHIVE = "archive"
COVERAGE_LEVELS = (0.5, 0.8, 0.9, 0.95)
BAND_CONFIDENCE = 0.90
PIT_BINS = 10
LATEST_WEEKS = 52
SEASONS = {12: "DJF", 1: "DJF", 2: "DJF", 3: "MAM", 4: "MAM", 5: "MAM",
           6: "JJA", 7: "JJA", 8: "JJA", 9: "SON", 10: "SON", 11: "SON"}  # fmt: skip


def weekly_truth(markets: pd.DataFrame, archive: pd.DataFrame) -> pd.DataFrame:
    """One row per archive week: ``truth`` and ``truth_source``.

    ``markets``: settled Kalshi markets (``week_monday``, ``result``, ``archive_implied_result``
    and, where recorded, ``kalshi_expiration_value`` / ``expiration_value_consistent``).
    ``archive``: ``week_monday``, ``archive_avg`` (complete weeks). A settled value counts only
    where the record calls it consistent with the event's results; otherwise a week whose
    archive mean agrees with every Kalshi result is labelled so, and the rest plain archive.
    """
    frame = markets.assign(week_monday=pd.to_datetime(markets["week_monday"]).dt.date)
    if "kalshi_expiration_value" not in frame:
        frame["kalshi_expiration_value"] = np.nan
        frame["expiration_value_consistent"] = ""
    value = pd.to_numeric(frame["kalshi_expiration_value"], errors="coerce")
    frame["settled"] = value.where(frame["expiration_value_consistent"].eq("yes"))
    frame["agrees"] = frame["result"].eq(frame["archive_implied_result"])
    weeks = frame.groupby("week_monday").agg(settled=("settled", "first"), agrees=("agrees", "all"))
    out = archive.assign(week_monday=pd.to_datetime(archive["week_monday"]).dt.date).merge(
        weeks, left_on="week_monday", right_index=True, how="left"
    )
    settled = out["settled"].notna()
    out["truth"] = out["settled"].where(settled, out["archive_avg"])
    out["truth_source"] = np.where(
        settled, KALSHI_SETTLED, np.where(out["agrees"].eq(True), ARCHIVE_AGREES, ARCHIVE)
    )
    return out[["week_monday", "archive_avg", "truth", "truth_source"]]


def archive_weeks(daily: pd.DataFrame) -> pd.DataFrame:
    """Mon–Sun means of a ``date,travelers`` archive, complete weeks only."""
    frame = daily.assign(day=pd.to_datetime(daily["date"]).dt.date)
    frame["week_monday"] = [d - timedelta(days=d.weekday()) for d in frame["day"]]
    weeks = frame.groupby("week_monday")["travelers"].agg(["mean", "size"])
    weeks = weeks[weeks["size"] == 7]
    return pd.DataFrame({"week_monday": weeks.index, "archive_avg": weeks["mean"].to_numpy()})


def season(monday: date) -> str:
    return SEASONS[(monday + timedelta(days=3)).month]


def scored_forecasts(forecasts: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Forecast rows (``backtest_forecasts``; the first decision of each horizon) with their
    truth, relative error, CRPS and PIT, and the cuts of the tables (year, season, regime,
    latest twelve months)."""
    first = forecasts.sort_values("slot").drop_duplicates(["model", "monday", "horizon"])
    frame = first.merge(truth, left_on="monday", right_on="week_monday", how="inner")
    frame["error"] = frame["point"] / frame["truth"] - 1.0
    frame["abs_error"] = frame["error"].abs()
    frame["crps_rel"] = [
        d.crps(y) / y for d, y in zip(frame["distribution"], frame["truth"], strict=True)
    ]
    frame["pit"] = [
        float(d.cdf(y)) for d, y in zip(frame["distribution"], frame["truth"], strict=True)
    ]
    frame["year"] = [m.year for m in frame["monday"]]
    frame["season"] = [season(m) for m in frame["monday"]]
    frame["regime"] = np.where(frame["holiday_week"], "holiday", "ordinary")
    latest_from = max(frame["monday"]) - timedelta(weeks=LATEST_WEEKS - 1)
    frame["period"] = np.where(frame["monday"] >= latest_from, "latest 12 months", "before")
    return frame.reset_index(drop=True)


def by_group(
    frame: pd.DataFrame, column: str, value: Callable[[pd.DataFrame], float], by: Sequence[str]
) -> pd.DataFrame:
    """``value`` of each (model, *by) group, models as rows and the groups as columns."""
    groups = frame.groupby(["model", *by], sort=True)
    table = groups.apply(value, include_groups=False).rename(column).reset_index()
    return table.pivot_table(index="model", columns=list(by), values=column, sort=True)


def mape_pct(group: pd.DataFrame) -> float:
    return 100.0 * float(group["abs_error"].mean())


def crps_pct(group: pd.DataFrame) -> float:
    return 100.0 * float(group["crps_rel"].mean())


def ratio_to(table: pd.DataFrame, model: str, reference: str | Sequence[str]) -> pd.Series:
    """``model``'s row over the reference row (or over the best of several rows, per column)."""
    refs = [reference] if isinstance(reference, str) else list(reference)
    return table.loc[model] / table.loc[refs].min(axis=0)


def binomial_band(n: int, level: float, confidence: float = BAND_CONFIDENCE) -> tuple[float, float]:
    """Central ``confidence`` range of the share of n independent hits with probability
    ``level``: a coverage outside it is a calibration miss, not bad luck."""
    tail = (1.0 - confidence) / 2.0
    return (
        float(stats.binom.ppf(tail, n, level)) / n,
        float(stats.binom.ppf(1.0 - tail, n, level)) / n,
    )


def coverage_table(
    frame: pd.DataFrame, by: Sequence[str], levels: Sequence[float] = COVERAGE_LEVELS
) -> pd.DataFrame:
    """Central-interval coverage per group and level with n (weeks) and the 90 % binomial
    band for n; ``inside`` says whether the coverage is within it. Coverage is read off the
    PIT: the truth is inside the central ``level`` interval iff |PIT − ½| ≤ level / 2."""
    rows = []
    for key, group in frame.groupby(list(by), sort=True):
        key = key if isinstance(key, tuple) else (key,)
        n_weeks = group["monday"].nunique()
        for level in levels:
            hit = float(np.mean(np.abs(group["pit"] - 0.5) <= level / 2.0))
            low, high = binomial_band(n_weeks, level)
            rows.append(
                {
                    **dict(zip(by, key, strict=True)),
                    "level": level,
                    "n_weeks": n_weeks,
                    "coverage": hit,
                    "band_low": low,
                    "band_high": high,
                    "inside": low <= hit <= high,
                }
            )
    return pd.DataFrame(rows)


def pit_histogram(frame: pd.DataFrame, by: Sequence[str], bins: int = PIT_BINS) -> pd.DataFrame:
    """Share of PIT values per equal-width bin (flat at 1/bins when calibrated), per group."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    rows = []
    for key, group in frame.groupby(list(by), sort=True):
        key = key if isinstance(key, tuple) else (key,)
        counts, _ = np.histogram(group["pit"], bins=edges)
        rows.append(
            {
                **dict(zip(by, key, strict=True)),
                "n": len(group),
                **{
                    f"{edges[i]:.1f}-{edges[i + 1]:.1f}": counts[i] / len(group)
                    for i in range(bins)
                },
            }
        )
    return pd.DataFrame(rows)


def priced_markets(scored: pd.DataFrame, markets: pd.DataFrame) -> pd.DataFrame:
    """P(avg > strike) of every forecast row for each of its week's settled Kalshi markets,
    with Kalshi's result as the outcome."""
    frame = markets.assign(week_monday=pd.to_datetime(markets["week_monday"]).dt.date)
    frame = frame[["week_monday", "ticker", "strike_travelers", "result"]]
    merged = scored.drop(columns=["week_monday"]).merge(
        frame, left_on="monday", right_on="week_monday"
    )
    merged["fair_yes"] = [
        float(d.prob_above(s))
        for d, s in zip(merged["distribution"], merged["strike_travelers"], strict=True)
    ]
    merged["outcome"] = merged["result"].eq("yes").astype(float)
    return merged


def brier(group: pd.DataFrame) -> float:
    return dist.brier_score(group["fair_yes"], group["outcome"])
