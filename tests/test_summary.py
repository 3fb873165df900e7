"""The quick start's headline: each figure on its line, read from the report's metadata."""

from edge_dagster.summary import LiveDecision, Timing, headline_lines

REPORT = {
    "pnl_usd": 1539.37, "fees_usd": 185.17, "fills": 202, "positions": 199, "weeks_traded": 116,
    "first_week": "2022-06-20", "last_week": "2026-04-13",
    "brier_model": 0.08114, "brier_market": 0.08605, "brier_baseline": 0.11779,
    "scored_market_rows": 517, "mape_monday_pct": 1.5781, "mape_monday_baseline_pct": 2.4132,
    "mape_friday_pct": 0.8614, "mape_friday_baseline_pct": 1.2141, "weeks_scored": 224,
}  # fmt: skip
NO_MARKET = LiveDecision(
    week_monday="2026-04-20",
    decision_time="2026-04-20 10:15 EDT",
    forecast_avg=2454203.4,
    q10=2394910.2,
    q90=2514963.0,
    orders=(),
    quoted_markets=0,
    recorded_markets=0,
    synthetic_strikes=21,
)
DELIVERY = [("2026-04-20", "trader@localhost", "var/outbox/x.eml")]
UI = "DAGSTER_HOME=dagster_home .venv/bin/dagster dev -h 127.0.0.1"


def test_the_headline_reads_the_backtest_the_live_week_the_email_and_the_time():
    lines = headline_lines(REPORT, NO_MARKET, DELIVERY, UI, Timing(97.25, 61.0, 5))
    assert lines == [
        "Backtest, TSA weekly, paper fills on recorded trades (116 weeks traded, 2022-06-20 → "
        "2026-04-13):",
        "  P&L after fees  $1,539.37  (fees $185.17; 202 fills in 199 positions)",
        "  Brier           model 0.0811 vs market 0.0861 on the same 517 market-decision pairs "
        "(seed baseline 0.1178)",
        "  Forecast MAPE   Monday 1.58% vs baseline 2.41%; Friday 0.86% vs 1.21% (224 weeks)",
        "Live decision, week 2026-04-20 at 2026-04-20 10:15 EDT: forecast 2,454,203 "
        "travelers/day (80%: 2,394,910–2,514,963)",
        "  wants: nothing — no recorded KXTSAW market for this week (21 synthetic strikes "
        "priced in tsa_fair_values)",
        "Report e-mail 2026-04-20 to trader@localhost: var/outbox/x.eml",
        f"Open the UI on these runs: {UI}   → http://127.0.0.1:3000",
        "Wall 1m37.2s for 5 runs: work 1m01.0s in asset and check bodies, overhead 36.2 s "
        "(process and code-location start-up, Dagster events)",
    ]


def test_a_wanted_order_is_listed_and_a_missing_report_said_plainly():
    wanted = LiveDecision(
        **{
            **NO_MARKET.__dict__,
            "orders": ("buy 12 YES KXTSAW-26APR26-A2.45 at $0.41 (edge $0.052/contract)",),
            "recorded_markets": 6,
            "quoted_markets": 6,
        }
    )
    lines = headline_lines(None, wanted, [], UI, None)
    assert lines[0] == "Backtest: tsa_backtest_report not materialised yet"
    assert lines[2] == "  wants: buy 12 YES KXTSAW-26APR26-A2.45 at $0.41 (edge $0.052/contract)"
    assert lines[3] == "Report e-mail: none sent yet (materialise daily_report_email)"
