import numpy as np

from edge_dagster.core.walk_forward import choose_on_past


def _known(targets: int, weeks: int) -> np.ndarray:
    """Target t knows the scores of weeks before t."""
    return np.arange(weeks)[None, :] < np.arange(targets)[:, None]


def test_the_default_holds_until_enough_weeks_are_scored() -> None:
    scores = np.vstack([np.full(10, 2.0), np.full(10, 1.0)])  # candidate 1 always better

    chosen = choose_on_past(scores, _known(10, 10), default=0, window_weeks=10, min_weeks=4)

    assert chosen.tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]


def test_a_candidate_must_beat_the_default_by_more_than_one_standard_error() -> None:
    # Candidate 1 is better by exactly 0.1 on average, but the weekly differences swing ±1
    # (standard error ≈ 0.23): the default is kept. A steady 0.1 lead switches.
    noisy = np.vstack([np.zeros(20), -0.1 + np.tile([-1.0, 1.0], 10)])
    steady = np.vstack([np.zeros(20), np.full(20, -0.1)])
    known = np.ones((1, 20), bool)

    assert choose_on_past(noisy, known, default=0, window_weeks=20, min_weeks=5).tolist() == [0]
    assert choose_on_past(steady, known, default=0, window_weeks=20, min_weeks=5).tolist() == [1]


def test_only_weeks_known_before_the_target_and_inside_the_window_vote() -> None:
    scores = np.zeros((2, 8))
    scores[1, :4] = -1.0  # candidate 1 was better long ago
    scores[1, 4:] = +1.0  # and worse lately
    scores[1, 7] = -50.0  # the week being decided: unknown to it

    chosen = choose_on_past(scores, _known(8, 8)[7:], default=1, window_weeks=3, min_weeks=3)

    assert chosen.tolist() == [0]


def test_weeks_a_candidate_could_not_score_are_left_out_for_all() -> None:
    scores = np.array([[0.0, 0.0, 0.0, 5.0], [1.0, 1.0, 1.0, np.nan]])

    chosen = choose_on_past(scores, np.ones((1, 4), bool), default=1, window_weeks=4, min_weeks=3)

    assert chosen.tolist() == [0]


def test_a_lead_of_exactly_one_standard_error_keeps_the_default() -> None:
    # weekly leads 0 and 2: mean 1, sample variance 2, standard error √(2 / 2) = 1 — not beyond
    scores = np.array([[0.0, 0.0], [0.0, -2.0]])

    chosen = choose_on_past(scores, np.ones((1, 2), bool), default=0, window_weeks=2, min_weeks=2)

    assert chosen.tolist() == [0]


def test_a_lead_just_beyond_one_standard_error_switches() -> None:
    # weekly leads 0, 0, 2, 2: mean 1, sample variance 4/3, standard error 1/√3 ≈ 0.58
    scores = np.array([[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, -2.0, -2.0]])

    chosen = choose_on_past(scores, np.ones((1, 4), bool), default=0, window_weeks=4, min_weeks=4)

    assert chosen.tolist() == [1]


def test_weeks_a_candidate_could_not_score_do_not_count_towards_the_minimum() -> None:
    # four comparable weeks of a steady lead, two where candidate 1 has no score: 4 < 5
    scores = np.array([[1.0] * 6, [0.0, 0.0, 0.0, 0.0, np.nan, np.nan]])

    chosen = choose_on_past(scores, np.ones((1, 6), bool), default=0, window_weeks=6, min_weeks=5)

    assert chosen.tolist() == [0]
