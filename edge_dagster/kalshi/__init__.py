"""Kalshi Trade API v2 client: signing, typed models, rate limiting and retries.

Plain Python on purpose (no Dagster import), so it can be used and tested on its own; a Dagster
resource wraps ``KalshiClient``.
"""

from edge_dagster.kalshi.client import DEMO_BASE_URL, PRODUCTION_BASE_URL, KalshiClient
from edge_dagster.kalshi.errors import (
    KalshiAuthError,
    KalshiConnectionError,
    KalshiError,
    KalshiRateLimitError,
    KalshiRequestError,
    KalshiResponseError,
    KalshiServerError,
)
from edge_dagster.kalshi.models import (
    AmendAck,
    Balance,
    BatchOrderResult,
    BookLevel,
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
    PriceRange,
    QuoteOhlc,
    Series,
    Settlement,
    TradePrices,
)
from edge_dagster.kalshi.rate_limit import TokenBucket
from edge_dagster.kalshi.signing import load_private_key, load_private_key_file

__all__ = [
    "DEMO_BASE_URL",
    "PRODUCTION_BASE_URL",
    "AmendAck",
    "Balance",
    "BatchOrderResult",
    "BookLevel",
    "CancelAck",
    "MarketCandlestick",
    "DecreaseAck",
    "Event",
    "ExchangeFill",
    "HistoricalCutoff",
    "KalshiAuthError",
    "KalshiClient",
    "KalshiConnectionError",
    "KalshiError",
    "KalshiRateLimitError",
    "KalshiRequestError",
    "KalshiResponseError",
    "KalshiServerError",
    "Market",
    "MarketPosition",
    "ExchangeOrder",
    "OrderAck",
    "CreateOrderRequest",
    "Orderbook",
    "PriceRange",
    "QuoteOhlc",
    "Series",
    "Settlement",
    "TokenBucket",
    "TradePrices",
    "load_private_key",
    "load_private_key_file",
]
