"""Typed views of Kalshi Trade API v2 payloads, in their 2026 shape (reference §3–§4).

Kalshi sends money and prices as ``*_dollars`` fixed-point strings and counts as ``*_fp``
strings; the integer cents/count fields are gone. Everything numeric here is ``Decimal``
parsed from those strings, so fees and P&L reconcile to the cent. A missing or malformed
required field raises ``KalshiResponseError`` naming the model and field, rather than leaking
a ``KeyError`` from deep inside a pipeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, NamedTuple, get_args

from edge_dagster.core.prices import v2_order
from edge_dagster.kalshi.errors import KalshiResponseError

BookSide = Literal["bid", "ask"]
TimeInForce = Literal["fill_or_kill", "good_till_canceled", "immediate_or_cancel"]
SelfTradePrevention = Literal["taker_at_cross", "maker"]
Outcome = Literal["yes", "no"]
Action = Literal["buy", "sell"]

BOOK_SIDES: frozenset[str] = frozenset(get_args(BookSide))
TIMES_IN_FORCE: frozenset[str] = frozenset(get_args(TimeInForce))
SELF_TRADE_PREVENTION_TYPES: frozenset[str] = frozenset(get_args(SelfTradePrevention))

ONE_DOLLAR = Decimal(1)
PRICE_QUANTUM = Decimal("0.0001")
COUNT_QUANTUM = Decimal("0.01")
CENTS_PER_DOLLAR = Decimal(100)


class _Fields:
    """Reads typed fields out of one JSON object; errors name the model and the field."""

    def __init__(self, payload: Any, model: str) -> None:
        if not isinstance(payload, Mapping):
            raise KalshiResponseError(
                f"{model}: expected a JSON object, got {type(payload).__name__}"
            )
        self._payload = payload
        self._model = model

    def _fail(self, name: str, problem: str) -> KalshiResponseError:
        return KalshiResponseError(f"{self._model} field {name!r} {problem}")

    def _first(self, names: tuple[str, ...]) -> tuple[str, Any]:
        """The first of ``names`` present with a non-null value (live vs historical keys)."""
        for name in names:
            value = self._payload.get(name)
            if value is not None:
                return name, value
        return names[0], None

    def has(self, name: str) -> bool:
        return self._payload.get(name) is not None

    def raw(self, name: str) -> Any:
        return self._payload.get(name)

    def text(self, name: str) -> str:
        value = self.optional_text(name)
        if value is None:
            raise self._fail(name, "is missing")
        return value

    def optional_text(self, name: str) -> str | None:
        value = self._payload.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._fail(name, f"is not a string: {value!r}")
        return value

    def text_or_empty(self, name: str) -> str:
        return self.optional_text(name) or ""

    def decimal(self, *names: str) -> Decimal:
        value = self.optional_decimal(*names)
        if value is None:
            raise self._fail(" / ".join(names), "is missing")
        return value

    def optional_decimal(self, *names: str) -> Decimal | None:
        name, value = self._first(names)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise self._fail(name, f"is not a number: {value!r}")
        try:
            parsed = value if isinstance(value, Decimal) else Decimal(str(value))
        except InvalidOperation:
            raise self._fail(name, f"is not a number: {value!r}") from None
        if not parsed.is_finite():
            raise self._fail(name, f"is not finite: {value!r}")
        return parsed

    def cents_as_dollars(self, name: str) -> Decimal | None:
        """Integer-cents fields that survived the 2026 migration (settlement revenue/value)."""
        cents = self.optional_decimal(name)
        return None if cents is None else cents / CENTS_PER_DOLLAR

    def integer(self, name: str) -> int:
        value = self.optional_integer(name)
        if value is None:
            raise self._fail(name, "is missing")
        return value

    def optional_integer(self, name: str) -> int | None:
        value = self._payload.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(name, f"is not an integer: {value!r}")
        return value

    def boolean(self, name: str) -> bool:
        value = self._payload.get(name)
        if not isinstance(value, bool):
            raise self._fail(name, f"is not a boolean: {value!r}")
        return value

    def timestamp(self, name: str) -> datetime:
        value = self.optional_timestamp(name)
        if value is None:
            raise self._fail(name, "is missing")
        return value

    def optional_timestamp(self, name: str) -> datetime | None:
        """RFC 3339 string or Unix seconds, as an aware UTC datetime; "" counts as absent."""
        value = self._payload.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, UTC)
        if not isinstance(value, str):
            raise self._fail(name, f"is not a timestamp: {value!r}")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise self._fail(name, f"is not an RFC 3339 timestamp: {value!r}") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def objects(self, name: str) -> list[Any]:
        """A JSON array; null and absent both mean empty."""
        value = self._payload.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._fail(name, f"is not a list: {value!r}")
        return value


def _choice(value: str, allowed: frozenset[str], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {sorted(allowed)}, got {value!r}")
    return value


def validate_price(price: Decimal) -> Decimal:
    """A YES price strictly inside (0, 1) with at most 4 decimals (requests accept 2–4)."""
    if not isinstance(price, Decimal):
        raise TypeError(f"price must be a Decimal, got {type(price).__name__}")
    if not Decimal(0) < price < ONE_DOLLAR:
        raise ValueError(f"price must be strictly between 0 and 1, got {price}")
    if price != price.quantize(PRICE_QUANTUM):
        raise ValueError(f"price has more than 4 decimals: {price}")
    return price


def validate_count(count: Decimal | int) -> Decimal:
    """A positive contract count with at most 2 decimals (fractional trading granularity)."""
    if isinstance(count, bool) or not isinstance(count, Decimal | int):
        raise TypeError(f"count must be a Decimal or int, got {type(count).__name__}")
    count = Decimal(count)
    if count <= 0:
        raise ValueError(f"count must be positive, got {count}")
    if count != count.quantize(COUNT_QUANTUM):
        raise ValueError(f"count has more than 2 decimals: {count}")
    return count


def validate_book_side(side: str) -> str:
    return _choice(side, BOOK_SIDES, "side")


def format_price(price: Decimal) -> str:
    """Dollar string as the V2 endpoints want it: 4 decimals, e.g. ``"0.2100"``."""
    return f"{validate_price(price):.4f}"


def format_count(count: Decimal | int) -> str:
    """Contract count string: 2 decimals, e.g. ``"5.00"``."""
    return f"{validate_count(count):.2f}"


# --- market data -------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """A series; its fee type and multiplier drive the fee model."""

    ticker: str
    title: str
    frequency: str
    fee_type: str
    fee_multiplier: Decimal

    @classmethod
    def from_json(cls, payload: Any) -> Series:
        fields = _Fields(payload, "Series")
        return cls(
            ticker=fields.text("ticker"),
            title=fields.text_or_empty("title"),
            frequency=fields.text_or_empty("frequency"),
            fee_type=fields.text("fee_type"),
            fee_multiplier=fields.decimal("fee_multiplier"),
        )


class PriceRange(NamedTuple):
    """A band of valid prices and its tick size (``price_ranges`` entry)."""

    start: Decimal
    end: Decimal
    step: Decimal


@dataclass(frozen=True)
class Market:
    """One binary/scalar contract with its top of book and strike definition."""

    ticker: str
    event_ticker: str
    market_type: str
    title: str
    yes_sub_title: str
    status: str
    strike_type: str | None
    floor_strike: Decimal | None
    cap_strike: Decimal | None
    yes_bid: Decimal
    yes_ask: Decimal
    no_bid: Decimal
    no_ask: Decimal
    yes_bid_size: Decimal
    yes_ask_size: Decimal
    last_price: Decimal
    volume: Decimal
    open_interest: Decimal
    open_time: datetime | None
    close_time: datetime
    result: str
    settlement_value: Decimal | None
    price_ranges: tuple[PriceRange, ...]
    rules_primary: str
    settlement_ts: datetime | None = None
    expiration_value: str = ""
    """The settled value as Kalshi prints it (TSA: the weekly average, e.g. ``"2256506"``)."""

    @classmethod
    def from_json(cls, payload: Any) -> Market:
        fields = _Fields(payload, "Market")
        ranges = []
        for entry in fields.objects("price_ranges"):
            band = _Fields(entry, "Market.price_ranges[]")
            ranges.append(
                PriceRange(band.decimal("start"), band.decimal("end"), band.decimal("step"))
            )
        return cls(
            ticker=fields.text("ticker"),
            event_ticker=fields.text("event_ticker"),
            market_type=fields.text_or_empty("market_type"),
            title=fields.text_or_empty("title"),
            yes_sub_title=fields.text_or_empty("yes_sub_title"),
            status=fields.text("status"),
            strike_type=fields.optional_text("strike_type"),
            floor_strike=fields.optional_decimal("floor_strike"),
            cap_strike=fields.optional_decimal("cap_strike"),
            yes_bid=fields.decimal("yes_bid_dollars"),
            yes_ask=fields.decimal("yes_ask_dollars"),
            no_bid=fields.decimal("no_bid_dollars"),
            no_ask=fields.decimal("no_ask_dollars"),
            yes_bid_size=fields.decimal("yes_bid_size_fp"),
            yes_ask_size=fields.decimal("yes_ask_size_fp"),
            last_price=fields.decimal("last_price_dollars"),
            volume=fields.decimal("volume_fp"),
            open_interest=fields.decimal("open_interest_fp"),
            open_time=fields.optional_timestamp("open_time"),
            close_time=fields.timestamp("close_time"),
            result=fields.text_or_empty("result"),
            settlement_value=fields.optional_decimal("settlement_value_dollars"),
            price_ranges=tuple(ranges),
            rules_primary=fields.text_or_empty("rules_primary"),
            settlement_ts=fields.optional_timestamp("settlement_ts"),
            expiration_value=fields.text_or_empty("expiration_value"),
        )


@dataclass(frozen=True)
class Event:
    """An event (one date of a series) and, when requested, its markets."""

    event_ticker: str
    series_ticker: str
    title: str
    sub_title: str
    markets: tuple[Market, ...] = ()

    @classmethod
    def from_json(cls, payload: Any, fallback_markets: list[Any] | None = None) -> Event:
        """``fallback_markets``: the deprecated top-level ``markets`` of ``GET /events/{t}``."""
        fields = _Fields(payload, "Event")
        market_payloads = fields.objects("markets") if fields.has("markets") else None
        if market_payloads is None:
            market_payloads = fallback_markets or []
        return cls(
            event_ticker=fields.text("event_ticker"),
            series_ticker=fields.text("series_ticker"),
            title=fields.text_or_empty("title"),
            sub_title=fields.text_or_empty("sub_title"),
            markets=tuple(Market.from_json(market) for market in market_payloads),
        )


class BookLevel(NamedTuple):
    """One price level: YES/NO price in dollars and the resting contract count."""

    price: Decimal
    count: Decimal


def _book_levels(levels: list[Any], name: str) -> tuple[BookLevel, ...]:
    parsed = []
    for level in levels:
        if not (isinstance(level, list) and len(level) == 2):
            raise KalshiResponseError(f"Orderbook field {name!r} has a malformed level: {level!r}")
        pair = _Fields({"price": level[0], "count": level[1]}, f"Orderbook.{name}[]")
        parsed.append(BookLevel(pair.decimal("price"), pair.decimal("count")))
    return tuple(sorted(parsed))


@dataclass(frozen=True)
class Orderbook:
    """Bids only, as Kalshi publishes them; asks are implied by the other side's bids.

    Levels are ascending by price (the API's order), so the best bid is the last level.
    """

    ticker: str
    yes_bids: tuple[BookLevel, ...]
    no_bids: tuple[BookLevel, ...]

    @classmethod
    def from_json(cls, ticker: str, payload: Any) -> Orderbook:
        book = _Fields(_Fields(payload, "Orderbook").raw("orderbook_fp"), "Orderbook.orderbook_fp")
        return cls(
            ticker=ticker,
            yes_bids=_book_levels(book.objects("yes_dollars"), "yes_dollars"),
            no_bids=_book_levels(book.objects("no_dollars"), "no_dollars"),
        )

    @property
    def best_yes_bid(self) -> BookLevel | None:
        return self.yes_bids[-1] if self.yes_bids else None

    @property
    def best_no_bid(self) -> BookLevel | None:
        return self.no_bids[-1] if self.no_bids else None

    @property
    def yes_ask(self) -> BookLevel | None:
        """Buying YES means hitting the best NO bid: price 1 − that bid, its size."""
        best = self.best_no_bid
        return None if best is None else BookLevel(ONE_DOLLAR - best.price, best.count)

    @property
    def no_ask(self) -> BookLevel | None:
        """Buying NO means hitting the best YES bid: price 1 − that bid, its size."""
        best = self.best_yes_bid
        return None if best is None else BookLevel(ONE_DOLLAR - best.price, best.count)


@dataclass(frozen=True)
class QuoteOhlc:
    """Open/low/high/close of the YES bid or YES ask over a candle."""

    open: Decimal
    low: Decimal
    high: Decimal
    close: Decimal


@dataclass(frozen=True)
class TradePrices:
    """Trade prices over a candle; all None when nothing traded."""

    open: Decimal | None
    low: Decimal | None
    high: Decimal | None
    close: Decimal | None
    mean: Decimal | None
    previous: Decimal | None


def _dollar_keys(name: str) -> tuple[str, str]:
    """Live candles say ``open_dollars``; historical ones say ``open``."""
    return f"{name}_dollars", name


@dataclass(frozen=True)
class MarketCandlestick:
    """One candlestick, from either the live or the historical endpoint."""

    end_period_ts: int
    yes_bid: QuoteOhlc
    yes_ask: QuoteOhlc
    price: TradePrices
    volume: Decimal
    open_interest: Decimal

    @classmethod
    def from_json(cls, payload: Any) -> MarketCandlestick:
        fields = _Fields(payload, "MarketCandlestick")

        def quotes(name: str) -> QuoteOhlc:
            quote = _Fields(fields.raw(name), f"MarketCandlestick.{name}")
            return QuoteOhlc(
                *(quote.decimal(*_dollar_keys(part)) for part in ("open", "low", "high", "close"))
            )

        trades = _Fields(fields.raw("price") or {}, "MarketCandlestick.price")
        return cls(
            end_period_ts=fields.integer("end_period_ts"),
            yes_bid=quotes("yes_bid"),
            yes_ask=quotes("yes_ask"),
            price=TradePrices(
                *(
                    trades.optional_decimal(*_dollar_keys(part))
                    for part in ("open", "low", "high", "close", "mean", "previous")
                )
            ),
            volume=fields.decimal("volume_fp", "volume"),
            open_interest=fields.decimal("open_interest_fp", "open_interest"),
        )


@dataclass(frozen=True)
class HistoricalCutoff:
    """Boundary between live and archived data (``GET /historical/cutoff``)."""

    market_settled_ts: datetime
    trades_created_ts: datetime | None
    orders_updated_ts: datetime | None

    @classmethod
    def from_json(cls, payload: Any) -> HistoricalCutoff:
        fields = _Fields(payload, "HistoricalCutoff")
        return cls(
            market_settled_ts=fields.timestamp("market_settled_ts"),
            trades_created_ts=fields.optional_timestamp("trades_created_ts"),
            orders_updated_ts=fields.optional_timestamp("orders_updated_ts"),
        )


# --- portfolio ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    """Cash and portfolio value in dollars."""

    balance: Decimal
    portfolio_value: Decimal | None
    updated_ts: int | None

    @classmethod
    def from_json(cls, payload: Any) -> Balance:
        fields = _Fields(payload, "Balance")
        balance = fields.optional_decimal("balance_dollars")
        if balance is None:
            balance = fields.cents_as_dollars("balance")
        if balance is None:
            raise KalshiResponseError("Balance field 'balance_dollars' is missing")
        return cls(
            balance=balance,
            portfolio_value=fields.cents_as_dollars("portfolio_value"),
            updated_ts=fields.optional_integer("updated_ts"),
        )


@dataclass(frozen=True)
class ExchangeOrder:
    """An order as ``GET /portfolio/orders`` reports it; prices are YES/NO dollars."""

    order_id: str
    client_order_id: str | None
    ticker: str
    outcome_side: str
    book_side: str
    status: str
    yes_price: Decimal
    no_price: Decimal
    fill_count: Decimal
    remaining_count: Decimal
    initial_count: Decimal
    taker_fill_cost: Decimal
    maker_fill_cost: Decimal
    taker_fees: Decimal
    maker_fees: Decimal
    created_time: datetime | None
    last_update_time: datetime | None
    expiration_time: datetime | None

    @classmethod
    def from_json(cls, payload: Any) -> ExchangeOrder:
        fields = _Fields(payload, "ExchangeOrder")
        return cls(
            order_id=fields.text("order_id"),
            client_order_id=fields.optional_text("client_order_id") or None,
            ticker=fields.text("ticker"),
            outcome_side=fields.text("outcome_side"),
            book_side=fields.text("book_side"),
            status=fields.text("status"),
            yes_price=fields.decimal("yes_price_dollars"),
            no_price=fields.decimal("no_price_dollars"),
            fill_count=fields.decimal("fill_count_fp"),
            remaining_count=fields.decimal("remaining_count_fp"),
            initial_count=fields.decimal("initial_count_fp"),
            taker_fill_cost=fields.decimal("taker_fill_cost_dollars"),
            maker_fill_cost=fields.decimal("maker_fill_cost_dollars"),
            taker_fees=fields.decimal("taker_fees_dollars"),
            maker_fees=fields.decimal("maker_fees_dollars"),
            created_time=fields.optional_timestamp("created_time"),
            last_update_time=fields.optional_timestamp("last_update_time"),
            expiration_time=fields.optional_timestamp("expiration_time"),
        )


@dataclass(frozen=True)
class ExchangeFill:
    """One execution. Fills no longer carry client_order_id: join to orders by order_id."""

    fill_id: str
    order_id: str
    ticker: str
    outcome_side: str
    book_side: str
    count: Decimal
    yes_price: Decimal
    no_price: Decimal
    is_taker: bool
    fee_cost: Decimal
    created_time: datetime

    @classmethod
    def from_json(cls, payload: Any) -> ExchangeFill:
        fields = _Fields(payload, "ExchangeFill")
        return cls(
            fill_id=fields.text("fill_id" if fields.has("fill_id") else "trade_id"),
            order_id=fields.text("order_id"),
            ticker=fields.text("ticker" if fields.has("ticker") else "market_ticker"),
            outcome_side=fields.text("outcome_side"),
            book_side=fields.text("book_side"),
            count=fields.decimal("count_fp"),
            yes_price=fields.decimal("yes_price_dollars"),
            no_price=fields.decimal("no_price_dollars"),
            is_taker=fields.boolean("is_taker"),
            fee_cost=fields.decimal("fee_cost"),
            created_time=fields.timestamp("created_time"),
        )


@dataclass(frozen=True)
class MarketPosition:
    """Net position in one market: positive = YES contracts, negative = NO."""

    ticker: str
    position: Decimal
    total_traded: Decimal
    market_exposure: Decimal
    realized_pnl: Decimal
    fees_paid: Decimal
    last_updated: datetime | None

    @classmethod
    def from_json(cls, payload: Any) -> MarketPosition:
        fields = _Fields(payload, "MarketPosition")
        return cls(
            ticker=fields.text("ticker"),
            position=fields.decimal("position_fp"),
            total_traded=fields.decimal("total_traded_dollars"),
            market_exposure=fields.decimal("market_exposure_dollars"),
            realized_pnl=fields.decimal("realized_pnl_dollars"),
            fees_paid=fields.decimal("fees_paid_dollars"),
            last_updated=fields.optional_timestamp("last_updated_ts"),
        )


@dataclass(frozen=True)
class Settlement:
    """A settled position. ``revenue`` and ``value`` arrive as integer cents; held as dollars."""

    ticker: str
    event_ticker: str
    market_result: str
    yes_count: Decimal
    no_count: Decimal
    yes_total_cost: Decimal
    no_total_cost: Decimal
    revenue: Decimal
    fee_cost: Decimal
    value: Decimal | None
    settled_time: datetime

    @classmethod
    def from_json(cls, payload: Any) -> Settlement:
        fields = _Fields(payload, "Settlement")
        revenue = fields.cents_as_dollars("revenue")
        if revenue is None:
            raise KalshiResponseError("Settlement field 'revenue' is missing")
        return cls(
            ticker=fields.text("ticker"),
            event_ticker=fields.text("event_ticker"),
            market_result=fields.text("market_result"),
            yes_count=fields.decimal("yes_count_fp"),
            no_count=fields.decimal("no_count_fp"),
            yes_total_cost=fields.decimal("yes_total_cost_dollars"),
            no_total_cost=fields.decimal("no_total_cost_dollars"),
            revenue=revenue,
            fee_cost=fields.decimal("fee_cost"),
            value=fields.cents_as_dollars("value"),
            settled_time=fields.timestamp("settled_time"),
        )


# --- order entry (V2) --------------------------------------------------------------------


@dataclass(frozen=True)
class CreateOrderRequest:
    """Body of ``POST /portfolio/events/orders``. ``price`` is always the YES price.

    ``client_order_id`` is required because it is what makes a retried create safe: the
    client looks the order up by it before ever re-sending.
    """

    ticker: str
    side: BookSide
    count: Decimal
    price: Decimal
    client_order_id: str
    time_in_force: TimeInForce = "good_till_canceled"
    post_only: bool = False
    self_trade_prevention_type: SelfTradePrevention = "taker_at_cross"
    expiration_time: int | None = None
    reduce_only: bool = False

    def __post_init__(self) -> None:
        if not self.ticker:
            raise ValueError("ticker is required")
        if not self.client_order_id:
            raise ValueError("client_order_id is required")
        validate_book_side(self.side)
        _choice(self.time_in_force, TIMES_IN_FORCE, "time_in_force")
        _choice(
            self.self_trade_prevention_type,
            SELF_TRADE_PREVENTION_TYPES,
            "self_trade_prevention_type",
        )
        validate_price(self.price)
        object.__setattr__(self, "count", validate_count(self.count))
        if self.expiration_time is not None and self.time_in_force != "good_till_canceled":
            raise ValueError("expiration_time is only allowed with good_till_canceled")
        if self.reduce_only and self.time_in_force != "immediate_or_cancel":
            raise ValueError("reduce_only is only accepted with immediate_or_cancel")

    @classmethod
    def from_intent(
        cls,
        ticker: str,
        outcome: Outcome,
        action: Action,
        outcome_price: Decimal,
        count: Decimal | int,
        client_order_id: str,
        **options: Any,
    ) -> CreateOrderRequest:
        """Map "buy NO at q" style intents to the YES leg (reference §3.3 table)."""
        _choice(outcome, frozenset(get_args(Outcome)), "outcome")
        _choice(action, frozenset(get_args(Action)), "action")
        book_side, yes_price = v2_order(outcome, action, outcome_price)
        return cls(
            ticker=ticker,
            side=book_side,
            count=count,
            price=yes_price,
            client_order_id=client_order_id,
            **options,
        )

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ticker": self.ticker,
            "client_order_id": self.client_order_id,
            "side": self.side,
            "count": format_count(self.count),
            "price": format_price(self.price),
            "time_in_force": self.time_in_force,
            "self_trade_prevention_type": self.self_trade_prevention_type,
            "post_only": self.post_only,
        }
        if self.expiration_time is not None:
            body["expiration_time"] = self.expiration_time
        if self.reduce_only:
            body["reduce_only"] = True
        return body


@dataclass(frozen=True)
class OrderAck:
    """What a V2 create returns. Averages are None when nothing filled or when the ack was
    rebuilt from an order lookup after an uncertain response (``ts_ms`` is None then too)."""

    order_id: str
    client_order_id: str | None
    fill_count: Decimal
    remaining_count: Decimal
    average_fill_price: Decimal | None = None
    average_fee_paid: Decimal | None = None
    ts_ms: int | None = None

    @classmethod
    def from_json(cls, payload: Any) -> OrderAck:
        fields = _Fields(payload, "OrderAck")
        return cls(
            order_id=fields.text("order_id"),
            client_order_id=fields.optional_text("client_order_id") or None,
            fill_count=fields.decimal("fill_count"),
            remaining_count=fields.decimal("remaining_count"),
            average_fill_price=fields.optional_decimal("average_fill_price"),
            average_fee_paid=fields.optional_decimal("average_fee_paid"),
            ts_ms=fields.optional_integer("ts_ms"),
        )

    @classmethod
    def from_order(cls, order: ExchangeOrder) -> OrderAck:
        return cls(
            order_id=order.order_id,
            client_order_id=order.client_order_id,
            fill_count=order.fill_count,
            remaining_count=order.remaining_count,
        )


@dataclass(frozen=True)
class CancelAck:
    """What a V2 cancel returns. ``reduced_by`` is None when the cancel was confirmed by
    looking the order up after an uncertain response."""

    order_id: str
    client_order_id: str | None
    reduced_by: Decimal | None
    ts_ms: int | None

    @classmethod
    def from_json(cls, payload: Any) -> CancelAck:
        fields = _Fields(payload, "CancelAck")
        return cls(
            order_id=fields.text("order_id"),
            client_order_id=fields.optional_text("client_order_id") or None,
            reduced_by=fields.decimal("reduced_by"),
            ts_ms=fields.optional_integer("ts_ms"),
        )


@dataclass(frozen=True)
class AmendAck:
    """What a V2 amend returns."""

    order_id: str
    remaining_count: Decimal | None
    fill_count: Decimal | None
    average_fill_price: Decimal | None
    ts_ms: int | None

    @classmethod
    def from_json(cls, payload: Any) -> AmendAck:
        fields = _Fields(payload, "AmendAck")
        return cls(
            order_id=fields.text("order_id"),
            remaining_count=fields.optional_decimal("remaining_count"),
            fill_count=fields.optional_decimal("fill_count"),
            average_fill_price=fields.optional_decimal("average_fill_price"),
            ts_ms=fields.optional_integer("ts_ms"),
        )


@dataclass(frozen=True)
class DecreaseAck:
    """What a V2 decrease returns."""

    order_id: str
    remaining_count: Decimal
    ts_ms: int | None

    @classmethod
    def from_json(cls, payload: Any) -> DecreaseAck:
        fields = _Fields(payload, "DecreaseAck")
        return cls(
            order_id=fields.text("order_id"),
            remaining_count=fields.decimal("remaining_count"),
            ts_ms=fields.optional_integer("ts_ms"),
        )


@dataclass(frozen=True)
class BatchOrderResult:
    """One item of a batch create: an ack, or the exchange's per-item error."""

    client_order_id: str | None
    ack: OrderAck | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def ok(self) -> bool:
        return self.ack is not None

    @classmethod
    def from_json(cls, payload: Any) -> BatchOrderResult:
        fields = _Fields(payload, "BatchOrderResult")
        client_order_id = fields.optional_text("client_order_id") or None
        error = fields.raw("error")
        if error is not None:
            error_fields = _Fields(error, "BatchOrderResult.error")
            return cls(
                client_order_id=client_order_id,
                error_code=error_fields.optional_text("code"),
                error_message=error_fields.optional_text("message"),
            )
        return cls(client_order_id=client_order_id, ack=OrderAck.from_json(payload))
