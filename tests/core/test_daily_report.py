"""The daily report renders every section from its typed structure, in text and HTML."""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from edge_dagster.core.clock import EASTERN
from edge_dagster.core.daily_report import (
    EQUITY_CURVE_CID,
    NO_PORTFOLIO_YET,
    NO_TEMPERATURE_YET,
    Book,
    DailyReport,
    EquityPoint,
    ForecastLine,
    OrderLine,
    Portfolio,
    PortfolioLine,
    PositionLine,
    StrikeQuote,
    TemperatureEdge,
    TsaWeekForecast,
    equity_curve_png,
    render_html,
    render_text,
    report_email,
    subject,
)

DECISION = datetime(2026, 4, 16, 9, 15, tzinfo=EASTERN)
BOOK = Book(
    orders=(
        OrderLine(DECISION, "tsa_weekly", "KXTSAW-26APR19-A2.50", "no", "buy", Decimal("0.62"),
                  40, 10, "resting"),
    ),
    positions=(
        PositionLine("tsa_weekly", "KXTSAW-26APR19-A2.50", "no", 100, Decimal("0.21"),
                     Decimal("0.63")),
        PositionLine("tsa_weekly", "KXTSAW-26APR19-A2.75", "yes", 5, Decimal("0.04"), None),
    ),
    equity_curve=(
        EquityPoint(date(2026, 4, 13), Decimal("0")),
        EquityPoint(date(2026, 4, 14), Decimal("12.50")),
        EquityPoint(date(2026, 4, 15), Decimal("4.87")),
    ),
)  # fmt: skip
REPORT = DailyReport(
    report_date=date(2026, 4, 16),
    as_of=datetime(2026, 4, 16, 10, 0, tzinfo=EASTERN),
    environment="paper",
    tsa_forecast=TsaWeekForecast(
        week_monday=date(2026, 4, 13),
        decision_time=DECISION,
        horizon=3,
        known_days=3,
        models=(
            ForecastLine("holiday_aligned", 2_460_687.4, 2_415_624.0, 2_507_170.0, True),
            ForecastLine("baseline", 2_434_811.0, 2_381_984.0, 2_489_637.0, False),
        ),
    ),
    tsa_strikes=(
        StrikeQuote("KXTSAW-26APR19-A2.45", 2_450_000, 0.631, Decimal("0.84"), Decimal("0.85"),
                    False),
        StrikeQuote("KXTSAW-26APR19-A2.50", 2_500_000, 0.132, None, Decimal("0.37"), False),
    ),
    temperature_edges=None,
    book=BOOK,
)  # fmt: skip


def test_the_text_report_has_every_section_with_exact_rows():
    text = render_text(REPORT)
    assert text.splitlines()[0] == (
        "Daily report for Thursday 2026-04-16, Kalshi paper, as of 2026-04-16 10:00 ET"
    )
    expected_blocks = [
        "\n".join(
            [
                "TSA weekly forecast, week of 2026-04-13",
                "=======================================",
                "Decision 2026-04-16 09:15 ET (horizon 3), 3 of 7 days published.",
                "model                      forecast avg/day  80% interval",
                "-------------------------  ----------------  ---------------------",
                "holiday_aligned (pricing)         2,460,687  2,415,624 – 2,507,170",
                "baseline                          2,434,811  2,381,984 – 2,489,637",
            ]
        ),
        "KXTSAW-26APR19-A2.45  2,450,000     0.631  0.84  0.85      -0.214",
        "KXTSAW-26APR19-A2.50  2,500,000     0.132     —  0.37           —",
        f"Temperature edges per city\n==========================\n{NO_TEMPERATURE_YET}",
        "Orders proposed today (paper: filled on the paper book, nothing sent to Kalshi)",
        "2026-04-16 09:15 ET  tsa_weekly  KXTSAW-26APR19-A2.50  buy 40 NO   0.62  10/40   resting",
        "tsa_weekly  KXTSAW-26APR19-A2.50  NO          100       0.21  0.63     +$42.00",
        "tsa_weekly  KXTSAW-26APR19-A2.75  YES           5       0.04     —           —",
        "Yesterday (2026-04-15): -$7.63",
        "Cumulative through 2026-04-15: +$4.87 (cash plus open positions at their mark)",
        "Open positions now, unrealised: +$42.00 (1 without a quote, not counted)",
        f"Portfolio\n=========\n{NO_PORTFOLIO_YET}",
    ]
    positions = [text.index(block) for block in expected_blocks]
    assert positions == sorted(positions)


