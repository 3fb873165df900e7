"""Kalshi request signing (reference §2).

Kalshi authenticates every request by an RSA-PSS (or Ed25519) signature over
``timestamp_ms + METHOD + path``. The path carries the ``/trade-api/v2`` prefix and never the
query string; getting either wrong is the most common cause of a 401.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from typing import TypeAlias
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

API_PATH_PREFIX = "/trade-api/v2"
KEY_HEADER = "KALSHI-ACCESS-KEY"
TIMESTAMP_HEADER = "KALSHI-ACCESS-TIMESTAMP"
SIGNATURE_HEADER = "KALSHI-ACCESS-SIGNATURE"

# Salt length = digest length (32 bytes) is what Kalshi's SDKs use; AUTO would verify too.
PSS_PADDING = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)

KalshiPrivateKey: TypeAlias = RSAPrivateKey | Ed25519PrivateKey
KalshiPublicKey: TypeAlias = RSAPublicKey | Ed25519PublicKey


class SignatureVerificationError(Exception):
    """A request's Kalshi auth headers are missing or do not verify."""


def load_private_key(pem: bytes | str) -> KalshiPrivateKey:
    """Load an unencrypted PEM key: PKCS#1 (Kalshi's download) or PKCS#8, RSA or Ed25519."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, RSAPrivateKey | Ed25519PrivateKey):
        raise ValueError(f"Kalshi API keys are RSA or Ed25519, not {type(key).__name__}")
    return key


def load_private_key_file(path: str | Path) -> KalshiPrivateKey:
    """Load the PEM key file Kalshi lets you download when creating an API key."""
    return load_private_key(Path(path).read_bytes())


def signed_path(url_or_path: str) -> str:
    """The path Kalshi signs: URL path only, ``/trade-api/v2`` prefixed, query dropped."""
    path = urlsplit(url_or_path).path
    if not path.startswith("/trade-api/"):
        path = API_PATH_PREFIX + path
    return path


def _message(timestamp_ms: int | str, method: str, path: str) -> bytes:
    return f"{timestamp_ms}{method.upper()}{path}".encode()


def sign_headers(
    key_id: str,
    private_key: KalshiPrivateKey,
    method: str,
    url_or_path: str,
    timestamp_ms: int,
) -> dict[str, str]:
    """The three ``KALSHI-ACCESS-*`` headers for one request."""
    message = _message(timestamp_ms, method, signed_path(url_or_path))
    if isinstance(private_key, Ed25519PrivateKey):
        signature = private_key.sign(message)
    else:
        signature = private_key.sign(message, PSS_PADDING, hashes.SHA256())
    return {
        KEY_HEADER: key_id,
        TIMESTAMP_HEADER: str(timestamp_ms),
        SIGNATURE_HEADER: base64.b64encode(signature).decode("ascii"),
    }


def verify_headers(
    public_key: KalshiPublicKey, headers: Mapping[str, str], method: str, path: str
) -> None:
    """Raise ``SignatureVerificationError`` unless ``headers`` sign ``method`` + ``path``.

    PSS signatures are randomised, so this verifies rather than comparing bytes. ``path`` is
    what the server saw (prefix included, no query).
    """
    timestamp = headers.get(TIMESTAMP_HEADER)
    encoded_signature = headers.get(SIGNATURE_HEADER)
    if not timestamp or not encoded_signature:
        raise SignatureVerificationError("missing KALSHI-ACCESS-TIMESTAMP or -SIGNATURE header")
    try:
        signature = base64.b64decode(encoded_signature, validate=True)
        message = _message(timestamp, method, path)
        if isinstance(public_key, Ed25519PublicKey):
            public_key.verify(signature, message)
        else:
            public_key.verify(signature, message, PSS_PADDING, hashes.SHA256())
    except (InvalidSignature, ValueError) as exc:
        raise SignatureVerificationError("signature does not verify") from exc
