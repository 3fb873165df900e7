"""The daily report asset: what the warehouse holds as of now, sent once per day and recipient."""

import shutil
from datetime import date, datetime
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path

import duckdb
import pytest
from dagster import materialize

from edge_dagster.assets.daily_report import (
    daily_report_email,
    read_book,
    read_portfolio,
    read_temperature,
)
from edge_dagster.assets.portfolio import portfolio
from edge_dagster.core.clock import EASTERN
from edge_dagster.core.daily_report import EquityPoint, PositionLine
from edge_dagster.core.tsa_model import PRICING_MODEL
from edge_dagster.resources.email import EmailResource
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.resources.warehouse import WarehouseResource
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from edge_dagster.warehouse import ensure_tables
from tests.assets.test_no_lookahead import run_pipeline
from tests.assets.test_portfolio import NOW, write_ledger
from tests.conftest import replay_sources

THURSDAY = "2026-04-16T10:00:00-04:00"
DECISION = datetime(2026, 4, 16, 9, 15, tzinfo=EASTERN)


def et(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 4, day, hour, minute, tzinfo=EASTERN)


def add_fill(conn, n: int, environment: str, ticker: str, side: str, count: int, price: str,
             at: datetime, fee: str = "0") -> None:  # fmt: skip
    conn.execute(
        "INSERT INTO fills VALUES (?, 'c', ?, 'tsa_weekly', '2026-04-13', ?, ?, 'buy', ?, ?, ?, "
        "false, ?)",
        [f"f{n}", environment, ticker, side, count, Decimal(price), Decimal(fee), at],
    )
    add_cash(conn, f"f{n}:trade", environment, "trade", ticker, -count * Decimal(price), at)
    if fee != "0":
        add_cash(conn, f"f{n}:fee", environment, "fee", ticker, -Decimal(fee), at)


def add_cash(conn, entry: str, environment: str, kind: str, ticker: str, amount: Decimal,
             at: datetime) -> None:  # fmt: skip
    conn.execute(
        "INSERT INTO cash_ledger VALUES (?, ?, 'tsa_weekly', '2026-04-13', ?, ?, ?, ?)",
        [entry, environment, at, kind, ticker, amount],
    )


def add_quote(conn, ticker: str, at: datetime, bid: str, ask: str) -> None:
    conn.execute(
        "INSERT INTO market_snapshots (ticker, as_of, source, series_ticker, event_ticker, "
        "strike_type, status, yes_bid, yes_ask, close_time, result, fee_type, fee_multiplier) "
        "VALUES (?, ?, 'test', 'KXTSAW', 'E', 'greater', 'active', ?, ?, ?, '', 'quadratic', 1)",
        [ticker, at, Decimal(bid), Decimal(ask), et(20, 0)],
    )


def add_order(conn, order_id: str, environment: str, decision: datetime) -> None:
    conn.execute(
        "INSERT INTO orders (client_order_id, environment, strategy, partition_key, "
        "decision_time, event_ticker, ticker, side, action, book_side, limit_price, yes_price, "
        "count, filled_count, taker_fees, maker_fees, status, exchange_order_id, fee_type, "
        "fee_multiplier, submitted_at, filled_through, updated_at, note, takes_liquidity) "
        "VALUES (?, ?, 'tsa_weekly', '2026-04-13', ?, 'E', 'B', 'no', 'buy', 'ask', 0.62, 0.38, "
        "40, 10, 0, 0, 'resting', NULL, 'quadratic', 1, ?, ?, ?, '', false)",
        [order_id, environment, decision, decision, decision, decision],
    )


