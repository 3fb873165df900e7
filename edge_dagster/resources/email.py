"""Sending e-mail: the daily report and alerts, through one of three backends.

``file`` (default) writes each message as an ``.eml`` file into an outbox folder and needs
nothing; ``smtp`` talks to a mail server (STARTTLS or TLS, optional AUTH); ``ses`` calls AWS
SES v2 with the raw MIME message (dagster-aws has no SES resource, so this one takes its boto3
fields: region, profile, endpoint, retries). Every message goes to one recipient at a time, so
a caller can log exactly who received what.
"""

from __future__ import annotations

import copy
import os
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from dagster import InitResourceContext
from dagster_aws.utils import ResourceWithBoto3Configuration, construct_boto_client_retry_config

from edge_dagster.core.clock import UTC
from edge_dagster.resources.secrets import smtp_password
from edge_dagster.settings import (
    DEFAULT_EMAIL_SENDER,
    DEFAULT_OUTBOX_DIR,
    EMAIL_BACKENDS,
    SMTP_SECURITY,
)

STANDARD_SMTP_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
OUTBOX_RECIPIENT = "trader@localhost"
"""Who the ``file`` backend addresses when no recipient is configured."""


class EmailNotConfigured(ValueError):
    """The e-mail settings cannot work (unknown backend, no recipient for a real server...)."""


class EmailDeliveryError(RuntimeError):
    """The backend refused or failed to take a message."""


def split_addresses(text: str) -> list[str]:
    return [address.strip() for address in text.split(",") if address.strip()]


class EmailResource(ResourceWithBoto3Configuration):
    """Where the report and alerts go (``EDGE_EMAIL_*``, ``EDGE_SMTP_*``, ``EDGE_SES_*``)."""

    backend: str = "file"
    sender: str = DEFAULT_EMAIL_SENDER
    recipients: str = ""
    """Comma-separated addresses of the daily report; required for ``smtp`` and ``ses``."""
    alert_recipients: str = ""
    """Comma-separated addresses of alerts; empty = the report's recipients."""
    outbox_dir: str = str(DEFAULT_OUTBOX_DIR)
    smtp_host: str = "localhost"
    smtp_port: int = 0
    """0 = the standard port of ``smtp_security`` (587 STARTTLS, 465 TLS, 25 none)."""
    smtp_security: str = "starttls"
    smtp_username: str = ""
    """Empty = no AUTH. The password is a secret: see ``resources.secrets.smtp_password``."""
    smtp_ca_file: str = ""
    """Extra CA bundle to trust (a relay with a private CA); empty = the system's."""
    smtp_timeout_seconds: float = 30.0
    ses_configuration_set: str = ""

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self.validate()

    def validate(self) -> None:
        if self.backend not in EMAIL_BACKENDS:
            raise EmailNotConfigured(
                f"EDGE_EMAIL_BACKEND={self.backend!r}: expected one of {EMAIL_BACKENDS}"
            )
        if self.smtp_security not in SMTP_SECURITY:
            raise EmailNotConfigured(
                f"EDGE_SMTP_SECURITY={self.smtp_security!r}: expected one of {SMTP_SECURITY}"
            )
        if not self.sender:
            raise EmailNotConfigured("EDGE_EMAIL_FROM is empty: messages need a sender")
        if self.backend != "file" and not split_addresses(self.recipients):
            raise EmailNotConfigured(
                f"EDGE_EMAIL_TO is empty: the {self.backend} backend needs the report's "
                "recipients (comma-separated)"
            )

    def report_recipients(self) -> list[str]:
        return split_addresses(self.recipients) or [OUTBOX_RECIPIENT]

    def alert_recipient_list(self) -> list[str]:
        return split_addresses(self.alert_recipients) or self.report_recipients()

    def send(self, message: EmailMessage, recipient: str) -> str:
        """Send ``message`` to ``recipient``; returns where it went: the ``.eml`` path, or the
        Message-ID (SMTP) or SES message id."""
        self.validate()
        addressed = copy.deepcopy(message)
        now = datetime.now(UTC)
        addressed["From"] = self.sender
        addressed["To"] = recipient
        addressed["Date"] = format_datetime(now)
        addressed["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        if self.backend == "smtp":
            return self._send_smtp(addressed, recipient)
        if self.backend == "ses":
            return self._send_ses(addressed, recipient)
        return self._write_outbox(addressed, recipient, now)

    def _write_outbox(self, message: EmailMessage, recipient: str, now: datetime) -> str:
        outbox = Path(self.outbox_dir)
        outbox.mkdir(parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "@.-" else "_" for c in recipient)
        path = outbox / f"{now:%Y%m%dT%H%M%S%fZ}_{safe}.eml"
        partial = path.with_suffix(".partial")
        partial.write_bytes(message.as_bytes())
        os.replace(partial, path)  # a reader never sees half a message
        return str(path)

    def _send_smtp(self, message: EmailMessage, recipient: str) -> str:
        port = self.smtp_port or STANDARD_SMTP_PORTS[self.smtp_security]
        tls = ssl.create_default_context(cafile=self.smtp_ca_file or None)
        try:
            if self.smtp_security == "ssl":
                server = smtplib.SMTP_SSL(
                    self.smtp_host, port, timeout=self.smtp_timeout_seconds, context=tls
                )
            else:
                server = smtplib.SMTP(self.smtp_host, port, timeout=self.smtp_timeout_seconds)
            with server:
                if self.smtp_security == "starttls":
                    server.starttls(context=tls)
                if self.smtp_username:
                    password = smtp_password(os.environ)
                    if not password:
                        raise EmailNotConfigured(
                            f"EDGE_SMTP_USERNAME={self.smtp_username} has no password: set "
                            "EDGE_SMTP_PASSWORD, EDGE_SMTP_PASSWORD_FILE or EDGE_SMTP_SECRET_ARN"
                        )
                    server.login(self.smtp_username, password)
                server.send_message(message, from_addr=self.sender, to_addrs=[recipient])
        except (smtplib.SMTPException, OSError) as error:
            raise EmailDeliveryError(
                f"SMTP {self.smtp_host}:{port} did not take the message to {recipient}: "
                f"{type(error).__name__}: {error}"
            ) from error
        return str(message["Message-ID"])

    def ses_client(self):  # noqa: ANN201 - boto3 clients have no importable type
        import boto3

        session = boto3.session.Session(profile_name=self.profile_name)
        return session.client(
            "sesv2",
            region_name=self.region_name,
            endpoint_url=self.endpoint_url,
            use_ssl=self.use_ssl,
            verify=self.verify,
            aws_access_key_id=self.aws_access_key_id,
            aws_secret_access_key=self.aws_secret_access_key,
            aws_session_token=self.aws_session_token,
            config=construct_boto_client_retry_config(self.max_attempts),
        )

    def _send_ses(self, message: EmailMessage, recipient: str) -> str:
        extra = (
            {"ConfigurationSetName": self.ses_configuration_set}
            if self.ses_configuration_set
            else {}
        )
        try:
            response = self.ses_client().send_email(
                FromEmailAddress=self.sender,
                Destination={"ToAddresses": [recipient]},
                Content={"Raw": {"Data": message.as_bytes()}},
                **extra,
            )
        except (ClientError, BotoCoreError) as error:
            raise EmailDeliveryError(f"SES did not take the message to {recipient}: {error}") from (
                error
            )
        return str(response["MessageId"])
