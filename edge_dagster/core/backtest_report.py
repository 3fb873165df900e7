"""Backtest report: forecast accuracy, probability scores against the market, trading results.

Pure functions on DataFrames the backtest-report asset reads from DuckDB, so every number in the
report can be unit-tested without Dagster or a warehouse. Scoring rules live in
``core.distributions`` and are only applied here. Plots are small base64 PNGs so the whole
report is one self-contained markdown document (Dagster metadata, a file, a PR comment).

Plots use the Agg canvas on a bare ``Figure`` rather than pyplot: no GUI backend, and no
process-global figure state shared between concurrently running assets.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from edge_dagster.core import distributions as dist
from edge_dagster.core.pooling import two_sided
from edge_dagster.core.portfolio import drawdown

WEEKS_PER_YEAR = 52
BOOTSTRAP_LEVEL = 0.90
_FIGSIZE = (8.0, 4.0)
_DPI = 100


def forecast_accuracy(forecasts: pd.DataFrame, start: date | None = None) -> pd.DataFrame:
    """Error of the weekly-average forecast by model × horizon, from ``start`` on.

    Split by horizon because the error shrinks as the week's days are published; a model is
    only useful where it beats the market at the horizon it trades.
    """
    frame = forecasts
    if start is not None:
        frame = frame[pd.to_datetime(frame["week_monday"]).dt.date >= start]
    rows = [
        {
            "model": model,
            "horizon": int(horizon),
            "n": len(group),
            "mape_pct": 100.0 * dist.mape(group["forecast_avg"], group["actual_avg"]),
            "bias_pct": 100.0 * dist.bias(group["forecast_avg"], group["actual_avg"]),
            "coverage_80": dist.interval_coverage(group["q10"], group["q90"], group["actual_avg"]),
        }
        for (model, horizon), group in frame.groupby(["model", "horizon"], sort=True)
    ]
    return pd.DataFrame(
        rows, columns=["model", "horizon", "n", "mape_pct", "bias_pct", "coverage_80"]
    )


def _week_loss_sums(rows: pd.DataFrame, score: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per week: row count and the SUM of (model − market) losses, so any resample of weeks
    gives the row-weighted mean difference exactly as the full-sample score would."""
    counts, sums = [], []
    for _, week in rows.groupby("week_monday", sort=True):
        model_score = score(week["fair_yes"], week["outcome"])
        market_score = score(week["market_mid"], week["outcome"])
        counts.append(len(week))
        sums.append(len(week) * (model_score - market_score))
    return np.asarray(counts, dtype=float), np.asarray(sums, dtype=float)


def _week_bootstrap(
    counts: np.ndarray, sums: np.ndarray, rng: np.random.Generator, n_boot: int
) -> tuple[float, float]:
    """Percentile interval of the mean loss difference when whole weeks are resampled.

    Strikes of one week share one outcome path (the same weekly average), so rows are not
    independent; resampling weeks keeps that correlation and gives honest, wider intervals.
    """
    picks = rng.integers(0, len(counts), size=(n_boot, len(counts)))
    diffs = sums[picks].sum(axis=1) / counts[picks].sum(axis=1)
    tail = (1.0 - BOOTSTRAP_LEVEL) / 2.0
    low, high = np.quantile(diffs, [tail, 1.0 - tail])
    return float(low), float(high)


def probability_scores(
    scored: pd.DataFrame, *, model: str, n_boot: int = 2000, seed: int = 0
) -> dict[str, float | int]:
    """Brier and log loss of ``model`` against the market mid on the same markets.

    Head-to-head numbers use only rows whose quote (``market_bid`` / ``market_ask``, the
    quote ``market_mid`` is the middle of) is a real two-sided one: a book quoted 0/1 has the
    mid 0.5 by construction and would flatter the model; synthetic strikes have no quote. Both
    sides are scored on identical markets; ``*_diff`` < 0 means the model beat the market.
    Prices are in probability units (dollars per $1 contract). The ``*_all`` scores include
    synthetic strikes and are for information only. Empty inputs give NaN scores.
    """
    rows = scored[scored["model"] == model]
    head = rows[two_sided(rows["market_bid"], rows["market_ask"])]
    result: dict[str, float | int] = {
        "n": len(head),
        "n_weeks": int(head["week_monday"].nunique()),
        "n_all": len(rows),
    }
    rng = np.random.default_rng(seed)
    for name, score in (("brier", dist.brier_score), ("logloss", dist.log_loss)):
        if head.empty:
            model_score = market_score = low = high = math.nan
        else:
            model_score = score(head["fair_yes"], head["outcome"])
            market_score = score(head["market_mid"], head["outcome"])
            low, high = _week_bootstrap(*_week_loss_sums(head, score), rng, n_boot)
        result[f"{name}_model"] = model_score
        result[f"{name}_market"] = market_score
        result[f"{name}_diff"] = model_score - market_score
        result[f"{name}_diff_lo"] = low
        result[f"{name}_diff_hi"] = high
        result[f"{name}_model_all"] = (
            score(rows["fair_yes"], rows["outcome"]) if len(rows) else math.nan
        )
    return result