@pytest.fixture
def ledger() -> duckdb.DuckDBPyConnection:
    """A hand-written paper book: 10 YES of A (settled YES on the 16th), 5 NO of B."""
    conn = duckdb.connect(":memory:")
    ensure_tables(conn, ["orders", "fills", "cash_ledger", "market_snapshots"])
    add_quote(conn, "A", et(14, 9, 15), "0.45", "0.47")
    add_quote(conn, "A", et(15, 9, 15), "0.30", "0.33")
    add_quote(conn, "B", et(15, 9, 15), "0.70", "0.75")
    add_quote(conn, "B", et(17, 9, 15), "0.60", "0.65")
    add_fill(conn, 1, "paper", "A", "yes", 10, "0.40", et(14, 10), fee="0.07")
    add_fill(conn, 2, "paper", "B", "no", 5, "0.20", et(15, 11))
    add_cash(conn, "s1", "paper", "settlement", "A", Decimal(10), et(16, 9))
    add_fill(conn, 3, "demo", "B", "no", 50, "0.20", et(15, 11))  # another environment's book
    add_order(conn, "today", "paper", et(17, 9, 15))
    add_order(conn, "yesterday", "paper", et(16, 9, 15))
    add_order(conn, "after now", "paper", et(17, 11))
    add_order(conn, "demo today", "demo", et(17, 9, 15))
    return conn


def test_equity_is_cash_plus_open_positions_at_their_mark_each_evening(ledger):
    book = read_book(ledger, "paper", date(2026, 4, 17), et(17, 10))
    assert book.equity_curve == (
        EquityPoint(date(2026, 4, 13), Decimal(0)),  # the eve of the first trade
        EquityPoint(date(2026, 4, 14), Decimal("0.43")),  # −4.07 cash + 10 × 0.45 bid
        EquityPoint(date(2026, 4, 15), Decimal("-0.82")),  # −5.07 + 10 × 0.30 + 5 × (1 − 0.75)
        EquityPoint(date(2026, 4, 16), Decimal("6.18")),  # A paid $10; B still 5 × 0.25
    )


def test_positions_now_are_marked_at_the_latest_quote_and_only_todays_orders_show(ledger):
    book = read_book(ledger, "paper", date(2026, 4, 17), et(17, 10))
    assert book.positions == (
        PositionLine("tsa_weekly", "B", "no", 5, Decimal("0.2000"), Decimal("0.3500")),
    )
    assert book.positions[0].unrealised_pnl == Decimal("0.75")
    assert [(o.decision_time, o.ticker, o.count) for o in book.orders] == [(et(17, 9, 15), "B", 40)]


def test_an_empty_book_has_no_history():
    conn = duckdb.connect(":memory:")
    ensure_tables(conn, ["orders", "fills", "cash_ledger", "market_snapshots"])
    book = read_book(conn, "paper", date(2026, 4, 17), et(17, 10))
    assert (book.orders, book.positions, book.equity_curve) == ((), (), ())


@pytest.fixture(scope="module")
def thursday_warehouse(tmp_path_factory) -> Path:
    """The real pipeline for the week of 2026-04-13, run on Thursday morning."""
    path = tmp_path_factory.mktemp("thursday") / "edge.duckdb"
    run_pipeline(WarehouseResource(database=str(path)), THURSDAY, DEFAULT_REPLAY_DIR)
    return path


@pytest.fixture
def warehouse(thursday_warehouse, tmp_path) -> WarehouseResource:
    copy = tmp_path / "edge.duckdb"
    shutil.copy(thursday_warehouse, copy)
    return WarehouseResource(database=str(copy))


def send_report(warehouse, email: EmailResource, report_date: str = ""):
    result = materialize(
        [daily_report_email],
        resources={
            "warehouse": warehouse,
            "sources": replay_sources(THURSDAY),
            "kalshi": KalshiResource(),
            "email": email,
        },
        run_config={"ops": {"daily_report_email": {"config": {"report_date": report_date}}}},
        raise_on_error=False,
    )
    if not result.success:
        return None
    (materialization,) = result.asset_materializations_for_node("daily_report_email")
    return {key: value.value for key, value in materialization.metadata.items()}


def outbox(tmp_path: Path, recipients: str) -> EmailResource:
    return EmailResource(recipients=recipients, outbox_dir=str(tmp_path / "outbox"))


