"""The daily report: what the pipeline thinks and what it did, as one e-mail.

A typed ``DailyReport`` (filled by the report asset from the warehouse) rendered to plain text
and to HTML with the equity curve inline. Pure: no Dagster, no database, no clock.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage

from edge_dagster.core.backtest_report import cumulative_pnl_png
from edge_dagster.core.clock import EASTERN
from edge_dagster.core.mail import InlineImage, compose

EQUITY_CURVE_CID = "equity-curve@edge-dagster"
NO_TEMPERATURE_YET = "No temperature opportunities yet."
NO_PORTFOLIO_YET = "The portfolio has not been materialised yet (asset portfolio)."


@dataclass(frozen=True)
class ForecastLine:
    model: str
    forecast_avg: float
    q10: float
    q90: float
    pricing_model: bool


@dataclass(frozen=True)
class TsaWeekForecast:
    """The latest forecast of the week's Mon–Sun average, one line per model."""

    week_monday: date
    decision_time: datetime
    horizon: int
    known_days: int
    models: tuple[ForecastLine, ...]


@dataclass(frozen=True)
class StrikeQuote:
    """Fair value against the market for one strike at the forecast's decision time."""

    ticker: str
    strike: float
    fair_yes: float
    yes_bid: Decimal | None
    yes_ask: Decimal | None
    synthetic: bool
    """No recorded market: priced on the standard ladder for scoring, not tradable."""

    @property
    def mid(self) -> Decimal | None:
        if self.yes_bid is None or self.yes_ask is None:
            return None
        return (self.yes_bid + self.yes_ask) / 2


@dataclass(frozen=True)
class TemperatureEdge:
    """One priced temperature contract at its city-day's latest decision (a row of
    ``weather_opportunities``): the side the strategy would buy, at what limit, its fair value
    and edge after fees, and whether it is tradable (else why not)."""

    city: str
    climate_date: date
    ticker: str
    strategy: str
    side: str
    limit_price: Decimal | None
    fair_value: float
    net_edge: float
    tradable: bool
    reason: str


@dataclass(frozen=True)
class PortfolioLine:
    """One strategy's (or the whole account's) cumulative P&L on a day (``portfolio_daily``)."""

    strategy: str
    realised: Decimal
    unrealised: Decimal
    pnl: Decimal
    day_pnl: Decimal
    drawdown: Decimal
    equity: Decimal | None


@dataclass(frozen=True)
class Portfolio:
    """The portfolio asset's view at the end of ``day``: P&L per strategy and in total, and
    open exposure (at cost) per city."""

    day: date
    lines: tuple[PortfolioLine, ...]
    exposure_by_city: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True)
class OrderLine:
    decision_time: datetime
    strategy: str
    ticker: str
    side: str
    action: str
    limit_price: Decimal
    count: int
    filled_count: int
    status: str


@dataclass(frozen=True)
class PositionLine:
    """Net contracts held, their average entry price, and the mark: what selling now fetches
    (YES at the bid, NO at 1 − ask; None with no quote)."""

    strategy: str
    ticker: str
    side: str
    count: int
    average_price: Decimal
    mark: Decimal | None

    @property
    def unrealised_pnl(self) -> Decimal | None:
        return None if self.mark is None else (self.mark - self.average_price) * self.count


@dataclass(frozen=True)
class EquityPoint:
    """Cumulative P&L at the end of ``day`` (ET): cash plus open positions at their mark."""

    day: date
    equity: Decimal


@dataclass(frozen=True)
class Book:
    """The trading side of the report, for the report's environment."""

    orders: tuple[OrderLine, ...]
    positions: tuple[PositionLine, ...]
    equity_curve: tuple[EquityPoint, ...]
    """Every day from the eve of the first ledger entry (equity 0) to the day before the
    report."""


@dataclass(frozen=True)
class DailyReport:
    report_date: date
    as_of: datetime
    environment: str
    tsa_forecast: TsaWeekForecast | None
    tsa_strikes: tuple[StrikeQuote, ...]
    temperature_edges: tuple[TemperatureEdge, ...] | None
    """None while no temperature opportunity was ever recorded; () when none is current."""
    book: Book
    portfolio: Portfolio | None = None
    """None until the portfolio asset has run."""

    @property
    def yesterday(self) -> date:
        return self.report_date - timedelta(days=1)

    @property
    def pnl_yesterday(self) -> Decimal | None:
        """Change of equity over yesterday; None when the book has no history by then."""
        by_day = {point.day: point.equity for point in self.book.equity_curve}
        if self.yesterday not in by_day:
            return None
        return by_day[self.yesterday] - by_day.get(self.yesterday - timedelta(days=1), Decimal(0))


# ---------------------------------------------------------------------------- formatting


