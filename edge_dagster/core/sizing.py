"""Fractional Kelly sizing for binary contracts that pay $1.

Buying at all-in cost c with win probability p, the Kelly fraction of bankroll is
f* = (p − c) / (1 − c). Strategies scale it down (``kelly_multiplier``) because p is an estimate
and full Kelly on an over-confident p is ruinous.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from edge_dagster.core import fees
from edge_dagster.core.prices import ONE, Side, ask_for_side


def kelly_fraction(p: Decimal, cost: Decimal) -> Decimal:
    """Kelly bankroll fraction for a $1 binary bought at ``cost``; 0 without a positive edge."""
    if p <= cost:
        return Decimal(0)
    return (p - cost) / (ONE - cost)


def kelly_contracts(
    p: Decimal,
    price: Decimal,
    *,
    balance: Decimal,
    kelly_multiplier: Decimal,
    fee_per_contract: Decimal,
) -> int:
    """Whole contracts to buy at ``price``: fees count as cost, so a fee-eaten edge sizes to 0."""
    cost = price + fee_per_contract
    stake = kelly_multiplier * kelly_fraction(p, cost) * balance
    return int((stake / cost).to_integral_value(rounding=ROUND_FLOOR))


def kelly_contracts_for_side(
    side: Side,
    p_yes: Decimal,
    *,
    yes_bid: Decimal,
    yes_ask: Decimal,
    balance: Decimal,
    kelly_multiplier: Decimal,
    fee_type: str,
    fee_multiplier: Decimal = Decimal(1),
) -> int:
    """Contracts of ``side`` to take at its ask now (taker fee), from the YES probability.

    A NO contract wins with 1 − p_yes and costs the NO ask, 1 − yes_bid.
    """
    p = p_yes if side == "yes" else ONE - p_yes
    price = ask_for_side(side, yes_bid=yes_bid, yes_ask=yes_ask)
    fee = fees.fee_per_contract(
        price, maker=False, fee_type=fee_type, fee_multiplier=fee_multiplier
    )
    return kelly_contracts(
        p, price, balance=balance, kelly_multiplier=kelly_multiplier, fee_per_contract=fee
    )
