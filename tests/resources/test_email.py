"""Each e-mail backend delivers the same message, text, HTML and inline plot intact."""

from datetime import date
from decimal import Decimal
from email import message_from_bytes, message_from_string, policy
from email.message import EmailMessage
from pathlib import Path

import boto3
import pytest

from edge_dagster.core.daily_report import EquityPoint, equity_curve_png
from edge_dagster.core.mail import InlineImage, compose
from edge_dagster.definitions import email_resource
from edge_dagster.resources.email import EmailDeliveryError, EmailNotConfigured, EmailResource
from edge_dagster.settings import EmailSettings
from tests.conftest import SMTP_PASSWORD, SMTP_USERNAME
from tests.support.aws import REGION, ses_sent_raw_messages

SENDER = "reports@edge.example"
RECIPIENT = "trader@edge.example"
PLOT = equity_curve_png(
    [EquityPoint(date(2026, 4, 14), Decimal(0)), EquityPoint(date(2026, 4, 15), Decimal("-7.63"))]
)


def report_message() -> EmailMessage:
    return compose(
        "Daily report 2026-04-16 · P&L −$7.63",
        "Forecast 2,460,687 travelers/day\n",
        '<p>Forecast <b>2,460,687</b></p><img src="cid:plot@edge">',
        (InlineImage("plot@edge", PLOT, "plot.png"),),
    )


def assert_is_the_report(message: EmailMessage, to: str = RECIPIENT) -> None:
    assert (message["From"], message["To"]) == (SENDER, to)
    assert message["Subject"] == "Daily report 2026-04-16 · P&L −$7.63"
    text = message.get_body(("plain",)).get_content()
    assert text.splitlines() == ["Forecast 2,460,687 travelers/day"]  # lines end CRLF on the wire
    html = message.get_body(("html",)).get_content()
    assert '<img src="cid:plot@edge">' in html
    (image,) = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert (image["Content-ID"], image.get_content()) == ("<plot@edge>", PLOT)


def test_the_file_outbox_writes_one_eml_per_recipient(tmp_path: Path):
    email = EmailResource(sender=SENDER, outbox_dir=str(tmp_path / "outbox"))
    path = Path(email.send(report_message(), RECIPIENT))
    assert path.parent == tmp_path / "outbox" and path.suffix == ".eml"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no partial file left
    assert_is_the_report(message_from_bytes(path.read_bytes(), policy=policy.default))


def test_the_file_outbox_addresses_a_local_trader_when_no_recipient_is_set():
    assert EmailResource().report_recipients() == ["trader@localhost"]


def smtp(server, **overrides) -> EmailResource:
    settings = {
        "backend": "smtp",
        "sender": SENDER,
        "recipients": RECIPIENT,
        "smtp_host": "127.0.0.1",
        "smtp_port": server.port,
        "smtp_username": SMTP_USERNAME,
        "smtp_ca_file": str(server.ca_file),
    }
    return EmailResource(**{**settings, **overrides})


def test_smtp_sends_over_starttls_with_auth(smtp_server, monkeypatch):
    monkeypatch.setenv("EDGE_SMTP_PASSWORD", SMTP_PASSWORD)
    message_id = smtp(smtp_server).send(report_message(), RECIPIENT)
    ((envelope_to, message),) = smtp_server.messages
    assert envelope_to == [RECIPIENT]
    assert message["Message-ID"] == message_id
    assert_is_the_report(message)


def test_a_wrong_smtp_password_fails_with_the_servers_answer_not_the_password(
    smtp_server, monkeypatch
):
    monkeypatch.setenv("EDGE_SMTP_PASSWORD", "not-the-password")
    with pytest.raises(EmailDeliveryError, match="SMTPAuthenticationError.*535") as raised:
        smtp(smtp_server).send(report_message(), RECIPIENT)
    assert "not-the-password" not in str(raised.value)
    assert (smtp_server.failed_logins, smtp_server.messages) == (2, [])  # PLAIN, then LOGIN


def test_an_untrusted_server_certificate_stops_the_send(smtp_server, monkeypatch):
    monkeypatch.setenv("EDGE_SMTP_PASSWORD", SMTP_PASSWORD)
    with pytest.raises(EmailDeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
        smtp(smtp_server, smtp_ca_file="").send(report_message(), RECIPIENT)
    assert smtp_server.messages == []


def test_a_username_without_a_password_names_the_variables(smtp_server, monkeypatch):
    for name in ("EDGE_SMTP_PASSWORD", "EDGE_SMTP_PASSWORD_FILE", "EDGE_SMTP_SECRET_ARN"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(EmailNotConfigured, match="EDGE_SMTP_PASSWORD, EDGE_SMTP_PASSWORD_FILE"):
        smtp(smtp_server).send(report_message(), RECIPIENT)


def test_a_real_backend_without_recipients_refuses_to_start():
    with pytest.raises(EmailNotConfigured, match="EDGE_EMAIL_TO is empty"):
        EmailResource(backend="ses").validate()
    with pytest.raises(EmailNotConfigured, match="EDGE_EMAIL_BACKEND='pigeon'"):
        EmailResource(backend="pigeon").validate()


def ses(endpoint: str) -> EmailResource:
    return EmailResource(
        backend="ses",
        sender=SENDER,
        recipients=RECIPIENT,
        region_name=REGION,
        endpoint_url=endpoint,
    )


def test_ses_v2_sends_the_raw_mime_message(aws):
    boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity=SENDER)
    message_id = ses(aws).send(report_message(), RECIPIENT)
    ((destinations, raw),) = ses_sent_raw_messages()
    assert RECIPIENT in destinations and message_id
    assert_is_the_report(message_from_string(raw, policy=policy.default))


def test_ses_refusing_an_unverified_sender_is_a_delivery_error(aws):
    with pytest.raises(EmailDeliveryError, match="MessageRejected"):
        ses(aws).send(report_message(), RECIPIENT)
    assert ses_sent_raw_messages() == []


def test_the_email_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("EDGE_EMAIL_BACKEND", "SMTP")
    monkeypatch.setenv("EDGE_EMAIL_TO", "a@x.org, b@x.org")
    monkeypatch.setenv("EDGE_SMTP_PORT", "2525")
    monkeypatch.setenv("EDGE_SMTP_SECURITY", "ssl")
    monkeypatch.setenv("EDGE_SMTP_TIMEOUT_SECONDS", "7.5")
    email = email_resource(EmailSettings.from_env())
    assert (email.backend, email.smtp_port, email.smtp_security, email.smtp_timeout_seconds) == (
        "smtp",
        2525,
        "ssl",
        7.5,
    )
    assert email.report_recipients() == email.alert_recipient_list() == ["a@x.org", "b@x.org"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("EDGE_EMAIL_BACKEND", "pigeon"),
        ("EDGE_SMTP_SECURITY", "tls1"),
        ("EDGE_SMTP_PORT", "x"),
        ("EDGE_SMTP_TIMEOUT_SECONDS", "soon"),
    ],
)
def test_a_garbage_email_setting_fails_at_load_naming_the_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=f"{variable}='{value}'"):
        EmailSettings.from_env()
