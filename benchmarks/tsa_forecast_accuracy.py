"""The walk-forward harness: every week × decision time × model, scored on what Kalshi paid.

Run from the repo root: ``.venv/bin/python -m benchmarks.tsa_forecast_accuracy``. Replays every
week 2022-01-03 .. the last complete week at every decision time with publication times from
the clock (``tsa_model.backtest_forecasts``: each forecast reads only what was published by
its decision, and every setting of the system was chosen on earlier weeks), then prints:

* MAPE by horizon, year, season, regime (holiday vs ordinary weeks) and the latest twelve
  months apart, with the ensemble's ratio to its best member and to the baseline and the
  acceptance verdicts; against Kalshi's settled average where known, else the archive mean
  (the truth source of every week is counted);
* calibration: 50/80/90/95 % coverage per regime with n and the 90 % binomial band, PIT
  histograms, CRPS by horizon and regime;
* Brier of P(avg > strike) on Kalshi's real settled markets;
* what the walk-forward system chose (robust trend, half-lives, tail shape, bias term, weights).

Scored weeks are 2023-01-02 on; 2022 is printed apart as the warm-up (only 2019 references,
settings on their declared defaults). Data: ``EDGE_REPLAY_DIR`` (default ``replay_data/``).
"""

from __future__ import annotations

import os
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from edge_dagster.core import tsa_scoring as score
from edge_dagster.core.tsa_members import MEMBER_NAMES
from edge_dagster.core.tsa_model import ENSEMBLE, MODELS, backtest_forecasts, history_from_daily
from edge_dagster.settings import DEFAULT_REPLAY_DIR

DATA_DIR = Path(os.environ.get("EDGE_REPLAY_DIR", str(DEFAULT_REPLAY_DIR)))
MARKET_FILES = ("kalshi_tsaw_markets_2022_2025.csv", "kalshi_tsaw_markets_2026.csv")
FIRST_WEEK = date(2022, 1, 3)
SCORE_FROM = date(2023, 1, 2)
HORIZONS = ("Mon", "Tue", "Wed", "Thu", "Fri")
BEST_MEMBER_BOUND = 1.0  # overall, at Monday and Friday
YEAR_BOUND = 1.1  # every year block, at Monday and Friday
BASELINE_BOUND = 0.8


