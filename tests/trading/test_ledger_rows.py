"""A ledger holding its rows answers as its tables would, a failed batch leaves no trace, and a
market nothing was traded on settles to nothing: on an in-memory DuckDB with hand-made prices."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import duckdb
import pytest

from edge_dagster.core.matching import Candle, FillRule, Quote
from edge_dagster.core.orders import Order
from edge_dagster.trading.ledger import Ledger
from edge_dagster.trading.paper_venue import PaperVenue

D = Decimal
T0 = datetime(2026, 4, 14, 13, 15, tzinfo=UTC)
DEEP = Quote(yes_bid=D("0.38"), yes_bid_size=20, yes_ask=D("0.40"), yes_ask_size=100)
RULE = FillRule(max_contracts_per_candle=1_000, candle_volume_share=None)


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(":memory:")


@pytest.fixture(params=[False, True], ids=["rows-read-afresh", "rows-held"])
def venue(conn: duckdb.DuckDBPyConnection, request: pytest.FixtureRequest) -> PaperVenue:
    return PaperVenue(Ledger(conn, "replay", hold_rows=request.param), RULE, bankroll=D(1_000))


def _order(*, limit: str = "0.40", count: int = 10, ticker: str = "A", **changes: object) -> Order:
    order = Order("s1", "2026-04-14", T0, "EA", ticker, "yes", "buy", D(limit), count)
    return replace(order, **changes)


def _counts(conn: duckdb.DuckDBPyConnection) -> tuple[int, ...]:
    return tuple(
        conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        for table in ("orders", "fills", "cash_ledger")
    )


def _settlements(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    return conn.execute(
        "SELECT entry_id, amount FROM cash_ledger WHERE kind = 'settlement' ORDER BY 1"
    ).fetchall()


def test_a_market_nothing_traded_on_settles_to_nothing_whatever_its_result(venue, conn):
    """Only a market with something resting or held needs a yes/no result: a voided market
    the strategy never touched is skipped, not an error."""
    venue.place(_order(), DEEP, T0)  # 10 YES of A at 0.40
    at = T0 + timedelta(days=1)
    venue.settle({"A": ("yes", at), "B": ("void", at)})
    assert _settlements(conn) == [("settlement:replay:A:s1:2026-04-14:yes", D(10))]


def test_a_held_ledger_after_a_failed_batch_reads_what_the_tables_hold(conn):
    """The batch wrote nothing, and the held rows forget its order, fill and cash rows: no
    later read sees a trade that is in no table."""
    ledger = Ledger(conn, "replay", hold_rows=True)
    venue = PaperVenue(ledger, RULE, bankroll=D(1_000))
    with pytest.raises(RuntimeError, match="a later step failed"), ledger.batched_writes():
        venue.place(_order(), DEEP, T0)
        raise RuntimeError("a later step failed")
    assert _counts(conn) == (0, 0, 0)
    assert Ledger(conn, "replay").cash() == D(0)
    assert ledger.cash() == D(0)
    assert ledger.positions() == []


def test_a_held_ledger_after_a_failed_batch_writes_the_same_replay_again(conn):
    """A second replay on the same ledger after a failed one places and writes the order,
    its fill and its cash rows (the held rows do not claim it was placed already)."""
    ledger = Ledger(conn, "replay", hold_rows=True)
    venue = PaperVenue(ledger, RULE, bankroll=D(1_000))
    with pytest.raises(RuntimeError, match="a later step failed"), ledger.batched_writes():
        venue.place(_order(), DEEP, T0)
        raise RuntimeError("a later step failed")
    with ledger.batched_writes():
        venue.place(_order(), DEEP, T0)
    assert _counts(conn) == (1, 1, 2)


def test_a_resting_order_fills_at_the_limit_the_orders_table_holds(venue, conn):
    """``orders.limit_price`` is DECIMAL(10, 4): a resting order fills at the limit the table
    gives back, 0.1235 for 0.12345, whether the ledger reads its rows afresh or holds them."""
    venue.place(_order(limit="0.12345"), DEEP, T0)  # below the 0.40 ask: rests
    start = T0 + timedelta(minutes=5)
    candle = Candle(start, start + timedelta(hours=1), D("0.05"), D("0.10"))
    venue.advance({"A": [candle]}, until=T0 + timedelta(hours=2))
    assert conn.execute("SELECT count, price FROM fills").fetchall() == [(10, D("0.1235"))]
    assert venue.ledger.cash() == D("-1.235")


def test_batches_do_not_nest(conn):
    ledger = Ledger(conn, "replay", hold_rows=True)
    with pytest.raises(ValueError, match="do not nest"), ledger.batched_writes():
        PaperVenue(ledger, RULE, bankroll=D(1_000)).place(_order(), DEEP, T0)
        with ledger.batched_writes():
            pass
    assert _counts(conn) == (0, 0, 0)
