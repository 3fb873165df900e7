import base64
import math
from collections.abc import Callable
from datetime import date

import pandas as pd
import pytest

from edge_dagster.core.backtest_report import (
    equity_curve,
    equity_curve_png,
    forecast_accuracy,
    forecast_vs_actual_png,
    markdown_table,
    md_image,
    probability_scores,
    reliability,
    reliability_png,
    report_markdown,
    trading_summary,
    walk_forward,
)

W1, W2, W3, W4 = date(2025, 1, 6), date(2025, 1, 13), date(2025, 1, 20), date(2025, 1, 27)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _forecasts() -> pd.DataFrame:
    """Week 1 actual 100, week 2 actual 200; one model, horizons 0 and 1."""
    return pd.DataFrame(
        {
            "week_monday": [W1, W1, W2, W2],
            "horizon": [0, 1, 0, 1],
            "model": ["m"] * 4,
            "forecast_avg": [110.0, 95.0, 190.0, 204.0],
            "q10": [90.0, 96.0, 201.0, 190.0],
            "q90": [120.0, 104.0, 230.0, 200.0],
            "actual_avg": [100.0, 100.0, 200.0, 200.0],
        }
    )


def _scored() -> pd.DataFrame:
    """Three priced markets over two weeks, one synthetic strike, one row of another model."""
    return pd.DataFrame(
        {
            "week_monday": [W1, W1, W2, W2, W1],
            "horizon": [0] * 5,
            "ticker": ["A", "B", "C", "D", "A"],
            "strike": [1.0, 2.0, 3.0, 4.0, 1.0],
            "synthetic_strike": [False, False, False, True, False],
            "model": ["m", "m", "m", "m", "other"],
            "fair_yes": [0.8, 0.3, 0.4, 0.9, 0.01],
            "outcome": [1, 0, 1, 1, 1],
            "market_bid": [0.58, 0.45, 0.69, math.nan, 0.58],
            "market_ask": [0.62, 0.55, 0.71, math.nan, 0.62],
            "market_mid": [0.6, 0.5, 0.7, math.nan, 0.6],
        }
    )


def _weekly_trading() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "week_monday": [W1, W2, W3, W4],
            "pnl": [10.0, -20.0, 5.0, 15.0],
            "fees": [1.0, 2.0, 1.0, 1.0],
            "trades": [2, 3, 1, 2],
            "wins": [1, 0, 1, 2],
        }
    )


def test_forecast_accuracy_gives_exact_mape_bias_and_coverage_per_horizon() -> None:
    table = forecast_accuracy(_forecasts()).set_index("horizon")

    # h0: errors +10/100 = +10 %, -10/200 = -5 % -> MAPE 7.5, bias 2.5;
    #     100 in [90, 120] yes, 200 in [201, 230] no -> coverage 0.5
    # h1: errors -5/100 = -5 %, +4/200 = +2 % -> MAPE 3.5, bias -1.5;
    #     100 in [96, 104] yes, 200 in [190, 200] yes (bounds inclusive) -> coverage 1.0
    assert table["n"].tolist() == [2, 2]
    assert table["mape_pct"].tolist() == pytest.approx([7.5, 3.5])
    assert table["bias_pct"].tolist() == pytest.approx([2.5, -1.5])
    assert table["coverage_80"].tolist() == [0.5, 1.0]


def test_forecast_accuracy_drops_weeks_before_start() -> None:
    table = forecast_accuracy(_forecasts(), start=W2).set_index("horizon")

    # only week 2: h0 |190-200|/200 = 5 %, h1 |204-200|/200 = 2 %
    assert table["n"].tolist() == [1, 1]
    assert table["mape_pct"].tolist() == pytest.approx([5.0, 2.0])


def test_probability_scores_compare_model_and_market_on_priced_markets_only() -> None:
    scores = probability_scores(_scored(), model="m")

    # model: (0.2² + 0.3² + 0.6²)/3 = (0.04 + 0.09 + 0.36)/3 = 0.49/3
    # market: (0.4² + 0.5² + 0.3²)/3 = (0.16 + 0.25 + 0.09)/3 = 0.50/3
    assert scores["n"] == 3
    assert scores["n_weeks"] == 2
    assert scores["brier_model"] == pytest.approx(0.49 / 3)
    assert scores["brier_market"] == pytest.approx(0.50 / 3)
    assert scores["brier_diff"] == pytest.approx(-0.01 / 3)


