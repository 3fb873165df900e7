"""Kalshi trading fees: the project's single fee formula.

fee = ceil_to_cent(multiplier × rate × C × P × (1 − P)), charged once per order over its
cumulative fills (``shared/reference/kalshi_api.md`` §6). Computed in ``Decimal`` because binary
floats put 0.07 × 100 × 0.25 a hair above 1.75 and the round-up turns that into $1.76.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

CENT = Decimal("0.01")
TAKER_RATE = Decimal("0.07")
MAKER_RATES: dict[str, Decimal] = {
    "quadratic": Decimal(0),
    "quadratic_with_maker_fees": Decimal("0.0175"),
    "quadratic_with_combo_maker_fees": Decimal("0.035"),
}
"""Maker rate per series ``fee_type``; also the list of fee types this module understands."""


def _rate(*, maker: bool, fee_type: str) -> Decimal:
    """The fee rate for one liquidity role; an unknown fee_type fails loudly for takers too."""
    if fee_type not in MAKER_RATES:
        raise ValueError(f"unsupported Kalshi fee_type {fee_type!r}")
    return MAKER_RATES[fee_type] if maker else TAKER_RATE


def fee_per_contract(
    price: Decimal, *, maker: bool, fee_type: str, fee_multiplier: Decimal = Decimal(1)
) -> Decimal:
    """Unrounded marginal fee of one contract at ``price``, for edge and sizing.

    Left unrounded because the cent round-up is applied once per order, so its per-contract
    share depends on the order size that sizing is still choosing; the charged fee always comes
    from ``kalshi_fee``.
    """
    return fee_multiplier * _rate(maker=maker, fee_type=fee_type) * price * (1 - price)


def kalshi_fee(
    contracts: int | Decimal,
    price: Decimal,
    *,
    maker: bool,
    fee_type: str,
    fee_multiplier: Decimal = Decimal(1),
) -> Decimal:
    """Fee in dollars for ``contracts`` filled at ``price`` within one order, rounded up to a cent.

    ``fee_multiplier`` arrives from the API as a float: convert with ``Decimal(str(x))``.
    """
    raw = contracts * fee_per_contract(
        price, maker=maker, fee_type=fee_type, fee_multiplier=fee_multiplier
    )
    return raw.quantize(CENT, rounding=ROUND_CEILING)


def incremental_fee(
    prev_filled: int | Decimal,
    new_filled: int | Decimal,
    price: Decimal,
    *,
    maker: bool,
    fee_type: str,
    fee_multiplier: Decimal = Decimal(1),
) -> Decimal:
    """Fee owed for a new partial fill of an order that already filled ``prev_filled``.

    Kalshi accumulates the round-up per order, so the partial fees of an order sum to the fee of
    one fill of its total. ``prev_filled`` counts earlier fills in the same liquidity role at the
    same price (orders report taker and maker fees separately).
    """
    total = kalshi_fee(
        prev_filled + new_filled,
        price,
        maker=maker,
        fee_type=fee_type,
        fee_multiplier=fee_multiplier,
    )
    before = kalshi_fee(
        prev_filled, price, maker=maker, fee_type=fee_type, fee_multiplier=fee_multiplier
    )
    return total - before
