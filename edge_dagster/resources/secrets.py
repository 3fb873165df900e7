"""The one place secrets are read: the Kalshi API key and the SMTP password.

Each secret comes, first match wins, from AWS Secrets Manager (an ARN in the environment, read
through ``dagster_aws.secretsmanager``), from an environment variable holding the value, or from
a file the environment names (the Kalshi PEM; a mounted secret for SMTP). Secrets are read when
a run needs them, never stored in resource fields, run config or metadata; the values travel in
types whose ``repr`` hides them, and every error names the variable that was wrong, never the
value it held.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError


class _SecretsManagerBodyFilter(logging.Filter):
    """botocore logs every request and response body at DEBUG, a secret's value among them:
    those records keep their place in the log but lose the body."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "SecretString" in record.getMessage():
            record.msg, record.args = "%s", ("<Secrets Manager request or response redacted>",)
        return True


for _logger in ("botocore.endpoint", "botocore.parsers"):
    logging.getLogger(_logger).addFilter(_SecretsManagerBodyFilter())


class SecretUnavailable(RuntimeError):
    """A secret is configured but cannot be read (no such file, Secrets Manager refused, ...)."""


class KalshiCredentialsMissing(RuntimeError):
    """A real exchange was selected but no key was configured."""


@dataclass(frozen=True)
class KalshiCredentials:
    key_id: str = field(repr=False)
    private_key_pem: str = field(repr=False)


def read_secrets_manager(arn_variable: str, environ: Mapping[str, str]) -> str:
    """The ``SecretString`` of the secret whose ARN (or name) is in ``environ[arn_variable]``.

    Region and credentials are boto3's usual ones (``AWS_REGION``, ``AWS_PROFILE``,
    ``AWS_ACCESS_KEY_ID``…); ``AWS_ENDPOINT_URL`` points it at a stand-in in tests.
    """
    from dagster_aws.secretsmanager import SecretsManagerResource

    arn = environ[arn_variable]
    client = SecretsManagerResource(region_name=environ.get("AWS_REGION") or None).get_client()
    try:
        return client.get_secret_value(SecretId=arn)["SecretString"]
    except (ClientError, BotoCoreError) as error:
        raise SecretUnavailable(f"{arn_variable}={arn}: {error}") from error


def read_secret_file(path_variable: str, environ: Mapping[str, str]) -> str:
    path = Path(environ[path_variable])
    try:
        return path.read_text()
    except OSError as error:
        raise SecretUnavailable(f"{path_variable}={path}: {error.strerror}") from None


def json_field(text: str, name: str, arn_variable: str) -> str:
    """``name`` of a JSON secret. The parser's error is dropped: it carries the secret text."""
    try:
        value = json.loads(text)[name]
    except (ValueError, TypeError, KeyError):
        raise SecretUnavailable(
            f"the secret named by {arn_variable} is not a JSON object with a {name!r} string"
        ) from None
    if not isinstance(value, str):
        raise SecretUnavailable(f"the secret named by {arn_variable}: {name!r} is not a string")
    return value


def load_credentials(environ: Mapping[str, str]) -> KalshiCredentials:
    """Key id + PEM from ``KALSHI_KEY_ID`` and ``KALSHI_PRIVATE_KEY_PEM`` (or the file
    ``KALSHI_PRIVATE_KEY_PATH``), or a JSON secret ``{"key_id": ..., "private_key_pem": ...}``
    named by ``KALSHI_SECRET_ARN``."""
    if environ.get("KALSHI_SECRET_ARN"):
        secret = read_secrets_manager("KALSHI_SECRET_ARN", environ)
        return KalshiCredentials(
            json_field(secret, "key_id", "KALSHI_SECRET_ARN"),
            json_field(secret, "private_key_pem", "KALSHI_SECRET_ARN"),
        )
    key_id = environ.get("KALSHI_KEY_ID", "")
    pem = environ.get("KALSHI_PRIVATE_KEY_PEM", "")
    if not pem and environ.get("KALSHI_PRIVATE_KEY_PATH"):
        pem = read_secret_file("KALSHI_PRIVATE_KEY_PATH", environ)
    if not key_id or not pem:
        raise KalshiCredentialsMissing(
            "Kalshi credentials missing: set KALSHI_KEY_ID and KALSHI_PRIVATE_KEY_PATH (or "
            "KALSHI_PRIVATE_KEY_PEM), or KALSHI_SECRET_ARN; keys are per environment (demo keys "
            "do not work live)"
        )
    return KalshiCredentials(key_id, pem)


def smtp_password(environ: Mapping[str, str]) -> str:
    """The SMTP password from ``EDGE_SMTP_SECRET_ARN`` (the secret string, or a JSON object's
    ``password``), ``EDGE_SMTP_PASSWORD`` or the file ``EDGE_SMTP_PASSWORD_FILE``; "" if none."""
    if environ.get("EDGE_SMTP_SECRET_ARN"):
        secret = read_secrets_manager("EDGE_SMTP_SECRET_ARN", environ)
        if secret.lstrip().startswith("{"):
            return json_field(secret, "password", "EDGE_SMTP_SECRET_ARN")
        return secret
    if environ.get("EDGE_SMTP_PASSWORD"):
        return environ["EDGE_SMTP_PASSWORD"]
    if environ.get("EDGE_SMTP_PASSWORD_FILE"):
        return read_secret_file("EDGE_SMTP_PASSWORD_FILE", environ).rstrip("\r\n")
    return ""