def reliability(scored: pd.DataFrame, *, model: str, bins: int = 10) -> pd.DataFrame:
    """Calibration of ``model`` on all its scored markets (synthetic strikes included)."""
    rows = scored[scored["model"] == model]
    return dist.reliability_table(rows["fair_yes"], rows["outcome"], bins=bins)


def trading_summary(weekly_trading: pd.DataFrame) -> dict[str, float | int]:
    """Headline trading results; Sharpe is annualised from weekly P&L (52 weeks)."""
    frame = weekly_trading.sort_values("week_monday")
    pnl = frame["pnl"].to_numpy(dtype=float)
    trades = int(frame["trades"].sum())
    std = float(np.std(pnl, ddof=1)) if len(pnl) >= 2 else 0.0
    return {
        "total_pnl": float(pnl.sum()),
        "total_fees": float(frame["fees"].sum()),
        "trades": trades,
        "win_rate": int(frame["wins"].sum()) / trades if trades else 0.0,
        "weeks": len(frame),
        "sharpe": float(pnl.mean() / std * math.sqrt(WEEKS_PER_YEAR)) if std > 0 else 0.0,
        "max_drawdown": float(drawdown(list(np.cumsum(pnl))).max_drawdown),
    }


def _cell(value: Any, floatfmt: str) -> str:
    if isinstance(value, float | np.floating):
        return "n/a" if math.isnan(value) else format(value, floatfmt)
    return str(value).replace("|", "\\|")


def markdown_table(df: pd.DataFrame, floatfmt: str = ".3f") -> str:
    """GitHub pipe table of ``df`` (index dropped); numeric columns right-aligned.

    Written here so the report needs no ``tabulate`` dependency.
    """
    align = [
        "---:"
        if pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col])
        else "---"
        for col in df.columns
    ]
    lines = [
        "| " + " | ".join(_cell(col, floatfmt) for col in df.columns) + " |",
        "| " + " | ".join(align) + " |",
    ]
    lines += [
        "| " + " | ".join(_cell(v, floatfmt) for v in row) + " |"
        for row in df.itertuples(index=False, name=None)
    ]
    return "\n".join(lines)


def _figure() -> tuple[Any, Any]:
    # matplotlib is imported here, not at module level: it costs ~0.3 s of every code-location
    # load, and only the report draws.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=_FIGSIZE, dpi=_DPI)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _date_axis(ax: Any) -> None:
    """Few, short date ticks: a multi-year backtest must stay readable at 4 inches wide."""
    from matplotlib import dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _png_base64(fig: Any) -> str:
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def equity_curve(weekly_trading: pd.DataFrame) -> pd.Series:
    """Cumulative P&L by date: 0 on the first traded Monday, then each week's P&L added at the
    end of its week (the next Monday)."""
    frame = weekly_trading.sort_values("week_monday")
    if frame.empty:
        return pd.Series(dtype=float)
    days = [frame["week_monday"].iloc[0]] + [d + timedelta(days=7) for d in frame["week_monday"]]
    return pd.Series([0.0, *frame["pnl"].cumsum().astype(float)], index=days)


def equity_curve_png(weekly_trading: pd.DataFrame) -> str:
    """Cumulative settled P&L by week from 0: shows drawdowns the headline total hides."""
    curve = equity_curve(weekly_trading)
    return cumulative_pnl_png(list(curve.index), curve.to_numpy())


def cumulative_pnl_png(days: Any, cumulative_pnl: Any) -> str:
    """An equity curve: cumulative P&L (dollars) against dates, the zero line drawn."""
    fig, ax = _figure()
    ax.plot(pd.to_datetime(pd.Series(days)), cumulative_pnl, lw=1.2)
    ax.axhline(0.0, color="grey", lw=0.6)
    ax.set_title("Cumulative P&L ($)", fontsize=11)
    ax.tick_params(labelsize=9)
    _date_axis(ax)
    return _png_base64(fig)


def reliability_png(table: pd.DataFrame) -> str:
    """Observed vs predicted frequency per bin; points on the diagonal are well calibrated."""
    fig, ax = _figure()
    ax.plot([0.0, 1.0], [0.0, 1.0], color="grey", lw=0.6, ls="--")
    ax.plot(table["mean_predicted"], table["observed_frequency"], marker="o", ms=3, lw=1.0)
    ax.set(xlim=(0.0, 1.0), ylim=(0.0, 1.0))
    ax.set_xlabel("predicted", fontsize=10)
    ax.set_ylabel("observed", fontsize=10)
    ax.set_title("Reliability", fontsize=11)
    ax.tick_params(labelsize=9)
    return _png_base64(fig)


