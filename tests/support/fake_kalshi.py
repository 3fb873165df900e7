"""A fake Kalshi exchange: a real HTTP server on 127.0.0.1 speaking the 2026 Trade API v2.

It is strict where the real exchange is strict and our client could go wrong: it verifies
every signature, rejects stale timestamps, validates V2 order bodies against
CreateOrderV2Request and rejects a reused ``client_order_id`` with 409. It keeps orders, fills,
positions and balance, and matches new orders against a book the test configures. Failures
are injected with ``fail_next``/``disconnect_next``, optionally after applying the request
(the "the exchange did it but the answer was lost" case). Every request is recorded.

Simplifications: resting orders are not added to the displayed book, resting orders do not
reserve balance, and fees are the taker formula rounded up to the cent per fill.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_CEILING, Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from edge_dagster.kalshi.signing import (
    API_PATH_PREFIX,
    KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    KalshiPublicKey,
    SignatureVerificationError,
    verify_headers,
)

MAX_CLOCK_SKEW_MS = 30_000
OHLC = ("open", "low", "high", "close")
ONE = Decimal(1)
CENT = Decimal("0.01")
TAKER_FEE_RATE = Decimal("0.07")
MAKER_FEE_RATE = Decimal("0.0175")
PRICE_PATTERN = re.compile(r"0\.\d{2,4}")
COUNT_PATTERN = re.compile(r"\d+(\.\d{1,2})?")
CREATE_REQUIRED = (
    "ticker",
    "client_order_id",
    "side",
    "count",
    "price",
    "time_in_force",
    "self_trade_prevention_type",
)
CREATE_OPTIONAL = frozenset(
    {
        "expiration_time",
        "post_only",
        "reduce_only",
        "cancel_order_on_pause",
        "subaccount",
        "order_group_id",
        "exchange_index",
    }
)
V1_ONLY_FIELDS = frozenset(
    {"action", "type", "yes_price", "no_price", "yes_price_dollars", "no_price_dollars",
     "buy_max_cost", "sell_position_floor", "expiration_ts"}
)  # fmt: skip
TIMES_IN_FORCE = frozenset({"fill_or_kill", "good_till_canceled", "immediate_or_cancel"})
SELF_TRADE_PREVENTION = frozenset({"taker_at_cross", "maker"})
# The markets query filter uses different words from the statuses markets report.
MARKET_STATUS_FILTER = {
    "unopened": {"initialized"},
    "open": {"active"},
    "paused": {"inactive"},
    "closed": {"closed"},
    "settled": {"determined", "finalized", "settled"},
}

Response = tuple[int, Any]


class Rejected(Exception):
    """An API error the fake answers with ``{code, message, details}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def dollars(value: Decimal) -> str:
    return f"{value:.4f}"


def contracts(value: Decimal) -> str:
    return f"{value:.2f}"