def _et(moment: datetime) -> str:
    return f"{moment.astimezone(EASTERN):%Y-%m-%d %H:%M} ET"


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _price(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _dollars(value: Decimal | None) -> str:
    if value is None:
        return "—"
    sign = "-" if value < 0 else "+"
    return f"{sign}${abs(value):,.2f}"


@dataclass(frozen=True)
class Section:
    """A titled block: a table, or a sentence when there is nothing to tabulate."""

    title: str
    lines: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    empty: str = "None."


def _forecast_section(report: DailyReport) -> Section:
    forecast = report.tsa_forecast
    if forecast is None:
        return Section("TSA weekly forecast", empty="No forecast of this week yet.")
    return Section(
        f"TSA weekly forecast, week of {forecast.week_monday}",
        lines=(
            f"Decision {_et(forecast.decision_time)} (horizon {forecast.horizon}), "
            f"{forecast.known_days} of 7 days published.",
        ),
        headers=("model", "forecast avg/day", "80% interval"),
        rows=tuple(
            (
                line.model + (" (pricing)" if line.pricing_model else ""),
                _count(line.forecast_avg),
                f"{_count(line.q10)} – {_count(line.q90)}",
            )
            for line in forecast.models
        ),
    )


def _strikes_section(report: DailyReport) -> Section:
    synthetic = any(quote.synthetic for quote in report.tsa_strikes)
    return Section(
        "Fair value vs market, every strike",
        lines=("No market recorded for this week: strikes are the standard ladder.",)
        if synthetic
        else (),
        headers=("ticker", "strike", "fair YES", "bid", "ask", "fair − mid"),
        rows=tuple(
            (
                quote.ticker,
                _count(quote.strike),
                f"{quote.fair_yes:.3f}",
                _price(quote.yes_bid),
                _price(quote.yes_ask),
                "—" if quote.mid is None else f"{Decimal(str(quote.fair_yes)) - quote.mid:+.3f}",
            )
            for quote in report.tsa_strikes
        ),
        empty="No fair values for this week yet.",
    )


def _temperature_section(report: DailyReport) -> Section:
    if report.temperature_edges is None:
        return Section("Temperature edges per city", empty=NO_TEMPERATURE_YET)
    edges = sorted(report.temperature_edges,
                   key=lambda e: (not e.tradable, e.city, e.climate_date, -e.net_edge))  # fmt: skip
    tradable = [e for e in edges if e.tradable]
    return Section(
        "Temperature edges per city",
        lines=(
            f"{len(edges)} contracts priced at each city-day's latest decision, "
            f"{len(tradable)} tradable.",
        )
        if edges
        else (),
        headers=("city", "day", "ticker", "strategy", "side", "limit", "fair", "net edge"),
        rows=tuple(
            (
                edge.city,
                str(edge.climate_date),
                edge.ticker,
                edge.strategy,
                edge.side.upper(),
                _price(edge.limit_price),
                f"{edge.fair_value:.3f}",
                f"{edge.net_edge:+.3f}",
            )
            for edge in tradable
        ),
        empty="No temperature edges today.",
    )


def _portfolio_section(report: DailyReport) -> Section:
    portfolio = report.portfolio
    if portfolio is None:
        return Section("Portfolio", empty=NO_PORTFOLIO_YET)
    account = next((line for line in portfolio.lines if line.equity is not None), None)
    lines = []
    if account is not None:
        lines.append(
            f"Equity at the end of {portfolio.day}: ${account.equity:,.2f}; drawdown from the "
            f"peak {_dollars(-account.drawdown)}"
        )
    if portfolio.exposure_by_city:
        lines.append(
            "Open exposure at cost: "
            + ", ".join(
                f"{city or 'TSA'} ${dollars:,.2f}" for city, dollars in portfolio.exposure_by_city
            )  # fmt: skip
        )
    return Section(
        "Portfolio",
        lines=tuple(lines),
        headers=("strategy", "realised", "unrealised", "total", "that day", "drawdown"),
        rows=tuple(
            (
                line.strategy,
                _dollars(line.realised),
                _dollars(line.unrealised),
                _dollars(line.pnl),
                _dollars(line.day_pnl),
                _dollars(-line.drawdown),
            )
            for line in portfolio.lines
        ),
        empty="No trades yet.",
    )


def _orders_section(report: DailyReport) -> Section:
    paper = report.environment == "paper"
    title = (
        "Orders proposed today (paper: filled on the paper book, nothing sent to Kalshi)"
        if paper
        else f"Orders placed today on Kalshi {report.environment}"
    )
    return Section(
        title,
        headers=("decision", "strategy", "ticker", "order", "limit", "filled", "status"),
        rows=tuple(
            (
                _et(order.decision_time),
                order.strategy,
                order.ticker,
                f"{order.action} {order.count} {order.side.upper()}",
                _price(order.limit_price),
                f"{order.filled_count}/{order.count}",
                order.status,
            )
            for order in report.book.orders
        ),
    )


def _positions_section(report: DailyReport) -> Section:
    return Section(
        "Open positions",
        headers=("strategy", "ticker", "side", "contracts", "avg price", "mark", "unrealised"),
        rows=tuple(
            (
                position.strategy,
                position.ticker,
                position.side.upper(),
                str(position.count),
                _price(position.average_price),
                _price(position.mark),
                _dollars(position.unrealised_pnl),
            )
            for position in report.book.positions
        ),
    )


def _pnl_section(report: DailyReport) -> Section:
    curve = report.book.equity_curve
    if not curve:
        return Section("P&L", empty="No trades yet.")
    unrealised = [p.unrealised_pnl for p in report.book.positions]
    lines = [
        f"Yesterday ({report.yesterday}): {_dollars(report.pnl_yesterday)}",
        f"Cumulative through {curve[-1].day}: {_dollars(curve[-1].equity)} "
        "(cash plus open positions at their mark)",
    ]
    if report.book.positions:
        known = [u for u in unrealised if u is not None]
        line = f"Open positions now, unrealised: {_dollars(sum(known, Decimal(0)))}"
        if len(known) < len(unrealised):
            line += f" ({len(unrealised) - len(known)} without a quote, not counted)"
        lines.append(line)
    return Section("P&L", lines=tuple(lines))


def sections(report: DailyReport) -> list[Section]:
    return [
        _forecast_section(report),
        _strikes_section(report),
        _temperature_section(report),
        _orders_section(report),
        _positions_section(report),
        _pnl_section(report),
        _portfolio_section(report),
    ]


def subject(report: DailyReport) -> str:
    parts = [f"edge_dagster daily report {report.report_date} ({report.environment})"]
    if report.tsa_forecast is not None:
        pricing = next(
            (m for m in report.tsa_forecast.models if m.pricing_model),
            report.tsa_forecast.models[0],
        )
        parts.append(f"TSA week {report.tsa_forecast.week_monday}: {pricing.forecast_avg:,.0f}")
    if report.pnl_yesterday is not None:
        parts.append(f"P&L yesterday {_dollars(report.pnl_yesterday)}")
    return " · ".join(parts)


def _heading(report: DailyReport) -> str:
    return (
        f"Daily report for {report.report_date:%A %Y-%m-%d}, Kalshi {report.environment}, "
        f"as of {_et(report.as_of)}"
    )


# ---------------------------------------------------------------------------- text


NUMBER = re.compile(r"[+-]?\$?[\d,]*\.?\d+|—")


def numeric_columns(rows: Sequence[Sequence[str]]) -> list[bool]:
    """Which columns hold only numbers (or —): those are right-aligned."""
    return [all(NUMBER.fullmatch(row[i]) for row in rows) for i in range(len(rows[0]))]


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Fixed-width columns, numbers right-aligned."""
    widths = [max(len(row[i]) for row in (headers, *rows)) for i in range(len(headers))]
    right = numeric_columns(rows)

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.rjust(width) if numeric else cell.ljust(width)
            for cell, width, numeric in zip(cells, widths, right, strict=True)
        ]
        return "  ".join(padded).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *map(line, rows)]


def render_text(report: DailyReport) -> str:
    out = [_heading(report), ""]
    for section in sections(report):
        out += [section.title, "=" * len(section.title), *section.lines]
        if section.rows:
            out += text_table(section.headers, section.rows)
        elif not section.lines:
            out.append(section.empty)
        out.append("")
    if report.book.equity_curve:
        out.append("The equity curve is in the HTML version of this message.")
    return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------------------- HTML

_TABLE = 'style="border-collapse:collapse;font-size:13px"'
_CELL = 'style="border:1px solid #ccc;padding:2px 6px;text-align:{align}"'


def html_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    right = numeric_columns(rows)

    def cells(tag: str, values: Sequence[str]) -> str:
        return "".join(
            f"<{tag} {_CELL.format(align='right' if numeric else 'left')}>"
            f"{html.escape(value)}</{tag}>"
            for value, numeric in zip(values, right, strict=True)
        )

    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    return f"<table {_TABLE}><tr>{cells('th', headers)}</tr>{body}</table>"


def render_html(report: DailyReport, equity_curve_cid: str | None) -> str:
    """The HTML part; ``equity_curve_cid`` names the inline PNG (None: no plot)."""
    out = [
        '<html><body style="font-family:sans-serif">',
        f"<p><b>{html.escape(_heading(report))}</b></p>",
    ]
    for section in sections(report):
        out.append(f"<h3>{html.escape(section.title)}</h3>")
        out += [f"<p>{html.escape(line)}</p>" for line in section.lines]
        if section.rows:
            out.append(html_table(section.headers, section.rows))
        elif not section.lines:
            out.append(f"<p>{html.escape(section.empty)}</p>")
    if equity_curve_cid is not None:
        out.append(f'<p><img src="cid:{equity_curve_cid}" alt="equity curve"></p>')
    out.append("</body></html>")
    return "\n".join(out)


def equity_curve_png(curve: Sequence[EquityPoint]) -> bytes:
    return base64.b64decode(
        cumulative_pnl_png([p.day for p in curve], [float(p.equity) for p in curve])
    )


def report_email(report: DailyReport, equity_png: bytes | None) -> EmailMessage:
    """Subject, text, and HTML with ``equity_png`` (``equity_curve_png``) inline."""
    if equity_png is None:
        return compose(subject(report), render_text(report), render_html(report, None))
    image = InlineImage(EQUITY_CURVE_CID, equity_png, "equity_curve.png")
    html_part = render_html(report, EQUITY_CURVE_CID)
    return compose(subject(report), render_text(report), html_part, (image,))