@pytest.mark.parametrize(("bid", "ask"), [(0.0, 1.0), (0.0, 0.04), (0.97, 1.0)])
def test_probability_scores_leave_out_quotes_that_are_not_two_sided(bid: float, ask: float):
    # A fourth market in week 2 whose book has no bid or no ask: its mid says nothing about
    # the market's view (0/1 gives 0.5 by construction), so it is not a head-to-head pair.
    one_sided = pd.DataFrame(
        {
            "week_monday": [W2], "horizon": [0], "ticker": ["E"], "strike": [5.0],
            "synthetic_strike": [False], "model": ["m"], "fair_yes": [0.02], "outcome": [1],
            "market_bid": [bid], "market_ask": [ask], "market_mid": [(bid + ask) / 2],
        }
    )  # fmt: skip

    scores = probability_scores(pd.concat([_scored(), one_sided]), model="m")

    assert scores["n"] == 3
    assert scores["brier_model"] == pytest.approx(0.49 / 3)
    assert scores["brier_market"] == pytest.approx(0.50 / 3)
    assert scores["n_all"] == 5


def test_probability_scores_log_loss_is_mean_cross_entropy_on_priced_markets() -> None:
    scores = probability_scores(_scored(), model="m")

    # model: -(ln 0.8 + ln 0.7 + ln 0.4)/3; market: -(ln 0.6 + ln 0.5 + ln 0.7)/3
    assert scores["logloss_model"] == pytest.approx(-(math.log(0.8 * 0.7 * 0.4)) / 3)
    assert scores["logloss_market"] == pytest.approx(-(math.log(0.6 * 0.5 * 0.7)) / 3)


def test_probability_scores_all_rows_include_the_synthetic_strike() -> None:
    scores = probability_scores(_scored(), model="m")

    # (0.04 + 0.09 + 0.36 + 0.1²)/4 = 0.50/4
    assert scores["n_all"] == 4
    assert scores["brier_model_all"] == pytest.approx(0.125)


def test_brier_bootstrap_resamples_whole_weeks() -> None:
    scores = probability_scores(_scored(), model="m", n_boot=2000, seed=0)

    # Week sums of (model - market) Brier: W1 (0.04+0.09)-(0.16+0.25) = -0.28 over 2 rows,
    # W2 0.36-0.09 = +0.27 over 1 row. Two-week resamples: {W1,W1} -0.56/4 = -0.14 (p=1/4),
    # {W1,W2} -0.01/3 (p=1/2), {W2,W2} 0.54/2 = +0.27 (p=1/4) -> 5 %/95 % quantiles are the ends.
    assert scores["brier_diff_lo"] == pytest.approx(-0.14)
    assert scores["brier_diff_hi"] == pytest.approx(0.27)
    assert scores["brier_diff_lo"] <= scores["brier_diff"] <= scores["brier_diff_hi"]


def test_bootstrap_is_reproducible_with_the_seed() -> None:
    first = probability_scores(_scored(), model="m", n_boot=200, seed=7)
    second = probability_scores(_scored(), model="m", n_boot=200, seed=7)

    assert first == pytest.approx(second)


def test_reliability_bins_the_requested_model_only() -> None:
    table = reliability(_scored(), model="m", bins=2)

    # [0, 0.5): 0.3 (0), 0.4 (1) -> mean 0.35, freq 0.5; [0.5, 1]: 0.8, 0.9 (1, 1) -> 0.85, 1.0
    assert table["count"].tolist() == [2, 2]
    assert table["mean_predicted"].tolist() == pytest.approx([0.35, 0.85])
    assert table["observed_frequency"].tolist() == [0.5, 1.0]


def test_trading_summary_totals_sharpe_and_drawdown() -> None:
    summary = trading_summary(_weekly_trading())

    # pnl [10, -20, 5, 15]: mean 2.5; squared deviations 56.25 + 506.25 + 6.25 + 156.25 = 725,
    # std = sqrt(725/3); Sharpe = 2.5 / sqrt(725/3) * sqrt(52) ≈ 1.1597.
    # cumulative [10, -10, -5, 10]: peak 10 -> trough -10 = drawdown 20.
    assert summary == pytest.approx(
        {
            "total_pnl": 10.0,
            "total_fees": 5.0,
            "trades": 8,
            "win_rate": 0.5,  # 4 wins / 8 trades
            "weeks": 4,
            "sharpe": 2.5 / math.sqrt(725 / 3) * math.sqrt(52),
            "max_drawdown": 20.0,
        }
    )


