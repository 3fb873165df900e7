"""Combination weights of the ensemble: dynamic model averaging of the members.

At a decision, each member's predictive log density of every past week whose whole week was
public by then — the density of that week's actual remaining days under the member's own
error model, at the same decision time — counts with an exponential forgetting weight
``0.5 ** (age_weeks / half_life)``, and a member's weight is proportional to the exponential
of that sum (dynamic model averaging, Raftery, Kárný & Ettler 2010, with forgetting on the
log scale). It is the posterior probability that the member is the right model lately: it
concentrates on the member that has been best over the last few half-lives and moves to
another within weeks once that one is clearly better — when a member's regime ends, its
weight falls as fast as its new errors add up. The harness chooses the half-life.

Mixing weights fitted for diversification (inverse-MSE, minimum-variance) were the first
candidates; they never let the weight leave a member that is consistently worse, and cost
accuracy at the Monday decision, where the members differ most.

The combined forecast is the weighted mean of the members' log remaining forecasts.
"""

from __future__ import annotations

import numpy as np


def forgetting_weights(age_weeks: np.ndarray, eligible: np.ndarray, half_life: float) -> np.ndarray:
    """(targets, pool) weights ``0.5 ** (age / half_life)`` where ``eligible``, else 0."""
    with np.errstate(over="ignore"):
        decay = 0.5 ** (np.maximum(age_weeks, 0.0) / half_life)
    return np.where(eligible, decay, 0.0)


def model_averaging_weights(log_densities: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(targets, K) member weights: softmax over members of Σ_s weight_ts × log density_ms.

    ``log_densities``: (K, pool), NaN where a member has no density for a week; only weeks
    with a density of every member count. Equal weights where no such week carries weight.
    """
    complete = np.all(np.isfinite(log_densities), axis=0)
    w = np.where(complete[None, :], weights, 0.0)
    evidence = w @ np.where(complete[None, :], log_densities, 0.0).T  # (targets, K)
    evidence -= evidence.max(axis=1, keepdims=True)
    odds = np.exp(evidence)
    return odds / odds.sum(axis=1, keepdims=True)


def combine_log_forecasts(log_forecasts: np.ndarray, member_weights: np.ndarray) -> np.ndarray:
    """Weighted mean of the members' log forecasts ((K, targets)); a member without a forecast
    (NaN) gives its weight to the others pro rata; NaN where no member has one."""
    available = np.isfinite(log_forecasts).T  # (targets, K)
    w = np.where(available, member_weights, 0.0)
    total = w.sum(axis=1)
    values = np.where(available, log_forecasts.T, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (w * values).sum(axis=1) / total, np.nan)