def complete_mondays(daily: pd.DataFrame) -> list[date]:
    last_day = pd.to_datetime(daily["date"]).max().date()
    last_monday = last_day - timedelta(days=(last_day.weekday() + 1) % 7 + 6)
    return [
        FIRST_WEEK + timedelta(weeks=i) for i in range((last_monday - FIRST_WEEK).days // 7 + 1)
    ]


def load_markets(data_dir: Path) -> pd.DataFrame:
    return pd.concat([pd.read_csv(data_dir / f) for f in MARKET_FILES], ignore_index=True)


def _show(title: str, table: pd.DataFrame, fmt: str = ".3f") -> None:
    print(f"\n{title}")
    shown = (
        table.rename(columns=dict(enumerate(HORIZONS)))
        if table.columns.name == "horizon"
        else table
    )
    print(shown.map(lambda v: format(v, fmt) if isinstance(v, float) else str(v)).to_string())


def _verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def _point_accuracy(scored: pd.DataFrame, every: pd.DataFrame) -> None:
    print(
        f"\n=== Point accuracy (MAPE %, truth: Kalshi settled where known), weeks {SCORE_FROM} on"
    )
    by_horizon = score.by_group(scored, "mape", score.mape_pct, ["horizon"])
    _show("by horizon", by_horizon)
    best = score.ratio_to(by_horizon, ENSEMBLE, MEMBER_NAMES)
    base = score.ratio_to(by_horizon, ENSEMBLE, "baseline")
    _show(
        "ensemble / best member, ensemble / baseline",
        pd.DataFrame([best, base], index=["/ best member", "/ baseline"]),
    )
    for h in (0, 4):
        print(
            f"{HORIZONS[h]}: ensemble <= best member: {_verdict(best[h] <= BEST_MEMBER_BOUND)} "
            f"({best[h]:.3f}); <= {BASELINE_BOUND} x baseline: "
            f"{_verdict(base[h] <= BASELINE_BOUND)} ({base[h]:.3f})"
        )
    _show(
        "bias (%, + = forecast too high)",
        score.by_group(scored, "bias", lambda g: 100 * g["error"].mean(), ["horizon"]),
        "+.3f",
    )
    for h in (0, 4):
        at = every[every["horizon"] == h]
        years = score.by_group(at, "mape", score.mape_pct, ["year"])
        ratio = score.ratio_to(years, ENSEMBLE, MEMBER_NAMES)
        _show(f"{HORIZONS[h]}: MAPE by year (2022 = warm-up, not scored)", years)
        print(
            "ensemble / best member by year: "
            + "  ".join(
                f"{y} {r:.3f}{'' if r <= YEAR_BOUND else ' (> 1.1)'}" for y, r in ratio.items()
            )
        )
        misses = [y for y, r in ratio.items() if y >= SCORE_FROM.year and r > YEAR_BOUND]
        print(
            f"every scored year <= {YEAR_BOUND} x best member: {_verdict(not misses)}"
            + (f" (missed: {misses})" if misses else "")
        )


def _cuts(scored: pd.DataFrame) -> None:
    for cut, title in (
        ("season", "MAPE (%) by season (DJF, MAM, JJA, SON) and horizon"),
        ("regime", "MAPE (%) by regime (the model's holiday flags) and horizon"),
        ("period", "MAPE (%), latest 12 months apart, by horizon"),
    ):
        _show(title, score.by_group(scored, "mape", score.mape_pct, [cut, "horizon"]))


def _calibration(scored: pd.DataFrame) -> None:
    print("\n=== Calibration of the predictive distribution")
    table = score.coverage_table(scored, ["model", "regime"])
    table["coverage"] = table["coverage"].round(3)
    table["band"] = [
        f"[{lo:.3f}, {hi:.3f}]"
        for lo, hi in zip(table["band_low"], table["band_high"], strict=True)
    ]
    print("\ncentral-interval coverage, all horizons (n = weeks; band = 90 % binomial band for n)")
    print(
        table[["model", "regime", "level", "n_weeks", "coverage", "band", "inside"]].to_string(
            index=False
        )
    )
    ensemble = table[table["model"] == ENSEMBLE]
    print(
        f"ensemble: every level inside its band in both regimes: "
        f"{_verdict(bool(ensemble['inside'].all()))}"
    )
    per_horizon = score.coverage_table(scored[scored["model"] == ENSEMBLE], ["regime", "horizon"])
    wide = per_horizon.pivot_table(index=["regime", "level"], columns="horizon", values="coverage")
    _show("ensemble coverage per horizon", wide)
    inside = per_horizon["inside"]
    print(
        f"ensemble per horizon: {int(inside.sum())} of {len(inside)} (regime × level × horizon) "
        "inside their band; outside: "
        + (
            ", ".join(
                f"{r.regime}/{HORIZONS[r.horizon]}/{r.level:.2f}={r.coverage:.3f}"
                for r in per_horizon[~inside].itertuples()
            )
            or "none"
        )
    )
    pit = score.pit_histogram(scored[scored["model"] == ENSEMBLE], ["regime"])
    _show(
        "ensemble PIT histogram, all horizons (share per bin; flat = 0.100)",
        pit.set_index("regime"),
    )
    _show(
        "CRPS (% of the weekly average; lower is better) by regime and horizon",
        score.by_group(scored, "crps", score.crps_pct, ["regime", "horizon"]),
    )


def _market_scores(scored: pd.DataFrame, markets: pd.DataFrame) -> None:
    priced = score.priced_markets(scored, markets)
    print(
        f"\n=== Brier of P(avg > strike) on Kalshi's settled markets "
        f"({priced['ticker'].nunique()} markets in {priced['monday'].nunique()} weeks)"
    )
    _show("by horizon", score.by_group(priced, "brier", score.brier, ["horizon"]), ".4f")
    _show("by year (all horizons)", score.by_group(priced, "brier", score.brier, ["year"]), ".4f")
    _show(
        "by regime and period (all horizons)",
        score.by_group(priced, "brier", score.brier, ["regime", "period"]),
        ".4f",
    )


def _choices(forecasts: pd.DataFrame) -> None:
    rows = forecasts[forecasts["model"] == ENSEMBLE].copy()
    rows["year"] = [m.year for m in rows["monday"]]
    print("\n=== What the walk-forward system chose (share of ensemble rows, per year)")
    summary = rows.groupby("year").agg(
        robust_trend=("robust_trend", "mean"),
        weights_half_life=("forgetting_half_life", "median"),
        tail_half_life=("tail_half_life", "median"),
        t_df=("df", "median"),
        bias_term=("bias_term", "mean"),
        **{f"w_{m}": (f"weight_{m}", "mean") for m in MEMBER_NAMES},
    )
    print(summary.round(3).to_string())


def main() -> None:
    started = time.perf_counter()
    daily = pd.read_csv(DATA_DIR / "tsa_checkpoint_daily.csv")
    history = history_from_daily(daily)
    mondays = complete_mondays(daily)
    loaded = time.perf_counter()
    forecasts = backtest_forecasts(history, mondays, MODELS)
    finished = time.perf_counter()
    print(
        f"weeks {mondays[0]} .. {mondays[-1]} ({len(mondays)}) x "
        f"{forecasts['slot'].nunique()} decision times x {len(MODELS)} models = "
        f"{len(forecasts)} forecasts, every member variant and setting computed for every week"
    )
    print(
        f"wall time: walk-forward system {finished - loaded:.2f} s "
        f"(+ load and clock stamping {loaded - started:.2f} s)"
    )
    markets = load_markets(DATA_DIR)
    truth = score.weekly_truth(markets, score.archive_weeks(daily))
    every = score.scored_forecasts(forecasts, truth)
    scored = every[every["monday"] >= SCORE_FROM]
    sources = truth[truth["week_monday"].isin(mondays)]
    counts = sources.groupby([[m.year for m in sources["week_monday"]], "truth_source"]).size()
    print("\ntruth per week (year, source):")
    print(counts.unstack(fill_value=0).to_string())
    _point_accuracy(scored, every)
    _cuts(scored)
    by_archive = scored.assign(abs_error=(scored["point"] / scored["archive_avg"] - 1).abs())
    _show(
        "for reference: MAPE (%) by horizon against the archive mean",
        score.by_group(by_archive, "mape", score.mape_pct, ["horizon"]),
    )
    _calibration(scored)
    _market_scores(every, markets)
    _choices(forecasts)


if __name__ == "__main__":
    main()