def rfc3339(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat().replace("+00:00", "Z")


def taker_fee(count: Decimal, yes_price: Decimal, multiplier: Decimal) -> Decimal:
    """round_up_to_cent(multiplier × 0.07 × C × P × (1 − P)) (reference §6)."""
    raw = multiplier * TAKER_FEE_RATE * count * yes_price * (ONE - yes_price)
    return raw.quantize(CENT, rounding=ROUND_CEILING)


def market_json(ticker: str, event_ticker: str, **overrides: Any) -> dict[str, Any]:
    """A Market object with every field S31 requires, 2026 shape; override any of them."""
    market = {
        "ticker": ticker,
        "event_ticker": event_ticker,
        "market_type": "binary",
        "title": f"Will {ticker} resolve YES?",
        "yes_sub_title": "Above 2.45 million",
        "no_sub_title": "2.45 million or below",
        "created_time": "2026-09-01T14:00:00Z",
        "updated_time": "2026-09-01T14:00:00Z",
        "open_time": "2026-09-22T14:00:00Z",
        "close_time": "2026-09-29T03:59:00Z",
        "latest_expiration_time": "2026-10-06T14:00:00Z",
        "settlement_timer_seconds": 3600,
        "status": "active",
        "notional_value_dollars": "1.0000",
        "yes_bid_dollars": "0.4000",
        "yes_ask_dollars": "0.4200",
        "no_bid_dollars": "0.5800",
        "no_ask_dollars": "0.6000",
        "yes_bid_size_fp": "150.00",
        "yes_ask_size_fp": "80.00",
        "last_price_dollars": "0.4100",
        "previous_yes_bid_dollars": "0.3900",
        "previous_yes_ask_dollars": "0.4100",
        "previous_price_dollars": "0.4000",
        "volume_fp": "1234.00",
        "volume_24h_fp": "321.00",
        "open_interest_fp": "900.00",
        "result": "",
        "can_close_early": True,
        "expiration_value": "",
        "rules_primary": "If the weekly average of TSA checkpoint numbers is above 2.45 million...",
        "rules_secondary": "",
        "price_level_structure": "linear_cent",
        "price_ranges": [{"start": "0.0000", "end": "1.0000", "step": "0.0100"}],
        "settlement_bounds_type": "default",
        "strike_type": "greater",
        "floor_strike": 2450000,
    }
    market.update(overrides)
    return market


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # relative to /trade-api/v2, no query
    query: dict[str, list[str]]
    body: Any


@dataclass
class InjectedFailure:
    method: str
    path_prefix: str
    status: int | None  # None: drop the connection without answering
    remaining: int
    body: Any
    retry_after: float | None
    apply_first: bool
    skip: int = 0
    """Matching requests to let through before this failure applies."""


@dataclass
class FakeOrder:
    order_id: str
    client_order_id: str
    ticker: str
    side: str  # book side of the YES leg: bid | ask
    price: Decimal  # YES price
    initial_count: Decimal
    time_in_force: str
    self_trade_prevention_type: str
    created_time: str
    expiration_time: int | None = None
    fill_count: Decimal = Decimal(0)
    remaining_count: Decimal = Decimal(0)
    fill_cost: Decimal = Decimal(0)
    yes_price_volume: Decimal = Decimal(0)  # Σ count × YES price, for average_fill_price
    fees: Decimal = Decimal(0)
    maker_fill_cost: Decimal = Decimal(0)
    maker_fees: Decimal = Decimal(0)
    status: str = "resting"

    def to_json(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "user_id": "user-1",
            "client_order_id": self.client_order_id,
            "ticker": self.ticker,
            "outcome_side": "yes" if self.side == "bid" else "no",
            "book_side": self.side,
            "type": "limit",
            "status": self.status,
            "yes_price_dollars": dollars(self.price),
            "no_price_dollars": dollars(ONE - self.price),
            "fill_count_fp": contracts(self.fill_count),
            "remaining_count_fp": contracts(self.remaining_count),
            "initial_count_fp": contracts(self.initial_count),
            "taker_fill_cost_dollars": dollars(self.fill_cost),
            "maker_fill_cost_dollars": dollars(self.maker_fill_cost),
            "taker_fees_dollars": dollars(self.fees),
            "maker_fees_dollars": dollars(self.maker_fees),
            "expiration_time": rfc3339(self.expiration_time) if self.expiration_time else None,
            "created_time": self.created_time,
            "last_update_time": self.created_time,
            "self_trade_prevention_type": self.self_trade_prevention_type,
            "order_group_id": None,
            "cancel_order_on_pause": False,
            "exchange_index": 0,
        }

    def fill_summary(self) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "fill_count": contracts(self.fill_count),
            "remaining_count": contracts(self.remaining_count),
        }
        if self.fill_count:
            summary["average_fill_price"] = dollars(self.yes_price_volume / self.fill_count)
            summary["average_fee_paid"] = dollars(self.fees / self.fill_count)
        return summary


@dataclass
class FakePosition:
    position: Decimal = Decimal(0)
    total_traded: Decimal = Decimal(0)
    exposure: Decimal = Decimal(0)
    fees_paid: Decimal = Decimal(0)
    last_updated: str = ""


@dataclass
class Book:
    yes: list[tuple[Decimal, Decimal]] = field(default_factory=list)  # ascending price
    no: list[tuple[Decimal, Decimal]] = field(default_factory=list)


