"""Kalshi client exceptions.

Messages name the request (method, signed path, HTTP status) and the exchange's error code, and
nothing else: never headers, key ids, signatures or key material, because these strings end
up in Dagster logs.
"""

from __future__ import annotations

from typing import Any

AUTH_FAILURE_HINT = (
    "Kalshi rejected the request signature. Likely causes: the API key belongs to the other "
    "environment (demo vs production keys are separate); the machine's clock is skewed "
    "(KALSHI-ACCESS-TIMESTAMP is Unix milliseconds); the signed path must include "
    "/trade-api/v2 and exclude the query string"
)


class KalshiError(Exception):
    """Base class of every failure talking to Kalshi."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
    ) -> None:
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        request = " ".join(part for part in (method, path) if part)
        if status is not None:
            request = f"{request} -> HTTP {status}" if request else f"HTTP {status}"
        super().__init__(f"{request}: {message}" if request else message)


class KalshiAuthError(KalshiError):
    """401: the signature, key or timestamp was rejected; retrying will not help."""


class KalshiRateLimitError(KalshiError):
    """429 persisted through every retry."""


class KalshiServerError(KalshiError):
    """5xx persisted through every retry, or a write's outcome could not be established."""


class KalshiConnectionError(KalshiError):
    """Connection failure or timeout persisted through every retry."""


class KalshiRequestError(KalshiError):
    """A 4xx other than 401/429: the request itself is wrong (bad order, unknown ticker, ...)."""

    def __init__(
        self,
        *,
        code: str | None,
        error_message: str | None,
        details: str | None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
    ) -> None:
        self.code = code
        self.error_message = error_message
        self.details = details
        text = f"{code or 'unknown_error'}: {error_message or 'no message'}"
        if details:
            text = f"{text} ({details})"
        super().__init__(text, method=method, path=path, status=status)


class KalshiResponseError(KalshiError):
    """A response we cannot use: malformed JSON, missing fields, a 2xx write without an id."""


def parse_error_body(body: Any) -> tuple[str | None, str | None, str | None]:
    """``(code, message, details)`` from ``{code, message, details}`` or ``{"error": {...}}``."""
    if not isinstance(body, dict):
        return None, None, None
    wrapped = body.get("error")
    fields = wrapped if isinstance(wrapped, dict) else body

    def text(name: str) -> str | None:
        value = fields.get(name)
        return str(value) if value not in (None, "") else None

    return text("code"), text("message"), text("details")