def test_yesterdays_pnl_is_the_change_of_equity_over_yesterday():
    assert REPORT.pnl_yesterday == Decimal("-7.63")
    first_day = replace(BOOK, equity_curve=(EquityPoint(date(2026, 4, 15), Decimal("3")),))
    assert replace(REPORT, book=first_day).pnl_yesterday == Decimal("3")
    assert replace(REPORT, book=replace(BOOK, equity_curve=())).pnl_yesterday is None


def test_a_position_is_marked_at_what_selling_it_fetches():
    held, unquoted = BOOK.positions
    assert (held.unrealised_pnl, unquoted.unrealised_pnl) == (Decimal("42.00"), None)


def test_real_orders_are_called_placed_and_an_empty_book_says_so():
    live = replace(REPORT, environment="live", book=Book((), (), ()))
    text = render_text(live)
    assert "Orders placed today on Kalshi live\n==================================\nNone." in text
    assert "Open positions\n==============\nNone." in text
    assert "P&L\n===\nNo trades yet." in text
    assert "equity curve" not in text


def test_tradable_temperature_edges_are_listed_per_city_with_the_count_priced():
    edges = (
        TemperatureEdge("CHI", date(2026, 4, 16), "KXHIGHCHI-26APR16-B61.5", "weather-single",
                        "yes", Decimal("0.24"), 0.31, 0.052, True, ""),
        TemperatureEdge("CHI", date(2026, 4, 16), "KXHIGHCHI-26APR16-B63.5", "weather-single",
                        "no", None, 0.70, -0.010, False, "edge below threshold"),
    )  # fmt: skip
    text = render_text(replace(REPORT, temperature_edges=edges))
    assert "2 contracts priced at each city-day's latest decision, 1 tradable." in text
    assert (
        "CHI   2026-04-16  KXHIGHCHI-26APR16-B61.5  weather-single  YES    0.24  0.310    +0.052"
        in text
    )
    assert "B63.5" not in text
    assert "No temperature edges today." in render_text(replace(REPORT, temperature_edges=()))


def test_the_portfolio_section_shows_pnl_per_strategy_equity_drawdown_and_city_exposure():
    d = Decimal
    portfolio = Portfolio(
        date(2026, 4, 16),
        (
            PortfolioLine("tsa_weekly", d("-1.45"), d("0"), d("-1.45"), d("0"), d("2.38"), None),
            PortfolioLine("all", d("-1.45"), d("0"), d("-1.45"), d("0.50"), d("2.80"),
                          d("998.55")),
        ),
        (("", d("4.50")), ("NY", d("1.50"))),
    )  # fmt: skip
    text = render_text(replace(REPORT, portfolio=portfolio))
    assert "Equity at the end of 2026-04-16: $998.55; drawdown from the peak -$2.80" in text
    assert "Open exposure at cost: TSA $4.50, NY $1.50" in text
    assert "all           -$1.45      +$0.00  -$1.45    +$0.50    -$2.80" in text


def test_the_html_report_shows_tables_escaped_and_the_inline_plot():
    page = render_html(REPORT, EQUITY_CURVE_CID)
    assert page.count("<table") == 4  # forecast, strikes, orders, positions (no portfolio yet)
    assert "<h3>P&amp;L</h3>" in page
    assert f'<img src="cid:{EQUITY_CURVE_CID}"' in page
    assert "<img" not in render_html(REPORT, None)
    assert '<td style="border:1px solid #ccc;padding:2px 6px;text-align:right">+$42.00</td>' in page


def test_the_email_carries_text_html_and_the_equity_curve():
    png = equity_curve_png(BOOK.equity_curve)
    message = report_email(REPORT, png)
    assert (
        message["Subject"]
        == subject(REPORT)
        == (
            "edge_dagster daily report 2026-04-16 (paper) · TSA week 2026-04-13: 2,460,687 · "
            "P&L yesterday -$7.63"
        )
    )
    assert [part.get_content_type() for part in message.walk()] == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
    ]
    image = next(part for part in message.walk() if part.get_content_type() == "image/png")
    assert image["Content-ID"] == f"<{EQUITY_CURVE_CID}>" and image.get_content() == png
    assert png.startswith(b"\x89PNG")
    without_plot = report_email(REPORT, None)
    assert "image/png" not in [part.get_content_type() for part in without_plot.walk()]
