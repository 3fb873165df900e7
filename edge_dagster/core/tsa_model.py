"""Point-in-time forecasts of the Mon–Sun average of daily TSA checkpoint travelers.

Kalshi's weekly TSA market settles on ``mean(travelers, Mon..Sun)``. At each decision time the
average is ``(sum of the week's published days + forecast of the rest) / 7``. The forecast is
an adaptive ensemble of the members in ``tsa_members`` (the seed baseline, the multi-year
holiday-aligned model and a last-year aligned model), weighted by their recent errors at the
same decision time (``tsa_ensemble``), with a Student-t error model per horizon and regime
(``tsa_tails``).

Point-in-time contract: every number for a decision time ``T`` is a function of the rows with
``published_at <= T`` only — the members' forecasts, the ensemble weights, the error model,
and every setting the walk-forward harness chose (``walk_forward.choose_on_past``: the
robust-trend switch and the forgetting half-life of the ensemble weights, per slot on MAPE;
the tail's half-life, degrees of freedom and bias term, per slot on the log score; each on the
weeks complete before the week's first decision). So the pipeline's forecast of a week and the
backtest's are the same number.

Every decision time of a week (``clock.tsa_week_decision_times``: Monday 10:15 ET, Tuesday–
Friday 09:15 ET) is a *slot*; its horizon is its TSA-data content (0 = nothing of the week
known .. 4 = Mon–Thu known). Each slot has its own pool of past weeks' errors at that slot; a
later decision with the data of a slot (the Friday 15:00 UTC taker decision) reuses the slot's
forecast (``assets.tsa_strategy.with_taker_decisions``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from edge_dagster.core.clock import EASTERN, tsa_published_at, tsa_week_decision_times
from edge_dagster.core.distributions import WeeklyAverageDistribution, quantile_each
from edge_dagster.core.tsa_calendar import Calendar, calendar_for
from edge_dagster.core.tsa_ensemble import (
    combine_log_forecasts,
    forgetting_weights,
    model_averaging_weights,
)
from edge_dagster.core.tsa_members import (
    MEMBER_NAMES,
    MEMBERS,
    DailyHistory,
    WeekRows,
    member_remaining,
    read_history,
    timestamp_ns,
    week_rows,
)
from edge_dagster.core.tsa_tails import (
    fit_student_t,
    regime_weights,
    t_log_density,
)
from edge_dagster.core.walk_forward import SELECTION_WINDOW_WEEKS, choose_on_past

ENSEMBLE = "ensemble"
MODELS = (*MEMBER_NAMES, ENSEMBLE)
PRICING_MODEL = ENSEMBLE  # the model whose probabilities the strategy trades on
DECISIONS_PER_WEEK = 5  # horizons: 0 = Monday (nothing of the week known) .. 4 = Friday (Mon–Thu)
_TABLE_COLUMNS = (
    "week_monday",
    "decision_time",
    "horizon",
    "model",
    "known_days",
    "forecast_avg",
    "q10",
    "q50",
    "q90",
    "distribution",
    "pricing_model",
)


@dataclass(frozen=True)
class PointSetting:
    """How the ensemble's point forecast is made: robust trends in the aligned members or not,
    and the forgetting half-life (weeks) of the member densities its weights learn from."""

    robust: bool
    half_life: float


@dataclass(frozen=True)
class TailSetting:
    """The error model: forgetting half-life (weeks), t degrees of freedom, bias term or not."""

    half_life: float
    df: float
    with_location: bool


FORGETTING_HALF_LIVES = (4.0, 8.0, 13.0, 26.0, 52.0)
POINT_SETTINGS = tuple(
    PointSetting(robust, half_life)
    for robust in (False, True)
    for half_life in FORGETTING_HALF_LIVES
)
TAIL_SETTINGS = tuple(
    TailSetting(half_life, df, with_location)
    for half_life in (26.0, 52.0, 104.0)
    for df in (3.0, 4.0, 6.0, 10.0, 30.0)
    for with_location in (False, True)
)
# Declared defaults, kept until a year of weeks is scored and then unless a candidate beats
# them by more than one standard error: plain trends, a half-year memory for the ensemble
# weights, and the seed's error model (t(4), 26 weeks, no bias term).
DEFAULT_POINT = PointSetting(robust=False, half_life=26.0)
DEFAULT_TAIL = TailSetting(half_life=26.0, df=4.0, with_location=False)
MEMBER_TAIL = DEFAULT_TAIL  # members as stand-alone models keep the declared error model


def _horizon_slots(monday: date) -> list[int]:
    """For each horizon 0..4, the first slot (decision time index) with that data content."""
    times = tsa_week_decision_times(monday)
    horizons = [decision_horizon(monday, t) for t in times]
    return [horizons.index(h) for h in range(DECISIONS_PER_WEEK)]


@dataclass(frozen=True)
class _Slot:
    """Rows of one slot: the canonical row of every week (the pool), then any extra targets."""

    horizon: int
    weeks: np.ndarray  # week index of each row
    rows: WeekRows
    as_of_ns: np.ndarray


@dataclass(frozen=True)
class _Forecasts:
    """One model's forecasts on the rows of one slot."""

    remaining: np.ndarray
    loc: np.ndarray
    scale: np.ndarray
    df: np.ndarray