def test_drawdown_starts_from_zero_so_a_losing_first_week_counts() -> None:
    weekly = _weekly_trading().iloc[:2].assign(pnl=[-5.0, 3.0])

    # equity [0, -5, -2]: peak 0 -> trough -5
    assert trading_summary(weekly)["max_drawdown"] == 5.0


def test_the_equity_curve_starts_at_zero_and_adds_each_week_at_its_end() -> None:
    curve = equity_curve(_weekly_trading())

    assert list(curve.items()) == [
        (W1, 0.0), (W2, 10.0), (W3, -10.0), (W4, -5.0), (date(2025, 2, 3), 10.0),
    ]  # fmt: skip


def test_sharpe_is_zero_with_a_single_week() -> None:
    assert trading_summary(_weekly_trading().iloc[:1])["sharpe"] == 0.0


@pytest.mark.parametrize(
    "render",
    [
        lambda: equity_curve_png(_weekly_trading()),
        lambda: reliability_png(reliability(_scored(), model="m", bins=2)),
        lambda: forecast_vs_actual_png(_forecasts(), "m"),
    ],
    ids=["equity", "reliability", "forecast_vs_actual"],
)
def test_png_helpers_return_small_base64_png(render: Callable[[], str]) -> None:
    b64 = render()

    assert base64.b64decode(b64, validate=True).startswith(PNG_SIGNATURE)
    assert len(b64) < 60_000


def test_markdown_table_is_an_exact_pipe_table() -> None:
    frame = pd.DataFrame({"name": ["a", "b|c"], "x": [1.0, 2.5]})

    assert markdown_table(frame, ".1f") == (
        "| name | x |\n| --- | ---: |\n| a | 1.0 |\n| b\\|c | 2.5 |"
    )


def test_markdown_table_shows_nan_as_not_available() -> None:
    frame = pd.DataFrame({"x": [math.nan]})

    assert markdown_table(frame) == "| x |\n| ---: |\n| n/a |"


def test_md_image_embeds_a_data_uri() -> None:
    assert md_image("QUJD", "plot") == "![plot](data:image/png;base64,QUJD)"


def test_report_puts_headline_then_tables_then_plots_then_weeks() -> None:
    weekly = _weekly_trading()
    text = report_markdown(
        forecast_accuracy(_forecasts()),
        probability_scores(_scored(), model="m", n_boot=50),
        reliability(_scored(), model="m", bins=2),
        trading_summary(weekly),
        weekly,
        {"Equity": "QUJD"},
    )

    headings = ["## Headline", "## Forecast accuracy", "## Reliability", "## Plots", "## Per-week"]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    assert "- Total P&L: $10.00 after $5.00 fees over 4 weeks" in text
    assert "![Equity](data:image/png;base64,QUJD)" in text


def test_walk_forward_trades_each_block_on_the_choice_that_did_best_before_it():
    weeks = pd.date_range("2026-01-05", periods=6, freq="7D").date
    per_week = pd.DataFrame(
        {"a": [1.0, 1.0, -5.0, -5.0, 2.0, 2.0], "b": [0.0, 3.0, 4.0, 4.0, -1.0, -1.0]},
        index=weeks,
    )
    earned, blocks = walk_forward(per_week, block_weeks=2, default="a")
    # block 1: the default a (+2); block 2: b led 3 to 2 → +8; block 3: b led 11 to −8 → −2
    assert earned.tolist() == [1.0, 1.0, 4.0, 4.0, -1.0, -1.0]
    assert blocks["choice"].tolist() == ["a", "b", "b"]
    assert blocks["pnl_before"].tolist()[1:] == [3.0, 11.0]


def test_walk_forward_keeps_the_default_on_a_tie():
    weeks = pd.date_range("2026-01-05", periods=4, freq="7D").date
    per_week = pd.DataFrame({"a": [1.0, 0.0, 1.0, 1.0], "b": [0.0, 1.0, 5.0, 5.0]}, index=weeks)
    _, blocks = walk_forward(per_week, block_weeks=2, default="b")
    assert blocks["choice"].tolist() == ["b", "b"]
