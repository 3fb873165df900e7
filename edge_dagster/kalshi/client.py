"""Thin, typed client for the Kalshi Trade API v2 (2026 shape, V2 order endpoints).

Reads retry with exponential backoff and jitter on 429/5xx/connection errors. Writes are never
re-sent blindly: after a 5xx or a lost connection the client first establishes whether the
exchange applied the write (create: look the order up by ``client_order_id``; cancel: look the
order up by id) and re-sends only when it did not. Writes without such a lookup (amend,
decrease, batch) raise instead, so the caller reconciles.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import requests

from edge_dagster.kalshi.errors import (
    AUTH_FAILURE_HINT,
    KalshiAuthError,
    KalshiConnectionError,
    KalshiError,
    KalshiRateLimitError,
    KalshiRequestError,
    KalshiResponseError,
    KalshiServerError,
    parse_error_body,
)
from edge_dagster.kalshi.models import (
    AmendAck,
    Balance,
    BatchOrderResult,
    BookSide,
    CancelAck,
    CreateOrderRequest,
    DecreaseAck,
    Event,
    ExchangeFill,
    ExchangeOrder,
    HistoricalCutoff,
    Market,
    MarketCandlestick,
    MarketPosition,
    OrderAck,
    Orderbook,
    Series,
    Settlement,
    format_count,
    format_price,
    validate_book_side,
)
from edge_dagster.kalshi.rate_limit import TokenBucket
from edge_dagster.kalshi.signing import (
    API_PATH_PREFIX,
    KalshiPrivateKey,
    load_private_key,
    sign_headers,
)

PRODUCTION_BASE_URL = "https://external-api.kalshi.com/trade-api/v2"
DEMO_BASE_URL = "https://external-api.demo.kalshi.co/trade-api/v2"

CANDLE_INTERVALS_MINUTES = frozenset({1, 60, 1440})
# Largest page each list endpoint allows (reference §5): fewer round trips, fewer tokens.
MARKETS_PAGE_LIMIT = 1000
EVENTS_PAGE_LIMIT = 200
PORTFOLIO_PAGE_LIMIT = 1000
# Kalshi charges 10 tokens per request by default; these endpoints cost 2 (reference §5).
CHEAP_REQUEST_COST = 0.2
# A create whose 409 points at one of these is the same order sent twice, not a conflict.
ORDER_STATUSES_ACCEPTED_ON_CONFLICT = frozenset({"resting", "executed"})

_TRANSPORT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)

T = TypeVar("T")


def _path(*segments: str) -> str:
    """An API path with every segment percent-encoded, so what we sign is what is sent."""
    return "".join("/" + quote(segment, safe="") for segment in segments)


def _query(**params: Any) -> dict[str, Any]:
    """Drop unset parameters; render booleans the way Kalshi expects."""
    query: dict[str, Any] = {}
    for name, value in params.items():
        if value is None:
            continue
        query[name] = ("true" if value else "false") if isinstance(value, bool) else value
    return query


def _member(payload: Any, key: str) -> Any:
    if not isinstance(payload, dict) or payload.get(key) is None:
        raise KalshiResponseError(f"response has no {key!r}")
    return payload[key]


def _list_member(payload: Any, key: str) -> list[Any]:
    """A list field of a response; null means empty."""
    if not isinstance(payload, dict) or key not in payload:
        raise KalshiResponseError(f"response has no {key!r}")
    items = payload[key]
    if items is None:
        return []
    if not isinstance(items, list):
        raise KalshiResponseError(f"response field {key!r} is not a list")
    return items


def _retry_after_seconds(response: requests.Response) -> float | None:
    """Retry-After in seconds; HTTP-date values are ignored (Kalshi sends seconds if anything)."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class KalshiClient:
    """Kalshi Trade API v2 over ``requests``; signs every request when credentials are given.

    ``base_url`` includes ``/trade-api/v2`` (see ``PRODUCTION_BASE_URL``/``DEMO_BASE_URL``);
    API keys are per environment. Public market data works without credentials. Rates are in
    requests per second at Kalshi's default cost (Basic tier: 20 reads, 10 writes). ``clock``
    (wall time, for signing) and ``sleep`` are injectable for tests. Share one client per
    process or run; the token buckets are thread-safe.
    """

    def __init__(
        self,
        base_url: str,
        key_id: str | None = None,
        private_key: KalshiPrivateKey | bytes | str | None = None,
        *,
        reads_per_second: float = 20,
        writes_per_second: float = 10,
        max_attempts: int = 5,
        backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 30.0,
        timeout: float = 10.0,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        if not urlsplit(self._base_url).path.endswith(API_PATH_PREFIX):
            raise ValueError(f"base_url must end with {API_PATH_PREFIX}: {base_url}")
        if (key_id is None) != (private_key is None):
            raise ValueError("key_id and private_key must be given together")
        if isinstance(private_key, bytes | str):
            private_key = load_private_key(private_key)
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._key_id = key_id
        self._private_key = private_key
        self._max_attempts = max_attempts
        self._backoff_seconds = backoff_seconds
        self._max_backoff_seconds = max_backoff_seconds
        self._timeout = timeout
        self._owns_session = session is None
        self._session = session or requests.Session()
        self._clock = clock
        self._sleep = sleep
        self._jitter = random.Random()
        self._read_bucket = TokenBucket(reads_per_second, reads_per_second, sleep=sleep)
        self._write_bucket = TokenBucket(writes_per_second, writes_per_second, sleep=sleep)

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> KalshiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- transport -----------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
    ) -> requests.Response:
        url = self._base_url + path
        headers = {"Accept": "application/json"}
        if self._key_id is not None and self._private_key is not None:
            timestamp_ms = int(self._clock() * 1000)
            headers |= sign_headers(self._key_id, self._private_key, method, url, timestamp_ms)
        return self._session.request(
            method, url, params=params, json=body, headers=headers, timeout=self._timeout
        )

    def _signed_path(self, path: str) -> str:
        return urlsplit(self._base_url).path + path

    def _redact(self, text: str | None) -> str | None:
        """Keep the key id out of messages even if the exchange echoes it back."""
        if text is None or not self._key_id:
            return text
        return text.replace(self._key_id, "<key id>")

    def _decode(self, method: str, path: str, response: requests.Response) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json(parse_float=Decimal)
        except ValueError:
            raise KalshiResponseError(
                "response body is not valid JSON",
                method=method,
                path=self._signed_path(path),
                status=response.status_code,
            ) from None

    def _http_error(self, method: str, path: str, response: requests.Response) -> KalshiError:
        status = response.status_code
        where = {"method": method, "path": self._signed_path(path), "status": status}
        try:
            body = response.json()
        except ValueError:
            body = None
        code, message, details = parse_error_body(body)
        code, message, details = self._redact(code), self._redact(message), self._redact(details)
        exchange_said = f"exchange said {code or 'no code'}: {message or 'no message'}"
        if status == 401:
            return KalshiAuthError(f"{AUTH_FAILURE_HINT} ({exchange_said})", **where)
        if status == 429:
            return KalshiRateLimitError(f"rate limited ({exchange_said})", **where)
        if status >= 500:
            return KalshiServerError(f"server error ({exchange_said})", **where)
        return KalshiRequestError(code=code, error_message=message, details=details, **where)

    def _parsed(self, parse: Callable[[Any], T], payload: Any, method: str, path: str) -> T:
        """Run a model parser, adding the request to any KalshiResponseError it raises."""
        try:
            return parse(payload)
        except KalshiResponseError as exc:
            if exc.method is not None:
                raise
            raise KalshiResponseError(
                str(exc), method=method, path=self._signed_path(path)
            ) from exc

    def _backoff_delay(self, attempt: int, retry_after: float | None) -> float:
        """Retry-After when the exchange gives one, else exponential with jitter; capped."""
        if retry_after is not None:
            return min(retry_after, self._max_backoff_seconds)
        delay = min(self._backoff_seconds * 2 ** (attempt - 1), self._max_backoff_seconds)
        return delay * self._jitter.uniform(0.5, 1.0)

    def _transport_error(
        self, method: str, path: str, exc: Exception, attempt: int
    ) -> KalshiConnectionError:
        error = KalshiConnectionError(
            f"{type(exc).__name__} (attempt {attempt} of {self._max_attempts})",
            method=method,
            path=self._signed_path(path),
        )
        error.__cause__ = exc
        return error

    def _get_json(self, path: str, params: dict[str, Any] | None = None, cost: float = 1) -> Any:
        """GET with retries on 429, 5xx and connection errors; 401 and other 4xx raise at once."""
        failure: KalshiError | None = None
        retry_after: float | None = None
        for attempt in range(1, self._max_attempts + 1):
            if failure is not None:
                self._sleep(self._backoff_delay(attempt - 1, retry_after))
                retry_after = None
            self._read_bucket.acquire(cost)
            try:
                response = self._send("GET", path, params=params)
            except _TRANSPORT_ERRORS as exc:
                failure = self._transport_error("GET", path, exc, attempt)
                continue
            if response.status_code < 400:
                return self._decode("GET", path, response)
            failure = self._http_error("GET", path, response)
            if not isinstance(failure, KalshiRateLimitError | KalshiServerError):
                raise failure
            retry_after = _retry_after_seconds(response)
        assert failure is not None
        raise failure

    def _read(
        self,
        path: str,
        parse: Callable[[Any], T],
        params: dict[str, Any] | None = None,
        cost: float = 1,
    ) -> T:
        return self._parsed(parse, self._get_json(path, params, cost), "GET", path)

    def _paginate(
        self,
        path: str,
        item_key: str,
        parse_item: Callable[[Any], T],
        params: dict[str, Any],
        page_limit: int,
    ) -> list[T]:
        """Follow ``cursor`` until the exchange returns an empty one (the last page)."""
        items: list[T] = []
        cursor = ""
        seen_cursors: set[str] = set()
        while True:
            query = params | {"limit": page_limit} | ({"cursor": cursor} if cursor else {})
            payload = self._get_json(path, query)
            page = self._parsed(lambda body: _list_member(body, item_key), payload, "GET", path)
            items.extend(self._parsed(parse_item, entry, "GET", path) for entry in page)
            cursor = payload.get("cursor") or ""
            if not cursor:
                return items
            if cursor in seen_cursors:
                raise KalshiResponseError(
                    "pagination cursor repeated", method="GET", path=self._signed_path(path)
                )
            seen_cursors.add(cursor)

    def _write(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], T],
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        cost: float = 1,
        find_applied: Callable[[], T | None] | None = None,
    ) -> T:
        """Send a write; after an uncertain failure re-send only if ``find_applied`` says the
        exchange did not apply it. 429 is re-sent as is: a rate-limited write was not applied.
        """
        failure: KalshiError | None = None
        retry_after: float | None = None
        for attempt in range(1, self._max_attempts + 1):
            if failure is not None:
                self._sleep(self._backoff_delay(attempt - 1, retry_after))
                retry_after = None
            self._write_bucket.acquire(cost)
            try:
                response = self._send(method, path, params=params, body=body)
            except _TRANSPORT_ERRORS as exc:
                failure = self._transport_error(method, path, exc, attempt)
            else:
                if response.status_code < 400:
                    payload = self._decode(method, path, response)
                    return self._parsed(parse, payload, method, path)
                failure = self._http_error(method, path, response)
                if isinstance(failure, KalshiRateLimitError):
                    retry_after = _retry_after_seconds(response)
                    continue
                if not isinstance(failure, KalshiServerError):
                    raise failure
            applied = self._find_applied_write(method, path, failure, find_applied)
            if applied is not None:
                return applied
        assert failure is not None
        raise failure

    def _find_applied_write(
        self,
        method: str,
        path: str,
        failure: KalshiError,
        find_applied: Callable[[], T | None] | None,
    ) -> T | None:
        """After a 5xx or lost connection: the write's result if the exchange applied it."""
        unknown = "the exchange may have applied this write"
        if find_applied is None:
            raise type(failure)(
                f"{failure.message}; {unknown}: not re-sent, reconcile before retrying",
                method=failure.method,
                path=failure.path,
                status=failure.status,
            ) from failure
        try:
            return find_applied()
        except KalshiError as lookup_error:
            raise KalshiServerError(
                f"{unknown} and looking it up failed: {lookup_error}",
                method=method,
                path=self._signed_path(path),
            ) from lookup_error

    # --- market data ---------------------------------------------------------------------

    def get_series(self, series_ticker: str) -> Series:
        return self._read(
            _path("series", series_ticker), lambda p: Series.from_json(_member(p, "series"))
        )

    def get_event(self, event_ticker: str, with_nested_markets: bool = True) -> Event:
        def parse(payload: Any) -> Event:
            event = _member(payload, "event")
            fallback = payload.get("markets") if with_nested_markets else None
            return Event.from_json(event, fallback)

        params = _query(with_nested_markets=with_nested_markets)
        return self._read(_path("events", event_ticker), parse, params)

    def get_events(
        self,
        *,
        series_ticker: str | None = None,
        status: str | None = None,
        with_nested_markets: bool = False,
        min_close_ts: int | None = None,
    ) -> list[Event]:
        params = _query(
            series_ticker=series_ticker,
            status=status,
            with_nested_markets=with_nested_markets,
            min_close_ts=min_close_ts,
        )
        return self._paginate("/events", "events", Event.from_json, params, EVENTS_PAGE_LIMIT)

    def get_markets(
        self,
        *,
        event_ticker: str | None = None,
        series_ticker: str | None = None,
        status: str | None = None,
        tickers: Iterable[str] | None = None,
        min_close_ts: int | None = None,
        max_close_ts: int | None = None,
        mve_filter: str | None = None,
    ) -> list[Market]:
        """All live markets matching the filters (``status`` uses the query words:
        unopened|open|paused|closed|settled). Settled markets past the historical cutoff are
        only in ``get_historical_markets``."""
        params = _query(
            event_ticker=event_ticker,
            series_ticker=series_ticker,
            status=status,
            tickers=",".join(tickers) if tickers is not None else None,
            min_close_ts=min_close_ts,
            max_close_ts=max_close_ts,
            mve_filter=mve_filter,
        )
        return self._paginate("/markets", "markets", Market.from_json, params, MARKETS_PAGE_LIMIT)

    def get_market(self, ticker: str) -> Market:
        return self._read(
            _path("markets", ticker), lambda p: Market.from_json(_member(p, "market"))
        )

    def get_orderbook(self, ticker: str, depth: int = 0) -> Orderbook:
        """Bids on both sides; ``depth`` 0 means every level."""
        return self._read(
            _path("markets", ticker, "orderbook"),
            lambda p: Orderbook.from_json(ticker, p),
            _query(depth=depth),
        )

    def get_historical_cutoff(self) -> HistoricalCutoff:
        return self._read("/historical/cutoff", HistoricalCutoff.from_json)

    def get_historical_markets(
        self,
        *,
        tickers: Iterable[str] | None = None,
        event_ticker: str | None = None,
        series_ticker: str | None = None,
    ) -> list[Market]:
        """Markets archived past the historical cutoff; Kalshi allows one filter at a time."""
        params = _query(
            tickers=",".join(tickers) if tickers is not None else None,
            event_ticker=event_ticker,
            series_ticker=series_ticker,
        )
        if len(params) > 1:
            raise ValueError("historical markets take one filter at a time")
        return self._paginate(
            "/historical/markets", "markets", Market.from_json, params, MARKETS_PAGE_LIMIT
        )

    def get_candlesticks(
        self,
        series_ticker: str,
        ticker: str,
        start_ts: int,
        end_ts: int,
        period_interval: int,
        *,
        cutoff: HistoricalCutoff | None = None,
    ) -> list[MarketCandlestick]:
        """Candles ending within [start_ts, end_ts] (Unix seconds; interval 1, 60 or 1440 min).

        A range ending before the historical cutoff's ``market_settled_ts`` is served by the
        historical endpoint, anything newer by the live one. Pass ``cutoff`` when fetching many
        markets to avoid one ``GET /historical/cutoff`` per call.
        """
        if period_interval not in CANDLE_INTERVALS_MINUTES:
            raise ValueError(f"period_interval must be one of {sorted(CANDLE_INTERVALS_MINUTES)}")
        if start_ts > end_ts:
            raise ValueError("start_ts is after end_ts")
        cutoff = cutoff or self.get_historical_cutoff()
        if end_ts < cutoff.market_settled_ts.timestamp():
            path = _path("historical", "markets", ticker, "candlesticks")
        else:
            path = _path("series", series_ticker, "markets", ticker, "candlesticks")
        params = _query(start_ts=start_ts, end_ts=end_ts, period_interval=period_interval)
        return self._read(
            path,
            lambda p: [
                MarketCandlestick.from_json(candle) for candle in _list_member(p, "candlesticks")
            ],
            params,
        )

    # --- portfolio -----------------------------------------------------------------------

    def get_balance(self) -> Balance:
        return self._read("/portfolio/balance", Balance.from_json)

    def get_positions(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        count_filter: str | None = None,
    ) -> list[MarketPosition]:
        params = _query(ticker=ticker, event_ticker=event_ticker, count_filter=count_filter)
        return self._paginate(
            "/portfolio/positions",
            "market_positions",
            MarketPosition.from_json,
            params,
            PORTFOLIO_PAGE_LIMIT,
        )

    def get_orders(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        status: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
    ) -> list[ExchangeOrder]:
        params = _query(
            ticker=ticker, event_ticker=event_ticker, status=status, min_ts=min_ts, max_ts=max_ts
        )
        return self._paginate(
            "/portfolio/orders", "orders", ExchangeOrder.from_json, params, PORTFOLIO_PAGE_LIMIT
        )

    def get_order(self, order_id: str) -> ExchangeOrder:
        return self._read(
            _path("portfolio", "orders", order_id),
            lambda p: ExchangeOrder.from_json(_member(p, "order")),
            cost=CHEAP_REQUEST_COST,
        )

    def get_fills(
        self,
        *,
        ticker: str | None = None,
        order_id: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
    ) -> list[ExchangeFill]:
        params = _query(ticker=ticker, order_id=order_id, min_ts=min_ts, max_ts=max_ts)
        return self._paginate(
            "/portfolio/fills", "fills", ExchangeFill.from_json, params, PORTFOLIO_PAGE_LIMIT
        )

    def get_settlements(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
    ) -> list[Settlement]:
        params = _query(ticker=ticker, event_ticker=event_ticker, min_ts=min_ts, max_ts=max_ts)
        return self._paginate(
            "/portfolio/settlements",
            "settlements",
            Settlement.from_json,
            params,
            PORTFOLIO_PAGE_LIMIT,
        )

    def find_order_by_client_order_id(
        self, ticker: str, client_order_id: str
    ) -> ExchangeOrder | None:
        """The live order we created with ``client_order_id`` on ``ticker``, if any."""
        for order in self.get_orders(ticker=ticker):
            if order.client_order_id == client_order_id:
                return order
        return None

    # --- order entry (V2) ----------------------------------------------------------------

    def create_order(self, order: CreateOrderRequest) -> OrderAck:
        """Place one order; safe to call again with the same request after any failure.

        After a 5xx or lost connection the order is looked up by its ``client_order_id`` and
        re-sent only if absent. A 409 for a ``client_order_id`` whose order is resting or
        executed means this order already exists; its ack is returned.
        """

        def parse(payload: Any) -> OrderAck:
            try:
                return OrderAck.from_json(payload)
            except KalshiResponseError as exc:
                raise KalshiResponseError(
                    f"{exc}; the order may exist: look up client_order_id {order.client_order_id!r}"
                ) from exc

        def find_applied() -> OrderAck | None:
            existing = self.find_order_by_client_order_id(order.ticker, order.client_order_id)
            return None if existing is None else OrderAck.from_order(existing)

        try:
            return self._write(
                "POST",
                "/portfolio/events/orders",
                parse,
                body=order.to_json(),
                find_applied=find_applied,
            )
        except KalshiRequestError as exc:
            if exc.status != 409:
                raise
            existing = self.find_order_by_client_order_id(order.ticker, order.client_order_id)
            if existing is None or existing.status not in ORDER_STATUSES_ACCEPTED_ON_CONFLICT:
                raise
            return OrderAck.from_order(existing)

    def cancel_order(self, order_id: str, market_ticker: str) -> CancelAck:
        """Cancel a resting order (``market_ticker`` lets Kalshi route to the right shard).

        After a 5xx or lost connection the order is looked up; if it is no longer resting the
        cancel counts as done (``reduced_by`` None), otherwise it is re-sent.
        """

        def find_applied() -> CancelAck | None:
            current = self.get_order(order_id)
            if current.status == "resting":
                return None
            return CancelAck(current.order_id, current.client_order_id, None, None)

        return self._write(
            "DELETE",
            _path("portfolio", "events", "orders", order_id),
            CancelAck.from_json,
            params={"market_ticker": market_ticker},
            cost=CHEAP_REQUEST_COST,
            find_applied=find_applied,
        )

    def amend_order(
        self,
        order_id: str,
        ticker: str,
        side: BookSide,
        price: Decimal,
        count: Decimal | int,
        *,
        updated_client_order_id: str | None = None,
        expiration_time: int | None = None,
    ) -> AmendAck:
        """Change price and/or size. ``count`` = contracts already filled + desired resting.

        A price change or size increase loses queue priority. Not re-sent after an uncertain
        failure (raises; check ``get_order``).
        """
        body: dict[str, Any] = {
            "ticker": ticker,
            "side": validate_book_side(side),
            "price": format_price(price),
            "count": format_count(count),
        }
        if updated_client_order_id is not None:
            body["updated_client_order_id"] = updated_client_order_id
        if expiration_time is not None:
            body["expiration_time"] = expiration_time
        return self._write(
            "POST",
            _path("portfolio", "events", "orders", order_id, "amend"),
            AmendAck.from_json,
            body=body,
        )

    def decrease_order(
        self,
        order_id: str,
        *,
        reduce_by: Decimal | int | None = None,
        reduce_to: Decimal | int | None = None,
    ) -> DecreaseAck:
        """Shrink a resting order without losing queue priority; give exactly one argument."""
        if (reduce_by is None) == (reduce_to is None):
            raise ValueError("give exactly one of reduce_by and reduce_to")
        if reduce_by is not None:
            body = {"reduce_by": format_count(reduce_by)}
        else:
            target = Decimal(reduce_to)
            if target < 0:
                raise ValueError("reduce_to must not be negative")
            body = {"reduce_to": f"{target:.2f}"}
        return self._write(
            "POST",
            _path("portfolio", "events", "orders", order_id, "decrease"),
            DecreaseAck.from_json,
            body=body,
        )

    def batch_create_orders(self, orders: Sequence[CreateOrderRequest]) -> list[BatchOrderResult]:
        """Place several orders in one request; each item succeeds or fails on its own.

        Not re-sent after an uncertain failure (raises; look the orders up by their
        ``client_order_id``).
        """
        if not orders:
            raise ValueError("batch_create_orders needs at least one order")

        def parse(payload: Any) -> list[BatchOrderResult]:
            items = _list_member(payload, "orders")
            if len(items) != len(orders):
                raise KalshiResponseError(
                    f"batch answered {len(items)} items for {len(orders)} orders"
                )
            return [BatchOrderResult.from_json(item) for item in items]

        return self._write(
            "POST",
            "/portfolio/events/orders/batched",
            parse,
            body={"orders": [order.to_json() for order in orders]},
            cost=len(orders),
        )