def test_the_report_shows_the_weeks_latest_forecast_and_every_strike(warehouse, tmp_path):
    metadata = send_report(warehouse, outbox(tmp_path, "a@edge.example"))
    (path,) = metadata["deliveries"].values()
    message = message_from_bytes(Path(path).read_bytes(), policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    with warehouse.get_connection() as conn:
        (avg, q10, q90) = conn.execute(
            "SELECT forecast_avg, q10, q90 FROM tsa_forecasts WHERE decision_time = ? "
            "AND pricing_model",
            [DECISION],
        ).fetchone()
        strikes = conn.execute(
            "SELECT ticker, fair_yes FROM tsa_fair_values WHERE decision_time = ? "
            "AND model = ? ORDER BY strike",
            [DECISION, PRICING_MODEL],
        ).fetchall()
    (pricing_line,) = [
        line for line in text.splitlines() if line.startswith(f"{PRICING_MODEL} (pricing) ")
    ]
    assert pricing_line.split()[2:] == [f"{avg:,.0f}", f"{q10:,.0f}", "–", f"{q90:,.0f}"]
    assert "Decision 2026-04-16 09:15 ET (horizon 3), 3 of 7 days published." in text
    assert len(strikes) == 21
    for ticker, fair in strikes:
        assert any(line.startswith(ticker) and f"{fair:.3f}" in line for line in text.splitlines())
    assert message["Subject"].startswith("edge_dagster daily report 2026-04-16 (replay)")
    # By Thursday morning no order of the week has filled (resting orders fill only on prices
    # printed after them): no P&L yet, so no equity-curve plot.
    assert "No trades yet." in text
    assert metadata["report"].count("data:image/png;base64,") == 0


def test_a_rerun_of_the_same_day_sends_nothing_twice(warehouse, tmp_path):
    first = send_report(warehouse, outbox(tmp_path, "a@edge.example, b@edge.example"))
    assert first["sent_to"] == "a@edge.example, b@edge.example"
    again = send_report(warehouse, outbox(tmp_path, "a@edge.example, b@edge.example"))
    assert (again["sent_to"], again["already_sent_to"]) == (
        "nobody",
        "a@edge.example, b@edge.example",
    )
    added = send_report(warehouse, outbox(tmp_path, "a@edge.example, b@edge.example, c@x.org"))
    assert added["sent_to"] == "c@x.org"
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 3
    with warehouse.get_connection() as conn:
        logged = conn.execute(
            "SELECT report_date, recipient, backend FROM daily_report_sent ORDER BY recipient"
        ).fetchall()
    assert logged == [
        (date(2026, 4, 16), "a@edge.example", "file"),
        (date(2026, 4, 16), "b@edge.example", "file"),
        (date(2026, 4, 16), "c@x.org", "file"),
    ]


def test_an_earlier_day_is_its_own_report_as_of_its_evening(warehouse, tmp_path):
    metadata = send_report(warehouse, outbox(tmp_path, "a@edge.example"), "2026-04-15")
    assert (metadata["report_date"], metadata["as_of"]) == (
        "2026-04-15",
        "2026-04-16T00:00:00-04:00",
    )
    assert "Decision 2026-04-15 09:15 ET (horizon 2)" in metadata["report"]
    assert send_report(warehouse, outbox(tmp_path, "a@edge.example"), "2026-04-17") is None


def test_a_recipient_the_server_refuses_is_retried_alone_on_the_next_run(
    warehouse, tmp_path, smtp_server, monkeypatch
):
    monkeypatch.setenv("EDGE_SMTP_PASSWORD", "wrong")
    smtp = EmailResource(
        backend="smtp",
        sender="reports@edge.example",
        recipients="a@edge.example",
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_username="reports",
        smtp_ca_file=str(smtp_server.ca_file),
    )
    assert send_report(warehouse, smtp) is None
    with warehouse.get_connection() as conn:
        assert conn.execute("SELECT count(*) FROM daily_report_sent").fetchone() == (0,)
    monkeypatch.setenv("EDGE_SMTP_PASSWORD", smtp_server.password)
    assert send_report(warehouse, smtp)["sent_to"] == "a@edge.example"
    assert [to for to, _ in smtp_server.messages] == [["a@edge.example"]]


OPPORTUNITIES = """
    CREATE TABLE weather_opportunities AS SELECT * FROM (VALUES
        (TIMESTAMPTZ '2026-04-16 08:10-04', 'NY', DATE '2026-04-16', 'KXHIGHNY-26APR16',
         'KXHIGHNY-26APR16-B62.5', 'weather-single', '', 'yes', 0.30, 0.36, 0.04, 62.1, 2.0,
         'emos', 'f1', true, ''),
        (TIMESTAMPTZ '2026-04-16 09:10-04', 'NY', DATE '2026-04-16', 'KXHIGHNY-26APR16',
         'KXHIGHNY-26APR16-B62.5', 'weather-single', '', 'yes', 0.31, 0.35, 0.03, 62.3, 2.0,
         'emos', 'f1', true, ''),
        (TIMESTAMPTZ '2026-04-16 09:10-04', 'NY', DATE '2026-04-16', 'KXHIGHNY-26APR16',
         'KXHIGHNY-26APR16-B64.5', 'weather-single', '', 'no', NULL, 0.80, -0.01, 62.3, 2.0,
         'emos', 'f1', false, 'edge below threshold'),
        (TIMESTAMPTZ '2026-04-15 09:10-04', 'NY', DATE '2026-04-15', 'KXHIGHNY-26APR15',
         'KXHIGHNY-26APR15-B60.5', 'weather-single', '', 'yes', 0.20, 0.30, 0.08, 60.0, 2.0,
         'emos', 'f1', true, ''),
        (TIMESTAMPTZ '2026-04-16 11:10-04', 'CHI', DATE '2026-04-16', 'KXHIGHCHI-26APR16',
         'KXHIGHCHI-26APR16-B55.5', 'weather-single', '', 'yes', 0.20, 0.30, 0.08, 55.0, 2.0,
         'emos', 'f1', true, '')
    ) t(decision_time, city, climate_date, event_ticker, ticker, strategy, bracket_id, side,
        limit_price, fair_value, net_edge, mu, sigma, pricing_model, fit_id, tradable, reason)
"""


def test_temperature_edges_come_from_each_city_days_latest_decision_by_now():
    conn = duckdb.connect(":memory:")
    assert read_temperature(conn, date(2026, 4, 16), et(16, 10)) is None  # no table yet
    conn.execute(OPPORTUNITIES)
    edges = read_temperature(conn, date(2026, 4, 16), et(16, 10))
    # NY's 09:10 decision (not 08:10, not yesterday's day); CHI decides only at 11:10
    assert [(e.ticker, e.limit_price, e.net_edge, e.tradable) for e in edges] == [
        ("KXHIGHNY-26APR16-B62.5", Decimal("0.3100"), 0.03, True),
        ("KXHIGHNY-26APR16-B64.5", None, -0.01, False),
    ]


def test_the_portfolio_section_reads_the_portfolio_tables(warehouse):
    with warehouse.transaction(["orders", "fills", "cash_ledger", "market_snapshots"]) as conn:
        write_ledger(conn)
    resources = {"warehouse": warehouse, "sources": replay_sources(NOW.isoformat()),
                 "kalshi": KalshiResource()}  # fmt: skip
    assert materialize([portfolio], resources=resources).success
    with warehouse.get_connection() as conn:
        assert read_portfolio(conn, "demo", date(2026, 4, 16)) is None  # another environment
        book = read_portfolio(conn, "replay", date(2026, 4, 15))
    assert book.day == date(2026, 4, 15)
    assert [(line.strategy, line.pnl, line.equity) for line in book.lines] == [
        ("tsa_weekly", Decimal("-1.4500"), None),
        ("weather-single", Decimal("-0.5000"), None),
        ("all", Decimal("-1.9500"), Decimal("998.0500")),
    ]
    assert book.exposure_by_city == (("NY", Decimal("1.5000")),)