def forecast_vs_actual_png(forecasts: pd.DataFrame, model: str, horizon: int = 0) -> str:
    """Forecast with its 80 % band against the realised average, one horizon of one model.

    Horizon 0 by default: the Monday-before view is the hardest and the one the band matters for.
    """
    rows = forecasts[(forecasts["model"] == model) & (forecasts["horizon"] == horizon)]
    rows = rows.sort_values("week_monday")
    weeks = pd.to_datetime(rows["week_monday"])
    millions = 1e6
    fig, ax = _figure()
    ax.fill_between(weeks, rows["q10"] / millions, rows["q90"] / millions, alpha=0.3, lw=0)
    ax.plot(weeks, rows["forecast_avg"] / millions, lw=1.0, label="forecast")
    ax.plot(weeks, rows["actual_avg"] / millions, lw=1.0, color="black", label="actual")
    ax.set_title(f"{model}, horizon {horizon} (M travelers/day)", fontsize=11)
    ax.legend(fontsize=9)
    ax.tick_params(labelsize=9)
    _date_axis(ax)
    return _png_base64(fig)


def md_image(b64: str, alt: str) -> str:
    return f"![{alt}](data:image/png;base64,{b64})"


def _score_table(scores: Mapping[str, float | int]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "score": name,
                "model": scores[f"{key}_model"],
                "market": scores[f"{key}_market"],
                "model_minus_market": scores[f"{key}_diff"],
                "ci90_low": scores[f"{key}_diff_lo"],
                "ci90_high": scores[f"{key}_diff_hi"],
                "model_all_rows": scores[f"{key}_model_all"],
            }
            for name, key in (("Brier", "brier"), ("log loss", "logloss"))
        ]
    )


def report_markdown(
    accuracy: pd.DataFrame,
    scores: Mapping[str, float | int],
    reliability_table: pd.DataFrame,
    trading: Mapping[str, float | int],
    weekly_trading: pd.DataFrame,
    images: Mapping[str, str],
) -> str:
    """The whole report: headline numbers, tables, plots (``images``: title → base64 PNG),
    then the per-week trading table with cumulative P&L."""
    weekly = weekly_trading.sort_values("week_monday").reset_index(drop=True)
    weekly = weekly.assign(cumulative_pnl=weekly["pnl"].cumsum())
    parts = [
        "# Backtest report",
        "## Headline",
        "\n".join(
            [
                f"- Total P&L: ${trading['total_pnl']:,.2f} after ${trading['total_fees']:,.2f}"
                f" fees over {trading['weeks']} weeks",
                f"- Trades: {trading['trades']}, win rate {trading['win_rate']:.1%}",
                f"- Sharpe (annualised, weekly): {trading['sharpe']:.2f};"
                f" max drawdown ${trading['max_drawdown']:,.2f}",
                f"- Brier model − market: {scores['brier_diff']:+.4f}"
                f" (90 % CI {scores['brier_diff_lo']:+.4f} to {scores['brier_diff_hi']:+.4f},"
                f" {scores['n']} markets in {scores['n_weeks']} weeks; < 0 = model better)",
                f"- Log loss model − market: {scores['logloss_diff']:+.4f}"
                f" (90 % CI {scores['logloss_diff_lo']:+.4f}"
                f" to {scores['logloss_diff_hi']:+.4f})",
            ]
        ),
        "## Forecast accuracy",
        markdown_table(accuracy, ".2f"),
        "## Probability scores",
        markdown_table(_score_table(scores), ".4f"),
        "## Reliability",
        markdown_table(reliability_table, ".3f"),
        "## Plots",
        *(f"### {title}\n\n{md_image(b64, title)}" for title, b64 in images.items()),
        "## Per-week trading",
        markdown_table(weekly, ".2f"),
    ]
    return "\n\n".join(parts) + "\n"


def walk_forward(
    per_week: pd.DataFrame, *, block_weeks: int, default: Any
) -> tuple[pd.Series, pd.DataFrame]:
    """The honest P&L of choosing parameters by walk-forward, never on all weeks at once.

    ``per_week``: one row per week in time order, one column per parameter choice, each cell
    that week's P&L under that choice. Weeks are cut into blocks of ``block_weeks``; the first
    block trades ``default`` (a choice made before seeing any result); every later block trades
    the choice with the largest total P&L over all weeks before it (ties go to ``default``,
    then to the earlier column). Returns the per-week P&L actually earned and one row per
    block: its first and last week, the choice, and that choice's P&L on the weeks before.
    """
    earned = []
    blocks = []
    for start in range(0, len(per_week), block_weeks):
        block = per_week.iloc[start : start + block_weeks]
        history = per_week.iloc[:start].sum()
        choice = default
        if start:
            best = history.max()
            if history[default] < best - 1e-9:
                choice = history.index[history.to_numpy() >= best - 1e-9][0]
        earned.append(block[choice])
        blocks.append(
            {
                "first_week": block.index[0],
                "last_week": block.index[-1],
                "choice": choice,
                "pnl_before": float(history[choice]) if start else math.nan,
                "pnl_in_block": float(block[choice].sum()),
            }
        )
    return pd.concat(earned), pd.DataFrame(blocks)
