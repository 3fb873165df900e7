"""Signing per reference §2: RSA-PSS/SHA-256 over ts_ms + METHOD + /trade-api/v2 path."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from edge_dagster.kalshi.signing import (
    SIGNATURE_HEADER,
    SignatureVerificationError,
    load_private_key,
    sign_headers,
    signed_path,
    verify_headers,
)

KEY_ID = "key-1"
TIMESTAMP_MS = 1703123456789


@pytest.mark.parametrize(
    ("url_or_path", "expected"),
    [
        ("https://api.elections.kalshi.com/trade-api/v2/portfolio/orders?limit=5",
         "/trade-api/v2/portfolio/orders"),
        ("/portfolio/orders?limit=5", "/trade-api/v2/portfolio/orders"),
        ("/trade-api/v2/markets/KXTSAW-26SEP27", "/trade-api/v2/markets/KXTSAW-26SEP27"),
        ("/trade-api/ws/v2", "/trade-api/ws/v2"),
    ],
)  # fmt: skip
def test_signed_path_keeps_prefix_and_drops_query(url_or_path: str, expected: str) -> None:
    assert signed_path(url_or_path) == expected


def test_headers_carry_key_id_and_millisecond_timestamp(private_key: RSAPrivateKey) -> None:
    headers = sign_headers(KEY_ID, private_key, "get", "/portfolio/balance", TIMESTAMP_MS)

    assert headers["KALSHI-ACCESS-KEY"] == KEY_ID
    assert headers["KALSHI-ACCESS-TIMESTAMP"] == "1703123456789"


def test_signature_is_pss_sha256_with_digest_length_salt_over_documented_message(
    private_key: RSAPrivateKey,
) -> None:
    headers = sign_headers(
        KEY_ID, private_key, "get", "https://x/trade-api/v2/portfolio/orders?limit=5", TIMESTAMP_MS
    )

    private_key.public_key().verify(  # raises if the recipe differs
        base64.b64decode(headers[SIGNATURE_HEADER]),
        b"1703123456789GET/trade-api/v2/portfolio/orders",
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )


def test_verify_accepts_own_signature(private_key: RSAPrivateKey) -> None:
    headers = sign_headers(KEY_ID, private_key, "POST", "/portfolio/events/orders", TIMESTAMP_MS)

    verify_headers(
        private_key.public_key(), headers, "POST", "/trade-api/v2/portfolio/events/orders"
    )


def test_verify_rejects_signature_from_another_key(
    private_key: RSAPrivateKey, unregistered_key: RSAPrivateKey
) -> None:
    headers = sign_headers(KEY_ID, unregistered_key, "GET", "/portfolio/balance", TIMESTAMP_MS)

    with pytest.raises(SignatureVerificationError):
        verify_headers(private_key.public_key(), headers, "GET", "/trade-api/v2/portfolio/balance")


def test_verify_rejects_signature_for_another_path(private_key: RSAPrivateKey) -> None:
    headers = sign_headers(KEY_ID, private_key, "GET", "/portfolio/balance", TIMESTAMP_MS)

    with pytest.raises(SignatureVerificationError):
        verify_headers(private_key.public_key(), headers, "GET", "/trade-api/v2/portfolio/fills")


def test_verify_rejects_missing_signature(private_key: RSAPrivateKey) -> None:
    with pytest.raises(SignatureVerificationError):
        verify_headers(
            private_key.public_key(),
            {"KALSHI-ACCESS-TIMESTAMP": str(TIMESTAMP_MS)},
            "GET",
            "/trade-api/v2/portfolio/balance",
        )


@pytest.mark.parametrize(
    "pem_format",
    [serialization.PrivateFormat.TraditionalOpenSSL, serialization.PrivateFormat.PKCS8],
    ids=["pkcs1", "pkcs8"],
)
def test_loads_pkcs1_and_pkcs8_pem(
    private_key: RSAPrivateKey, pem_format: serialization.PrivateFormat
) -> None:
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, pem_format, serialization.NoEncryption()
    )

    loaded = load_private_key(pem.decode("ascii"))

    assert loaded.private_numbers() == private_key.private_numbers()


def test_load_rejects_key_types_kalshi_does_not_issue() -> None:
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )

    with pytest.raises(ValueError, match="RSA or Ed25519"):
        load_private_key(pem)


def test_ed25519_keys_sign_the_same_message() -> None:
    key = Ed25519PrivateKey.generate()
    headers = sign_headers(KEY_ID, key, "GET", "/portfolio/balance", TIMESTAMP_MS)

    verify_headers(key.public_key(), headers, "GET", "/trade-api/v2/portfolio/balance")
