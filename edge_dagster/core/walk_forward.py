"""Choices made on the past only: the rule every tuned setting of the forecasting layer obeys.

Nested rolling origin: a setting (a member variant, a forgetting half-life, a tail shape, a
pooling weight) used for week ``t`` is chosen on the scores of the weeks that were complete —
every figure published, so their errors were known — before week ``t``'s first decision,
within a trailing window. The scores themselves come from forecasts that were point in time,
so what is chosen is judged on out-of-sample numbers, and the week being decided never votes.

Each setting has a declared default, and the harness moves off it only on evidence beyond
noise: when the best candidate beat the default by more than one standard error of their
paired weekly difference (the "one-standard-error rule"). Picking the argmin of many nearly
equal, noisy means would otherwise change settings week to week on luck.
"""

from __future__ import annotations

import numpy as np

SELECTION_WINDOW_WEEKS = 52  # every season once, nothing older
MIN_SELECTION_WEEKS = 52  # a choice made on less than a year has not seen every season


def choose_on_past(
    scores: np.ndarray,
    known_before: np.ndarray,
    default: int,
    window_weeks: int = SELECTION_WINDOW_WEEKS,
    min_weeks: int = MIN_SELECTION_WEEKS,
) -> np.ndarray:
    """The candidate to use for every target week: the declared ``default`` unless another
    candidate's mean score beat it by more than one standard error of their paired weekly
    difference over the window (then the best one).

    ``scores``: (candidates, weeks), lower is better, NaN where a candidate has no score;
    only weeks scored for every candidate count. ``known_before``: (targets, weeks), True
    where a week's score was known before the target's decision. Weeks more than
    ``window_weeks`` before the newest known week are left out; with fewer than
    ``min_weeks`` in the window, the default. Ties go to the lower index.
    """
    comparable = np.all(np.isfinite(scores), axis=0)
    known = known_before & comparable[None, :]
    week_index = np.arange(scores.shape[1])
    newest = np.where(known.any(axis=1), np.max(np.where(known, week_index, -1), axis=1), -1)
    in_window = (known & (week_index[None, :] > newest[:, None] - window_weeks)).astype(float)
    counts = in_window.sum(axis=1)
    filled = np.where(comparable[None, :], scores, 0.0)  # (candidates, weeks)
    best = np.argmin(in_window @ filled.T, axis=1)
    # Paired weekly excess of the default over the best, and its standard error.
    excess = filled[default][None, :] - filled[best]  # (targets, weeks)
    n = np.maximum(counts, 2.0)
    mean = (in_window * excess).sum(axis=1) / n
    var = (in_window * (excess - mean[:, None]) ** 2).sum(axis=1) / (n - 1.0)
    beaten = mean > np.sqrt(var / n)
    chosen = np.where(beaten, best, default)
    return np.where(counts >= min_weeks, chosen, default)