class FakeKalshiExchange:
    """Use as a context manager (or start()/stop()); point a client at ``base_url``."""

    def __init__(self, *, page_size: int = 100, clock: Callable[[], float] = time.time) -> None:
        self.page_size = page_size
        self.clock = clock
        self.market_clock = clock
        """Business time stamped on orders and fills; a test replaying a past week sets it to
        that week while signatures stay on ``clock`` (wall time)."""
        self.historical_cutoff = datetime(2026, 1, 1, tzinfo=UTC)
        self.balance = Decimal("1000.00")
        self.requests: list[RecordedRequest] = []
        self.orders: dict[str, FakeOrder] = {}
        self.fills: list[dict[str, Any]] = []
        self.settlements: list[dict[str, Any]] = []
        self._public_keys: dict[str, KalshiPublicKey] = {}
        self._series: dict[str, dict[str, Any]] = {}
        self._events: dict[str, dict[str, Any]] = {}
        self._markets: dict[str, dict[str, Any]] = {}
        self._historical_markets: dict[str, dict[str, Any]] = {}
        self._candles: dict[tuple[str, bool], list[dict[str, Any]]] = {}
        self._books: dict[str, Book] = {}
        self._positions: dict[str, FakePosition] = {}
        self._failures: list[InjectedFailure] = []
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Response]]] = [
            (method, re.compile(pattern), handler)
            for method, pattern, handler in (
                ("GET", r"/series/(?P<series>[^/]+)", self._get_series),
                ("GET", r"/events", self._list_events),
                ("GET", r"/events/(?P<event>[^/]+)", self._get_event),
                ("GET", r"/markets", self._list_markets),
                ("GET", r"/markets/(?P<ticker>[^/]+)", self._get_market),
                ("GET", r"/markets/(?P<ticker>[^/]+)/orderbook", self._get_orderbook),
                (
                    "GET",
                    r"/series/(?P<series>[^/]+)/markets/(?P<ticker>[^/]+)/candlesticks",
                    self._live_candles,
                ),
                ("GET", r"/historical/cutoff", self._get_cutoff),
                ("GET", r"/historical/markets", self._list_historical_markets),
                (
                    "GET",
                    r"/historical/markets/(?P<ticker>[^/]+)/candlesticks",
                    self._historical_candles,
                ),
                ("GET", r"/portfolio/balance", self._get_balance),
                ("GET", r"/portfolio/positions", self._list_positions),
                ("GET", r"/portfolio/orders", self._list_orders),
                ("GET", r"/portfolio/orders/(?P<order_id>[^/]+)", self._get_order),
                ("GET", r"/portfolio/fills", self._list_fills),
                ("GET", r"/portfolio/settlements", self._list_settlements),
                ("POST", r"/portfolio/events/orders", self._create_order),
                ("POST", r"/portfolio/events/orders/batched", self._batch_create),
                ("POST", r"/portfolio/events/orders/(?P<order_id>[^/]+)/amend", self._amend),
                ("POST", r"/portfolio/events/orders/(?P<order_id>[^/]+)/decrease", self._decrease),
                ("DELETE", r"/portfolio/events/orders/(?P<order_id>[^/]+)", self._cancel),
            )
        ]

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeKalshiExchange:
        handler = type("BoundHandler", (_Handler,), {"exchange": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> FakeKalshiExchange:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the exchange first"
        return f"http://127.0.0.1:{self._server.server_address[1]}{API_PATH_PREFIX}"

    # --- test set-up ---------------------------------------------------------------------

    def register_key(self, key_id: str, public_key: KalshiPublicKey) -> None:
        self._public_keys[key_id] = public_key

    def add_series(
        self, ticker: str, *, fee_type: str = "quadratic", fee_multiplier: str = "1"
    ) -> None:
        self._series[ticker] = {
            "ticker": ticker,
            "frequency": "weekly",
            "title": f"{ticker} series",
            "category": "Economics",
            "tags": [],
            "settlement_sources": [{"name": "TSA", "url": "https://www.tsa.gov"}],
            "contract_url": "",
            "contract_terms_url": "",
            "fee_type": fee_type,
            "fee_multiplier": float(fee_multiplier),  # a JSON number, as Kalshi sends it
            "additional_prohibitions": [],
        }

    def add_event(self, event_ticker: str, series_ticker: str, title: str = "") -> None:
        self._events[event_ticker] = {
            "event_ticker": event_ticker,
            "series_ticker": series_ticker,
            "title": title or event_ticker,
            "sub_title": "",
            "mutually_exclusive": False,
            "category": "Economics",
        }

    def add_market(
        self, ticker: str, event_ticker: str, *, historical: bool = False, **overrides: Any
    ) -> None:
        target = self._historical_markets if historical else self._markets
        target[ticker] = market_json(ticker, event_ticker, **overrides)

    def set_orderbook(
        self,
        ticker: str,
        yes_bids: Iterable[tuple[str | Decimal, str | Decimal]] = (),
        no_bids: Iterable[tuple[str | Decimal, str | Decimal]] = (),
    ) -> None:
        def levels(pairs: Iterable[tuple[Any, Any]]) -> list[tuple[Decimal, Decimal]]:
            return sorted((Decimal(price), Decimal(count)) for price, count in pairs)

        self._books[ticker] = Book(yes=levels(yes_bids), no=levels(no_bids))

    def add_candle(
        self,
        ticker: str,
        end_period_ts: int,
        *,
        historical: bool = False,
        yes_bid: tuple[str, str, str, str] = ("0.4000", "0.3900", "0.4200", "0.4100"),
        yes_ask: tuple[str, str, str, str] = ("0.4300", "0.4200", "0.4500", "0.4400"),
        trade_close: str | None = None,
        trade_low: str | None = None,
        trade_high: str | None = None,
        volume: str = "10.00",
        open_interest: str = "100.00",
    ) -> None:
        """Live candles use ``*_dollars``/``*_fp`` keys; historical ones the bare names. Trade
        prices default to ``trade_close`` (None: nothing traded)."""
        suffix, count_suffix = ("", "") if historical else ("_dollars", "_fp")

        def ohlc(values: tuple[str, str, str, str]) -> dict[str, str]:
            return {f"{part}{suffix}": value for part, value in zip(OHLC, values, strict=True)}

        trades = {f"{part}{suffix}": trade_close for part in (*OHLC, "mean", "previous")}
        trades[f"low{suffix}"] = trade_low or trade_close
        trades[f"high{suffix}"] = trade_high or trade_close
        self._candles.setdefault((ticker, historical), []).append(
            {
                "end_period_ts": end_period_ts,
                "yes_bid": ohlc(yes_bid),
                "yes_ask": ohlc(yes_ask),
                "price": trades,
                f"volume{count_suffix}": volume,
                f"open_interest{count_suffix}": open_interest,
            }
        )

    def add_settlement(self, ticker: str, event_ticker: str, **overrides: Any) -> None:
        settlement = {
            "ticker": ticker,
            "event_ticker": event_ticker,
            "market_result": "yes",
            "yes_count_fp": "10.00",
            "no_count_fp": "0.00",
            "yes_total_cost_dollars": "4.3000",
            "no_total_cost_dollars": "0.0000",
            "revenue": 1000,
            "fee_cost": "0.1700",
            "value": 100,
            "settled_time": "2026-09-29T14:00:00Z",
            "exchange_index": 0,
        }
        settlement.update(overrides)
        self.settlements.append(settlement)

    def fail_next(
        self,
        method: str,
        path_prefix: str,
        status: int,
        *,
        times: int = 1,
        body: Any = None,
        retry_after: float | None = None,
        apply_first: bool = False,
        skip: int = 0,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` and ``body``.

        ``body``: dict/list is sent as JSON, bytes/str raw (malformed JSON), None a default
        ``{code, message, details}``. ``apply_first`` processes the request before answering;
        ``skip`` lets that many matching requests through first.
        """
        self._failures.append(
            InjectedFailure(
                method, path_prefix, status, times, body, retry_after, apply_first, skip
            )
        )

    def disconnect_next(
        self, method: str, path_prefix: str, *, times: int = 1, apply_first: bool = False
    ) -> None:
        """Close the connection without answering (a lost response, from the client's view)."""
        self._failures.append(
            InjectedFailure(method, path_prefix, None, times, None, None, apply_first)
        )

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path == path]

    # --- HTTP plumbing -------------------------------------------------------------------

    def handle(self, handler: _Handler) -> None:
        method = handler.command
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw_body = handler.rfile.read(length) if length else b""
        headers = {name.upper(): value for name, value in handler.headers.items()}
        route = split.path.removeprefix(API_PATH_PREFIX)
        with self._lock:
            try:
                body = json.loads(raw_body) if raw_body else None
            except ValueError:
                body = raw_body.decode("utf-8", "replace")
            self.requests.append(RecordedRequest(method, route, parse_qs(split.query), body))
            if not split.path.startswith(API_PATH_PREFIX + "/"):
                _write(handler, *_error(404, "not_found", "unknown path"))
                return
            auth_problem = self._authentication_problem(headers, method, split.path, route)
            if auth_problem:
                _write(handler, *_error(401, "authentication_error", auth_problem))
                return
            failure = self._take_failure(method, route)
            if failure is None or failure.apply_first:
                status, payload = self._dispatch(method, route, parse_qs(split.query), body)
            if failure is None:
                _write(handler, status, payload)
            elif failure.status is None:
                handler.close_connection = True
            else:
                default = _error(failure.status, _code_for(failure.status), "injected failure")[1]
                payload = default if failure.body is None else failure.body
                _write(handler, failure.status, payload, failure.retry_after)

    def _authentication_problem(
        self, headers: dict[str, str], method: str, full_path: str, route: str
    ) -> str | None:
        key_id = headers.get(KEY_HEADER)
        if key_id is None:
            return "authentication required" if route.startswith("/portfolio") else None
        public_key = self._public_keys.get(key_id)
        if public_key is None:
            return "unknown API key"
        try:
            timestamp_ms = int(headers.get(TIMESTAMP_HEADER, ""))
        except ValueError:
            return "malformed timestamp"
        if abs(timestamp_ms - self.clock() * 1000) > MAX_CLOCK_SKEW_MS:
            return "timestamp outside the accepted window"
        try:
            verify_headers(
                public_key,
                {name: headers.get(name, "") for name in (TIMESTAMP_HEADER, SIGNATURE_HEADER)},
                method,
                full_path,
            )
        except SignatureVerificationError:
            return "invalid signature"
        return None

    def _take_failure(self, method: str, route: str) -> InjectedFailure | None:
        for failure in self._failures:
            if failure.method == method and route.startswith(failure.path_prefix):
                if failure.skip:
                    failure.skip -= 1
                    continue
                failure.remaining -= 1
                if failure.remaining == 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _dispatch(
        self, method: str, route: str, query: dict[str, list[str]], body: Any
    ) -> Response:
        for route_method, pattern, handler in self._routes:
            match = pattern.fullmatch(route)
            if route_method == method and match:
                params = {name: unquote(value) for name, value in match.groupdict().items()}
                try:
                    return handler(query, body, **params)
                except Rejected as rejection:
                    return _error(rejection.status, rejection.code, str(rejection))
        return _error(404, "not_found", f"no route for {method} {route}")

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def _page(self, items: list[Any], query: dict[str, list[str]], key: str) -> Response:
        limit = min(int(_param(query, "limit") or 100), self.page_size)
        start = int(_param(query, "cursor") or 0)
        end = start + limit
        return 200, {key: items[start:end], "cursor": str(end) if end < len(items) else ""}

    # --- market data ---------------------------------------------------------------------

    def _get_series(self, query: dict, body: Any, series: str) -> Response:
        if series not in self._series:
            raise Rejected(404, "not_found", f"series {series} not found")
        return 200, {"series": self._series[series]}

    def _series_of(self, market: dict[str, Any]) -> str:
        event = self._events.get(market["event_ticker"])
        return event["series_ticker"] if event else market["event_ticker"].split("-")[0]

    def _filtered_markets(self, markets: Iterable[dict], query: dict) -> list[dict]:
        tickers = set((_param(query, "tickers") or "").split(",")) - {""}
        status = _param(query, "status")
        return [
            market
            for market in markets
            if (not tickers or market["ticker"] in tickers)
            and _param(query, "event_ticker") in (None, market["event_ticker"])
            and _param(query, "series_ticker") in (None, self._series_of(market))
            and (status is None or market["status"] in MARKET_STATUS_FILTER.get(status, ()))
        ]

    def _list_markets(self, query: dict, body: Any) -> Response:
        return self._page(self._filtered_markets(self._markets.values(), query), query, "markets")

    def _list_historical_markets(self, query: dict, body: Any) -> Response:
        markets = self._filtered_markets(self._historical_markets.values(), query)
        return self._page(markets, query, "markets")

    def _get_market(self, query: dict, body: Any, ticker: str) -> Response:
        if ticker not in self._markets:
            raise Rejected(404, "market_not_found", f"market {ticker} not found")
        return 200, {"market": self._markets[ticker]}

    def _event_json(self, event_ticker: str, nested: bool) -> dict[str, Any]:
        event = dict(self._events[event_ticker])
        if nested:
            event["markets"] = [
                m for m in self._markets.values() if m["event_ticker"] == event_ticker
            ]
        return event

    def _list_events(self, query: dict, body: Any) -> Response:
        nested = _param(query, "with_nested_markets") == "true"
        events = [
            self._event_json(ticker, nested)
            for ticker, event in self._events.items()
            if _param(query, "series_ticker") in (None, event["series_ticker"])
        ]
        return self._page(events, query, "events")

    def _get_event(self, query: dict, body: Any, event: str) -> Response:
        if event not in self._events:
            raise Rejected(404, "not_found", f"event {event} not found")
        event_json = self._event_json(event, _param(query, "with_nested_markets") == "true")
        markets = [m for m in self._markets.values() if m["event_ticker"] == event]
        return 200, {"event": event_json, "markets": markets}

    def _get_orderbook(self, query: dict, body: Any, ticker: str) -> Response:
        book = self._books.get(ticker, Book())

        def levels(side: list[tuple[Decimal, Decimal]]) -> list[list[str]]:
            return [[dollars(price), contracts(count)] for price, count in side]

        return 200, {
            "orderbook_fp": {"yes_dollars": levels(book.yes), "no_dollars": levels(book.no)}
        }

    def _candles_between(self, ticker: str, historical: bool, query: dict) -> Response:
        try:
            start, end = int(_param(query, "start_ts")), int(_param(query, "end_ts"))
            interval = int(_param(query, "period_interval"))
        except (TypeError, ValueError):
            raise Rejected(400, "invalid_parameters", "start_ts, end_ts, period_interval") from None
        if interval not in (1, 60, 1440):
            raise Rejected(400, "invalid_parameters", "period_interval must be 1, 60 or 1440")
        candles = [
            candle
            for candle in self._candles.get((ticker, historical), [])
            if start <= candle["end_period_ts"] <= end
        ]
        return 200, {"ticker": ticker, "candlesticks": candles}

    def _live_candles(self, query: dict, body: Any, series: str, ticker: str) -> Response:
        return self._candles_between(ticker, False, query)

    def _historical_candles(self, query: dict, body: Any, ticker: str) -> Response:
        return self._candles_between(ticker, True, query)

    def _get_cutoff(self, query: dict, body: Any) -> Response:
        cutoff = rfc3339(self.historical_cutoff.timestamp())
        return 200, {
            "market_settled_ts": cutoff,
            "trades_created_ts": cutoff,
            "orders_updated_ts": cutoff,
            "market_positions_last_updated_ts": cutoff,
        }

    # --- portfolio -----------------------------------------------------------------------

    def _get_balance(self, query: dict, body: Any) -> Response:
        cents = int((self.balance * 100).to_integral_value())
        held = sum((p.exposure for p in self._positions.values()), Decimal(0))
        return 200, {
            "balance": cents,
            "balance_dollars": dollars(self.balance),
            "portfolio_value": int((held * 100).to_integral_value()),
            "updated_ts": int(self.clock()),
        }

    def _list_positions(self, query: dict, body: Any) -> Response:
        positions = [
            {
                "ticker": ticker,
                "exchange_index": 0,
                "position_fp": contracts(p.position),
                "total_traded_dollars": dollars(p.total_traded),
                "market_exposure_dollars": dollars(p.exposure),
                "realized_pnl_dollars": dollars(Decimal(0)),
                "fees_paid_dollars": dollars(p.fees_paid),
                "last_updated_ts": p.last_updated,
            }
            for ticker, p in self._positions.items()
            if _param(query, "ticker") in (None, ticker)
        ]
        status, payload = self._page(positions, query, "market_positions")
        return status, payload | {"event_positions": []}

    def _list_orders(self, query: dict, body: Any) -> Response:
        orders = [
            order.to_json()
            for order in self.orders.values()
            if _param(query, "ticker") in (None, order.ticker)
            and _param(query, "status") in (None, order.status)
        ]
        return self._page(orders, query, "orders")

    def _get_order(self, query: dict, body: Any, order_id: str) -> Response:
        return 200, {"order": self._order(order_id).to_json()}

    def _list_fills(self, query: dict, body: Any) -> Response:
        fills = [
            fill
            for fill in self.fills
            if _param(query, "ticker") in (None, fill["ticker"])
            and _param(query, "order_id") in (None, fill["order_id"])
        ]
        return self._page(fills, query, "fills")

    def _list_settlements(self, query: dict, body: Any) -> Response:
        return self._page(self.settlements, query, "settlements")

    # --- order entry ---------------------------------------------------------------------

    def _order(self, order_id: str) -> FakeOrder:
        if order_id not in self.orders:
            raise Rejected(404, "not_found", f"order {order_id} not found")
        return self.orders[order_id]

    def _create_order(self, query: dict, body: Any) -> Response:
        order = self._place(body)
        return 201, {
            "order_id": order.order_id,
            "client_order_id": order.client_order_id,
            **order.fill_summary(),
            "ts_ms": self._now_ms(),
        }

    def _batch_create(self, query: dict, body: Any) -> Response:
        if not isinstance(body, dict) or not isinstance(body.get("orders"), list):
            raise Rejected(400, "invalid_parameters", "body needs an 'orders' list")
        results = []
        for item in body["orders"]:
            client_order_id = item.get("client_order_id") if isinstance(item, dict) else None
            try:
                order = self._place(item)
            except Rejected as rejection:
                results.append(
                    {
                        "order_id": None,
                        "client_order_id": client_order_id,
                        "error": {"code": rejection.code, "message": str(rejection)},
                    }
                )
                continue
            results.append(
                {
                    "order_id": order.order_id,
                    "client_order_id": order.client_order_id,
                    **order.fill_summary(),
                    "error": None,
                }
            )
        return 201, {"orders": results}

    def _place(self, body: Any) -> FakeOrder:
        """Validate a CreateOrderV2Request, match it against the book, keep what rests."""
        validate_create_body(body)
        ticker = body["ticker"]
        if ticker not in self._markets:
            raise Rejected(404, "market_not_found", f"market {ticker} not found")
        if any(o.client_order_id == body["client_order_id"] for o in self.orders.values()):
            raise Rejected(409, "order_already_exists", "client_order_id already used")
        side, price, count = body["side"], Decimal(body["price"]), Decimal(body["count"])
        if body.get("post_only") and self._crossable(ticker, side, price):
            raise Rejected(400, "post_only_cross", "post-only order would cross the book")
        collateral = count * (price if side == "bid" else ONE - price)
        if collateral > self.balance:
            raise Rejected(400, "insufficient_balance", "insufficient balance")
        order = FakeOrder(
            order_id=f"ord-{len(self.orders) + 1}",
            client_order_id=body["client_order_id"],
            ticker=ticker,
            side=side,
            price=price,
            initial_count=count,
            remaining_count=count,
            time_in_force=body["time_in_force"],
            self_trade_prevention_type=body["self_trade_prevention_type"],
            expiration_time=body.get("expiration_time"),
            created_time=rfc3339(self.market_clock()),
        )
        self.orders[order.order_id] = order
        fill_or_kill = order.time_in_force == "fill_or_kill"
        if not fill_or_kill or self._crossable(ticker, side, price) >= count:
            self._match(order)
        if order.time_in_force != "good_till_canceled" and order.remaining_count:
            order.remaining_count = Decimal(0)
            order.status = "canceled"
        return order

    def _crossable(self, ticker: str, side: str, price: Decimal) -> Decimal:
        """Contracts available at or better than ``price`` for an order on ``side``."""
        book = self._books.get(ticker, Book())
        if side == "bid":  # buying YES hits NO bids at YES price 1 − no_price
            return sum((c for p, c in book.no if ONE - p <= price), Decimal(0))
        return sum((c for p, c in book.yes if p >= price), Decimal(0))

    def _match(self, order: FakeOrder) -> None:
        """Take liquidity best level first, at the resting bid's price; partial fills rest."""
        book = self._books.get(order.ticker, Book())
        levels = book.no if order.side == "bid" else book.yes
        while order.remaining_count and levels:
            level_price, level_count = levels[-1]
            yes_price = ONE - level_price if order.side == "bid" else level_price
            if (order.side == "bid" and yes_price > order.price) or (
                order.side == "ask" and yes_price < order.price
            ):
                break
            taken = min(order.remaining_count, level_count)
            self._fill(order, taken, yes_price)
            if taken == level_count:
                levels.pop()
            else:
                levels[-1] = (level_price, level_count - taken)
        if order.remaining_count == 0:
            order.status = "executed"

    def trade_against(self, order_id: str, count: str | Decimal) -> None:
        """A counterparty takes ``count`` contracts of a resting order at its price."""
        with self._lock:
            order = self._resting(order_id)
            self._fill(order, Decimal(count), order.price, maker=True)
            if order.remaining_count == 0:
                order.status = "executed"

    def _fill(
        self, order: FakeOrder, count: Decimal, yes_price: Decimal, *, maker: bool = False
    ) -> None:
        series = self._series.get(self._series_of(self._markets[order.ticker]), {})
        multiplier = Decimal(str(series.get("fee_multiplier", 1)))
        fee = taker_fee(count, yes_price, multiplier)
        if maker:  # reference §6: makers pay a quarter of the taker rate, on those series only
            charged = series.get("fee_type") == "quadratic_with_maker_fees"
            raw = multiplier * MAKER_FEE_RATE * count * yes_price * (ONE - yes_price)
            fee = raw.quantize(CENT, rounding=ROUND_CEILING) if charged else Decimal(0)
        cost = count * (yes_price if order.side == "bid" else ONE - yes_price)
        order.fill_count += count
        order.remaining_count -= count
        if maker:
            order.maker_fill_cost += cost
            order.maker_fees += fee
        else:
            order.fill_cost += cost
            order.fees += fee
        order.yes_price_volume += count * yes_price
        self.balance -= cost + fee
        now = rfc3339(self.market_clock())
        position = self._positions.setdefault(order.ticker, FakePosition())
        position.position += count if order.side == "bid" else -count
        position.total_traded += count * yes_price
        position.exposure += cost
        position.fees_paid += fee
        position.last_updated = now
        fill_id = f"fill-{len(self.fills) + 1}"
        self.fills.append(
            {
                "fill_id": fill_id,
                "trade_id": fill_id,
                "order_id": order.order_id,
                "ticker": order.ticker,
                "market_ticker": order.ticker,
                "outcome_side": "yes" if order.side == "bid" else "no",
                "book_side": order.side,
                "count_fp": contracts(count),
                "yes_price_dollars": dollars(yes_price),
                "no_price_dollars": dollars(ONE - yes_price),
                "is_taker": not maker,
                "fee_cost": dollars(fee),
                "created_time": now,
                "ts": int(self.market_clock()),
                "exchange_index": 0,
                "subaccount_number": 0,
            }
        )

    def _resting(self, order_id: str) -> FakeOrder:
        order = self._order(order_id)
        if order.status != "resting":
            raise Rejected(400, "order_not_resting", f"order {order_id} is {order.status}")
        return order

    def _amend(self, query: dict, body: Any, order_id: str) -> Response:
        order = self._resting(order_id)
        if not isinstance(body, dict):
            raise Rejected(400, "invalid_parameters", "body must be a JSON object")
        if body.get("ticker") != order.ticker or body.get("side") != order.side:
            raise Rejected(400, "invalid_parameters", "ticker and side must match the order")
        price = _checked_price(body.get("price"))
        count = _checked_count(body.get("count"), "count")
        if count <= order.fill_count:
            raise Rejected(400, "invalid_parameters", "count must exceed the filled count")
        order.price = price
        order.initial_count = count
        order.remaining_count = count - order.fill_count
        if body.get("updated_client_order_id"):
            order.client_order_id = body["updated_client_order_id"]
        self._match(order)
        return 200, {"order_id": order.order_id, **order.fill_summary(), "ts_ms": self._now_ms()}

    def _decrease(self, query: dict, body: Any, order_id: str) -> Response:
        order = self._resting(order_id)
        if not isinstance(body, dict) or ("reduce_by" in body) == ("reduce_to" in body):
            raise Rejected(400, "invalid_parameters", "give exactly one of reduce_by/reduce_to")
        if "reduce_by" in body:
            target = order.remaining_count - _checked_count(body["reduce_by"], "reduce_by")
        else:
            target = _checked_count(body["reduce_to"], "reduce_to", allow_zero=True)
        if not 0 <= target <= order.remaining_count:
            raise Rejected(400, "invalid_parameters", "cannot decrease below zero or increase")
        order.remaining_count = target
        if target == 0:
            order.status = "canceled"
        return 200, {
            "order_id": order.order_id,
            "remaining_count": contracts(target),
            "ts_ms": self._now_ms(),
        }

    def _cancel(self, query: dict, body: Any, order_id: str) -> Response:
        order = self._resting(order_id)
        reduced_by = order.remaining_count
        order.remaining_count = Decimal(0)
        order.status = "canceled"
        return 200, {
            "order_id": order.order_id,
            "client_order_id": order.client_order_id,
            "reduced_by": contracts(reduced_by),
            "ts_ms": self._now_ms(),
        }


def validate_create_body(body: Any) -> None:
    """Raise ``Rejected`` unless ``body`` is a valid CreateOrderV2Request (reference §3.3)."""
    if not isinstance(body, dict):
        raise Rejected(400, "invalid_parameters", "body must be a JSON object")
    v1_fields = sorted(V1_ONLY_FIELDS & body.keys())
    if v1_fields:
        raise Rejected(400, "invalid_parameters", f"V1 order fields not accepted: {v1_fields}")
    unknown = sorted(body.keys() - set(CREATE_REQUIRED) - CREATE_OPTIONAL)
    if unknown:
        raise Rejected(400, "invalid_parameters", f"unknown fields: {unknown}")
    missing = [name for name in CREATE_REQUIRED if body.get(name) in (None, "")]
    if missing:
        raise Rejected(400, "missing_parameters", f"missing required fields: {missing}")
    for name in ("ticker", "client_order_id"):
        if not isinstance(body[name], str):
            raise Rejected(400, "invalid_parameters", f"{name} must be a string")
    for name, allowed in (
        ("side", {"bid", "ask"}),
        ("time_in_force", TIMES_IN_FORCE),
        ("self_trade_prevention_type", SELF_TRADE_PREVENTION),
    ):
        if body[name] not in allowed:
            raise Rejected(400, "invalid_parameters", f"{name} must be one of {sorted(allowed)}")
    _checked_price(body["price"])
    _checked_count(body["count"], "count")
    for flag in ("post_only", "reduce_only", "cancel_order_on_pause"):
        if flag in body and not isinstance(body[flag], bool):
            raise Rejected(400, "invalid_parameters", f"{flag} must be a boolean")
    if "expiration_time" in body:
        if not isinstance(body["expiration_time"], int):
            raise Rejected(400, "invalid_parameters", "expiration_time must be an integer")
        if body["time_in_force"] != "good_till_canceled":
            raise Rejected(400, "invalid_parameters", "expiration_time needs good_till_canceled")
    if body.get("reduce_only") and body["time_in_force"] != "immediate_or_cancel":
        raise Rejected(400, "invalid_parameters", "reduce_only needs immediate_or_cancel")


def _checked_price(value: Any) -> Decimal:
    """FixedPointDollars in a request: a string with 2–4 decimals, strictly inside (0, 1)."""
    if not isinstance(value, str) or not PRICE_PATTERN.fullmatch(value) or not Decimal(value):
        raise Rejected(400, "invalid_parameters", f"price must be '0.01'..'0.9999': {value!r}")
    return Decimal(value)


def _checked_count(value: Any, name: str, *, allow_zero: bool = False) -> Decimal:
    """FixedPointCount in a request: a string with 0–2 decimals."""
    if not isinstance(value, str) or not COUNT_PATTERN.fullmatch(value):
        raise Rejected(400, "invalid_parameters", f"{name} must be a count string: {value!r}")
    count = Decimal(value)
    if count == 0 and not allow_zero:
        raise Rejected(400, "invalid_parameters", f"{name} must be positive")
    return count


def _param(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _error(status: int, code: str, message: str) -> Response:
    return status, {"code": code, "message": message, "details": ""}


def _code_for(status: int) -> str:
    return HTTPStatus(status).phrase.lower().replace(" ", "_")


def _write(
    handler: BaseHTTPRequestHandler, status: int, payload: Any, retry_after: float | None = None
) -> None:
    if isinstance(payload, bytes | str):
        data = payload.encode() if isinstance(payload, str) else payload
    else:
        data = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    if retry_after is not None:
        handler.send_header("Retry-After", str(retry_after))
    handler.end_headers()
    handler.wfile.write(data)


class _Handler(BaseHTTPRequestHandler):
    exchange: FakeKalshiExchange

    def do_GET(self) -> None:
        self.exchange.handle(self)

    do_POST = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""