@dataclass(frozen=True)
class _System:
    """Everything the walk-forward system computed for the weeks from the data's first Monday."""

    mondays: list[date]
    holiday: np.ndarray  # per week
    slots: list[_Slot]
    forecasts: dict[str, list[_Forecasts]]  # model -> per slot
    member_weights: list[np.ndarray]  # per slot: (rows, members)
    point_choice: list[np.ndarray]  # per slot: index into POINT_SETTINGS per row
    tail_choice: list[np.ndarray]  # per slot: index into TAIL_SETTINGS per row


def _weekly_log_error(rows: WeekRows, remaining: np.ndarray, pool_ok: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        errors = np.log(rows.actual_remaining / remaining)
    return np.where(pool_ok & np.isfinite(errors), errors, np.nan)


def _absolute_error(rows: WeekRows, remaining: np.ndarray) -> np.ndarray:
    """|forecast / actual - 1| of the weekly average (NaN unless complete and forecast)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs((rows.known_sum + remaining) / (rows.known_sum + rows.actual_remaining) - 1.0)


@dataclass(frozen=True)
class _Pools:
    """What a slot's rows may learn from: the canonical rows of complete past weeks."""

    n_weeks: int
    pool_ok: np.ndarray  # per week: usable as a past week at all (not in the COVID window)
    holiday: np.ndarray  # per week
    eligible: np.ndarray  # (rows, weeks): complete by the row's decision
    known_before: np.ndarray  # (rows, weeks): complete before the week's first decision
    ages: np.ndarray  # (rows, weeks) in weeks

    def tail_fits(
        self,
        slot: _Slot,
        remaining: np.ndarray,
        settings: Sequence[TailSetting],
        rows: np.ndarray,
    ) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
        """A model's error model on ``rows`` of the slot for each setting — (loc, scale) per
        row, NaN off ``rows`` — and its pool residuals. The bias term (if any) comes from all
        past weeks, the scale from the row's regime."""
        residuals = _weekly_log_error(slot.rows, remaining, self.pool_ok)[: self.n_weeks]
        fits = []
        by_half_life: dict[float, tuple[np.ndarray, np.ndarray]] = {}
        for setting in settings:
            if setting.half_life not in by_half_life:
                weights = forgetting_weights(
                    self.ages[rows], self.eligible[rows], setting.half_life
                )
                regime = regime_weights(
                    weights, residuals, self.holiday[slot.weeks[rows]], self.holiday
                )
                by_half_life[setting.half_life] = (weights, regime)
            weights, regime = by_half_life[setting.half_life]
            loc = None
            if setting.with_location:
                loc = fit_student_t(residuals, weights, setting.df, with_location=True).loc
            fit = fit_student_t(residuals, regime, setting.df, loc=loc)
            loc_rows = np.full(len(slot.weeks), np.nan)
            scale_rows = np.full(len(slot.weeks), np.nan)
            loc_rows[rows], scale_rows[rows] = fit.loc, fit.scale
            fits.append((loc_rows, scale_rows))
        return fits, residuals


def _pick(values: list[np.ndarray], choice: np.ndarray) -> np.ndarray:
    """Row r of ``values[choice[r]]`` for every row."""
    return np.stack(values)[choice, np.arange(len(choice))]


def _build(
    daily: DailyHistory,
    cal: Calendar,
    last_monday: date,
    first_target: date,
    extra: Sequence[tuple[date, datetime]] = (),
) -> _System:
    """Run the whole system for every week from the data's first Monday to ``last_monday``;
    ``extra`` (monday, as_of) targets are evaluated against the same pools. The ensemble's
    error model is fitted only where a target or its settings' scores need it (from
    ``first_target`` minus the selection window on)."""
    first = daily.start + timedelta(days=(7 - daily.start.weekday()) % 7)
    mondays = [first + timedelta(weeks=i) for i in range((last_monday - first).days // 7 + 1)]
    n_weeks = len(mondays)
    starts = np.array([(m - daily.start).days for m in mondays])
    covid = cal.week_is_covid(starts)
    holiday = cal.week_is_holiday(starts)
    times = [tsa_week_decision_times(m) for m in mondays]
    week_of = {m: i for i, m in enumerate(mondays)}

    slots: list[_Slot] = []
    for k in range(len(times[0])):
        extra_k = [
            (week_of[m], timestamp_ns(t))
            for m, t in extra
            if _slot_of(m, t) == k and timestamp_ns(t) != pd.Timestamp(times[week_of[m]][k]).value
        ]
        weeks = np.concatenate([np.arange(n_weeks), [w for w, _ in extra_k]]).astype(int)
        as_of = np.concatenate(
            [[pd.Timestamp(t[k]).value for t in times], [ns for _, ns in extra_k]]
        ).astype(np.int64)
        horizon = decision_horizon(mondays[0], times[0][k])
        slots.append(_Slot(horizon, weeks, week_rows(daily, starts[weeks], as_of), as_of))

    first_last = slots[0].rows.last[:n_weeks]
    pools = []
    for slot in slots:
        complete_by = starts[None, :] + 6
        pools.append(
            _Pools(
                n_weeks=n_weeks,
                pool_ok=~covid,
                holiday=holiday,
                eligible=(complete_by <= slot.rows.last[:, None]) & ~covid[None, :],
                known_before=(
                    complete_by <= np.minimum(slot.rows.last, first_last[slot.weeks])[:, None]
                )
                & ~covid[None, :],
                ages=(slot.weeks[:, None] - np.arange(n_weeks)[None, :]).astype(float),
            )
        )
    # Rows whose error model is used: targets, and past weeks that can be learnt from (members:
    # any, for the ensemble weights; the ensemble: within the selection window of a target).
    target_from = week_of.get(first_target, 0)
    member_rows = [np.flatnonzero(~covid[s.weeks] | (s.weeks >= target_from)) for s in slots]
    needed = [
        rows[slots[k].weeks[rows] >= target_from - SELECTION_WINDOW_WEEKS - 1]
        for k, rows in enumerate(member_rows)
    ]

    # Members: every variant on every row of every slot, with its own error model.
    variants: dict[bool, list[list[_Forecasts]]] = {False: [], True: []}
    for robust in (False, True):
        for i, member in enumerate(MEMBERS):
            if robust and member.is_baseline:  # it has no robust trend: the same forecasts
                variants[True].append(variants[False][i])
                continue
            per_slot = []
            for k, slot in enumerate(slots):
                remaining = member_remaining(member, daily, cal, slot.rows, robust)
                fits, _ = pools[k].tail_fits(slot, remaining, [MEMBER_TAIL], member_rows[k])
                loc, scale = fits[0]
                df = np.full(len(slot.weeks), MEMBER_TAIL.df)
                per_slot.append(_Forecasts(remaining, loc, scale, df))
            variants[robust].append(per_slot)

    # Ensemble point forecasts for every setting, and each setting's score per week.
    point_remaining: list[list[np.ndarray]] = [[] for _ in slots]
    point_weights: list[list[np.ndarray]] = [[] for _ in slots]
    point_scores: list[np.ndarray] = []
    for k, slot in enumerate(slots):
        pool = pools[k]
        inputs = {}
        for robust in (False, True):
            members = [per_slot[k] for per_slot in variants[robust]]
            errors = np.array(
                [_weekly_log_error(slot.rows, m.remaining, pool.pool_ok)[:n_weeks] for m in members]
            )
            densities = np.array(
                [
                    t_log_density(e, m.loc[:n_weeks], m.scale[:n_weeks], MEMBER_TAIL.df)
                    for e, m in zip(errors, members, strict=True)
                ]
            )
            logs = np.log(np.array([m.remaining for m in members]))
            inputs[robust] = (densities, logs)
        for setting in POINT_SETTINGS:
            densities, logs = inputs[setting.robust]
            weights = forgetting_weights(pool.ages, pool.eligible, setting.half_life)
            w = model_averaging_weights(densities, weights)
            with np.errstate(invalid="ignore"):
                point_remaining[k].append(np.exp(combine_log_forecasts(logs, w)))
            point_weights[k].append(w)
        scores = np.array([_absolute_error(slot.rows, r)[:n_weeks] for r in point_remaining[k]])
        scores[:, covid] = np.nan
        point_scores.append(scores)
    default_point = POINT_SETTINGS.index(DEFAULT_POINT)
    point_choice = [
        choose_on_past(point_scores[k], pools[k].known_before, default_point)
        for k in range(len(slots))
    ]

    forecasts: dict[str, list[_Forecasts]] = {}
    for i, name in enumerate(MEMBER_NAMES):
        forecasts[name] = []
        for k, choice in enumerate(point_choice):
            robust = np.array([POINT_SETTINGS[c].robust for c in choice])
            plain, steady = variants[False][i][k], variants[True][i][k]
            forecasts[name].append(
                _Forecasts(
                    *(
                        np.where(robust, getattr(steady, f), getattr(plain, f))
                        for f in ("remaining", "loc", "scale", "df")
                    )
                )
            )

    # The ensemble's error model: every tail setting, chosen per slot on past log scores.
    default_tail = TAIL_SETTINGS.index(DEFAULT_TAIL)
    forecasts[ENSEMBLE] = []
    tail_choice = []
    for k, slot in enumerate(slots):
        remaining = _pick(point_remaining[k], point_choice[k])
        fits, residuals = pools[k].tail_fits(slot, remaining, TAIL_SETTINGS, needed[k])
        scores = np.array(
            [
                -t_log_density(residuals, loc[:n_weeks], scale[:n_weeks], setting.df)
                for (loc, scale), setting in zip(fits, TAIL_SETTINGS, strict=True)
            ]
        )
        choice = choose_on_past(scores, pools[k].known_before, default_tail)
        tail_choice.append(choice)
        forecasts[ENSEMBLE].append(
            _Forecasts(
                remaining=remaining,
                loc=_pick([f[0] for f in fits], choice),
                scale=_pick([f[1] for f in fits], choice),
                df=np.array([TAIL_SETTINGS[c].df for c in choice]),
            )
        )
    return _System(
        mondays=mondays,
        holiday=holiday,
        slots=slots,
        forecasts=forecasts,
        member_weights=[_pick(point_weights[k], c) for k, c in enumerate(point_choice)],
        point_choice=point_choice,
        tail_choice=tail_choice,
    )


def _calendar(daily: DailyHistory, last_monday: date) -> Calendar:
    """The calendar over the data and the weeks to forecast."""
    data_end = daily.start + timedelta(days=len(daily.values) - 1)
    return calendar_for(daily.start, max(data_end, last_monday + timedelta(days=6)))


def _slot_of(monday: date, as_of: datetime) -> int:
    """The slot whose data content ``as_of`` has: the first decision time of its horizon."""
    return _horizon_slots(monday)[decision_horizon(monday, as_of)]


def decision_horizon(monday: date, as_of: datetime) -> int:
    """Decision index 0..4 (Mon..Fri) of ``as_of`` within the week; earlier clamps to 0
    (Monday open), later to 4 (the last slot with a pool of its own; the forecast still reads
    every figure published by ``as_of``)."""
    offset = (as_of.astimezone(EASTERN).date() - monday).days
    return min(max(offset, 0), DECISIONS_PER_WEEK - 1)


def history_from_daily(daily: pd.DataFrame) -> pd.DataFrame:
    """Turn a ``date,travelers`` table into the point-in-time history the model reads,
    stamping each figure with its replayed publication time from the clock."""
    travel_date = pd.to_datetime(daily["date"]).dt.date
    return pd.DataFrame(
        {
            "travel_date": travel_date,
            "travelers": daily["travelers"].astype("int64"),
            "published_at": pd.to_datetime([tsa_published_at(d) for d in travel_date]),
        }
    )


@dataclass(frozen=True)
class WeekForecast:
    """One model's view of one TSA week at one decision time."""

    monday: date
    as_of: datetime
    model: str
    horizon: int  # TSA-data content: 0 = nothing of the week known .. 4 = Mon–Thu known
    known_days: int
    known_sum: float
    remaining_forecast: float
    point: float  # the distribution's median
    distribution: WeeklyAverageDistribution
    member_weights: tuple[tuple[str, float], ...]  # the ensemble's weights (empty: a member)


def _frame(system: _System, models: Sequence[str], rows_of: dict[int, np.ndarray]) -> pd.DataFrame:
    """One row per model × selected slot row, with the distribution and the chosen settings."""
    frames = []
    for model in models:
        if model not in system.forecasts:
            raise ValueError(f"unknown model {model!r}; expected one of {MODELS}")
        for k, picked in rows_of.items():
            slot, fc = system.slots[k], system.forecasts[model][k]
            weeks = slot.weeks[picked]
            known_sum, remaining = slot.rows.known_sum[picked], fc.remaining[picked]
            loc, scale, df = fc.loc[picked], fc.scale[picked], fc.df[picked]
            frame = pd.DataFrame(
                {
                    "monday": [system.mondays[w] for w in weeks],
                    "model": model,
                    "slot": k,
                    "horizon": slot.horizon,
                    "as_of": pd.to_datetime(slot.as_of_ns[picked], utc=True).tz_convert(EASTERN),
                    "known_days": slot.rows.known_days[picked],
                    "known_sum": known_sum,
                    "remaining_forecast": remaining,
                    "point": (known_sum + remaining * np.exp(loc)) / 7,
                    "df": df,
                    "scale": scale,
                    "loc": loc,
                    "actual": (known_sum + slot.rows.actual_remaining[picked]) / 7,
                    "holiday_week": system.holiday[weeks],
                }
            )
            weights = system.member_weights[k][picked]
            for i, name in enumerate(MEMBER_NAMES):
                frame[f"weight_{name}"] = weights[:, i] if model == ENSEMBLE else np.nan
            point = [POINT_SETTINGS[c] for c in system.point_choice[k][picked]]
            frame["robust_trend"] = [p.robust for p in point]
            if model == ENSEMBLE:
                tail = [TAIL_SETTINGS[c] for c in system.tail_choice[k][picked]]
                frame["forgetting_half_life"] = [p.half_life for p in point]
                frame["tail_half_life"] = [t.half_life for t in tail]
                frame["bias_term"] = [t.with_location for t in tail]
            else:
                frame["forgetting_half_life"] = np.nan
                frame["tail_half_life"] = MEMBER_TAIL.half_life
                frame["bias_term"] = MEMBER_TAIL.with_location
            frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    infeasible = out[~np.isfinite(out["remaining_forecast"]) | ~np.isfinite(out["scale"])]
    if not infeasible.empty:
        first = infeasible.iloc[0]
        raise ValueError(
            f"{first['model']}: no usable reference data or fewer than 5 past weeks to "
            f"calibrate for weeks {sorted(set(infeasible['monday']))[:3]}"
        )
    out["distribution"] = [
        WeeklyAverageDistribution(
            known_sum=float(k), remaining_forecast=float(r), df=float(d), scale=float(s),
            loc=float(lo),
        )
        for k, r, d, s, lo in zip(
            out["known_sum"], out["remaining_forecast"], out["df"], out["scale"], out["loc"],
            strict=True,
        )
    ]  # fmt: skip
    return out


def forecast_week(
    history: pd.DataFrame, monday: date, as_of: datetime, model: str = PRICING_MODEL
) -> WeekForecast:
    """Forecast the week starting ``monday`` with what was published by ``as_of``.

    Rows of ``history`` published after ``as_of`` are dropped first, so the result cannot
    depend on them.
    """
    if monday.weekday() != 0:
        raise ValueError(f"{monday} is not a Monday")
    daily = read_history(history, timestamp_ns(as_of))
    cal = _calendar(daily, monday)
    system = _build(daily, cal, monday, monday, extra=[(monday, as_of)])
    k = _slot_of(monday, as_of)
    slot = system.slots[k]
    week = system.mondays.index(monday)
    matches = np.flatnonzero((slot.weeks == week) & (slot.as_of_ns == timestamp_ns(as_of)))
    row = matches[-1] if len(matches) else week
    forecast = _frame(system, [model], {k: np.array([row])}).iloc[0]
    weights = system.member_weights[k][row]
    return WeekForecast(
        monday=monday,
        as_of=as_of,
        model=model,
        horizon=int(forecast["horizon"]),
        known_days=int(forecast["known_days"]),
        known_sum=float(forecast["known_sum"]),
        remaining_forecast=float(forecast["remaining_forecast"]),
        point=float(forecast["point"]),
        distribution=forecast["distribution"],
        member_weights=tuple(zip(MEMBER_NAMES, map(float, weights), strict=True))
        if model == ENSEMBLE
        else (),
    )


def backtest_forecasts(
    history: pd.DataFrame, mondays: Sequence[date], models: Sequence[str] = MODELS
) -> pd.DataFrame:
    """Every model × week × decision time in one vectorised pass.

    Each row equals ``forecast_week(history, monday, as_of, model)``: it reads only rows
    published by its own decision time. ``actual`` is the weekly average in ``history`` (NaN
    if the week is not complete there) — an outcome for scoring, never an input. Columns
    beyond the forecast say what the walk-forward system chose for the row (ensemble weights,
    robust trend, half-lives, bias term).
    """
    mondays = sorted(mondays)
    if not mondays or any(m.weekday() != 0 for m in mondays):
        raise ValueError("mondays must be a non-empty list of Mondays")
    daily = read_history(history)
    cal = _calendar(daily, mondays[-1])
    system = _build(daily, cal, mondays[-1], mondays[0])
    wanted = np.array([system.mondays.index(m) for m in mondays])
    rows_of = {k: wanted for k in range(len(system.slots))}
    return _frame(system, models, rows_of).sort_values(["model", "slot", "monday"], kind="stable")


def forecast_table(history: pd.DataFrame, mondays: Sequence[date], now: datetime) -> pd.DataFrame:
    """Rows of the pipeline's ``tsa_forecasts`` table: every model × week × decision time
    that has passed by ``now``, with quantiles and the distribution as JSON text."""
    now_ns = timestamp_ns(now)
    daily = read_history(history, now_ns)
    mondays = sorted(mondays)
    cal = _calendar(daily, mondays[-1])
    passed = [
        (m, t) for m in mondays for t in tsa_week_decision_times(m) if timestamp_ns(t) <= now_ns
    ]
    if not passed:
        return pd.DataFrame(columns=list(_TABLE_COLUMNS))
    system = _build(daily, cal, max(m for m, _ in passed), min(m for m, _ in passed))
    rows_of: dict[int, list[int]] = {}
    for m, t in passed:
        rows_of.setdefault(tsa_week_decision_times(m).index(t), []).append(system.mondays.index(m))
    rows = _frame(system, MODELS, {k: np.array(v) for k, v in rows_of.items()})
    quantiles = quantile_each(list(rows["distribution"]), [0.1, 0.5, 0.9])
    return pd.DataFrame(
        {
            "week_monday": rows["monday"],
            "decision_time": rows["as_of"],
            "horizon": rows["horizon"],
            "model": rows["model"],
            "known_days": rows["known_days"],
            "forecast_avg": rows["point"],
            "q10": quantiles[:, 0],
            "q50": quantiles[:, 1],
            "q90": quantiles[:, 2],
            "distribution": [json.dumps(d.to_dict()) for d in rows["distribution"]],
            "pricing_model": rows["model"] == PRICING_MODEL,
        }
    )
