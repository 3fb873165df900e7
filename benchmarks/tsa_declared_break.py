"""Declared breaks: does the ensemble leave a member whose regime ended, and how fast?

Run from the repo root: ``.venv/bin/python -m benchmarks.tsa_declared_break``. On the real
history, one member (``holiday_aligned``, the one the ensemble trusts most) has its references
read 5 % low from a break date on — every forecast it makes of a week from then on is 5 % too
low — while the other members are untouched. For a break on the first Monday of every
quarter 2024–2025 (a declared rule, not a chosen date), it prints the ensemble's weight on
that member around the break, the first week it is below 0.1, and the MAPE from the break to
the end of the data against the better of the remaining members (issue 9: weight falls within
4 weeks, ratio ≤ 1.05), at the Monday and Friday decisions. ``one_week_floor`` is the same
ratio for a combiner that keeps the ensemble's forecast of the break week (no one can know the
break before that week's figures are out) and follows the better member from the next week on:
what the fastest possible switch would score.

Where the ratio's excess comes from: ``excess_*`` split ``mape_ratio − 1`` by weeks since the
break — the break week (week 0, which no combiner can know), weeks 1–3, 4–12 and 13 on — each
the ensemble's absolute error minus the better member's summed over those weeks, over the
better member's sum over all post-break weeks (so they add up to ``mape_ratio − 1``), with
``weight_*`` the mean weight on the broken member in each.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from unittest import mock

import numpy as np
import pandas as pd

from edge_dagster.core import tsa_model
from edge_dagster.core.distributions import mape
from edge_dagster.core.tsa_members import member_remaining
from edge_dagster.settings import DEFAULT_REPLAY_DIR

BROKEN = "holiday_aligned"
SHIFT = 0.95
FIRST_WEEK, LAST_WEEK = date(2023, 1, 2), date(2026, 4, 13)
FALLEN = 0.1
WEEKS_TO_FALL = 4
RATIO_BOUND = 1.05
PERIODS = (("wk0", 0, 1), ("wk1_3", 1, 4), ("wk4_12", 4, 13), ("wk13_on", 13, None))


@contextmanager
def broken_member(start: date, member: str = BROKEN, factor: float = SHIFT) -> Iterator[None]:
    """Within the block, ``member``'s forecasts of every week from ``start`` on are scaled by
    ``factor`` (fault injection into the real member; everything else runs as it is)."""

    def shifted(spec, daily, cal, rows, robust=False):  # noqa: ANN001, ANN202 - member_remaining's
        remaining = member_remaining(spec, daily, cal, rows, robust)
        if spec.name != member:
            return remaining
        return np.where(rows.starts >= (start - daily.start).days, remaining * factor, remaining)

    with mock.patch.object(tsa_model, "member_remaining", shifted):
        yield


def break_backtest(history: pd.DataFrame, start: date) -> pd.DataFrame:
    mondays = [
        FIRST_WEEK + timedelta(weeks=i) for i in range((LAST_WEEK - FIRST_WEEK).days // 7 + 1)
    ]
    with broken_member(start):
        return tsa_model.backtest_forecasts(history, mondays)


def break_summary(table: pd.DataFrame, start: date, horizon: int) -> dict[str, float | int | None]:
    """Weight on the broken member before and after the break, the first week (counted from
    the break week = 0) it is below FALLEN, and the post-break MAPE ratio to the better of the
    other members (truth: the archive, the model's own data)."""
    rows = table[table["horizon"] == horizon]
    weight = rows[rows["model"] == tsa_model.ENSEMBLE].set_index("monday")[f"weight_{BROKEN}"]
    after = weight[weight.index >= start]
    below = np.flatnonzero(after.to_numpy() < FALLEN)
    post = rows[rows["monday"] >= start]
    error = {m: mape(g["point"], g["actual"]) for m, g in post.groupby("model")}
    better = min((m for m in error if m not in (BROKEN, tsa_model.ENSEMBLE)), key=error.get)
    ensemble = post[post["model"] == tsa_model.ENSEMBLE].set_index("monday")
    other = post[post["model"] == better].set_index("monday")
    # A combiner that learns of the break from the first post-break week's error: it cannot
    # know it before that week is complete, then follows the better member at once.
    switched = other["point"].where(other.index > start, ensemble["point"])
    excess = (ensemble["point"] / ensemble["actual"] - 1).abs() - (
        other["point"] / other["actual"] - 1
    ).abs()
    better_total = float((other["point"] / other["actual"] - 1).abs().sum())
    periods = {}
    for name, first, stop in PERIODS:
        picked = excess.iloc[first:stop]
        periods[f"excess_{name}"] = float(picked.sum()) / better_total
        periods[f"weight_{name}"] = float(after.loc[picked.index].mean())
    return {
        "weight_before": float(weight[start - timedelta(weeks=1)]),
        "weeks_to_fall": int(below[0]) if len(below) else None,
        "weight_4_weeks_on": float(weight[start + timedelta(weeks=WEEKS_TO_FALL)]),
        "post_weeks": len(other),
        "mape_ratio": error[tsa_model.ENSEMBLE] / error[better],
        "one_week_floor": mape(switched, other["actual"]) / error[better],
        **periods,
    }


def main() -> None:
    history = tsa_model.history_from_daily(
        pd.read_csv(DEFAULT_REPLAY_DIR / "tsa_checkpoint_daily.csv")
    )
    starts = [date(year, month, 1) for year in (2024, 2025) for month in (1, 4, 7, 10)]
    starts = [d + timedelta(days=(7 - d.weekday()) % 7) for d in starts]
    rows = []
    for start in starts:
        table = break_backtest(history, start)
        for horizon in (0, 4):
            summary = break_summary(table, start, horizon)
            rows.append({"break": start, "horizon": ("Mon", "Fri")[horizon // 4], **summary})
    frame = pd.DataFrame(rows)
    frame["falls_in_4_weeks"] = frame["weeks_to_fall"].le(WEEKS_TO_FALL)
    frame["ratio_ok"] = frame["mape_ratio"].le(RATIO_BOUND)
    print(f"{BROKEN} forecasts x {SHIFT} from each break on; weight < {FALLEN} and post-break "
          f"MAPE <= {RATIO_BOUND} x the better other member")  # fmt: skip
    parts = [c for c in frame.columns if c.startswith(("excess_", "weight_wk"))]
    print(frame.drop(columns=parts).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("\nthe ratio's excess (mape_ratio - 1) by weeks since the break, and the mean weight")
    print(
        frame[["break", "horizon", *parts]].to_string(
            index=False, float_format=lambda v: f"{v:.3f}"
        )
    )
    fell, held = int(frame["falls_in_4_weeks"].sum()), int(frame["ratio_ok"].sum())
    print(
        f"\nweight below {FALLEN} within {WEEKS_TO_FALL} weeks: {fell} of {len(frame)}; "
        f"post-break ratio <= {RATIO_BOUND}: {held} of {len(frame)} "
        f"(median {frame['mape_ratio'].median():.3f}; the one-week floor's median "
        f"{frame['one_week_floor'].median():.3f})"
    )
    for horizon, group in frame.groupby("horizon", sort=False):
        print(
            f"{horizon}: median ratio {group['mape_ratio'].median():.3f}, floor "
            f"{group['one_week_floor'].median():.3f}; fell within {WEEKS_TO_FALL} weeks "
            f"{int(group['falls_in_4_weeks'].sum())} of {len(group)}; median excess by weeks "
            "since the break "
            + ", ".join(f"{n} {group[f'excess_{n}'].median():+.3f}" for n, *_ in PERIODS)
        )


if __name__ == "__main__":
    main()
