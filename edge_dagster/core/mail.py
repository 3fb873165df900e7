"""E-mail messages as the standard library builds them: plain text, optional HTML with inline
images. Addressing (From, To, Date, Message-ID) is the sender's job, once per recipient."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP


@dataclass(frozen=True)
class InlineImage:
    """A PNG the HTML part shows with ``<img src="cid:{cid}">``."""

    cid: str
    png: bytes
    filename: str


def compose(
    subject: str, text: str, html: str | None = None, images: tuple[InlineImage, ...] = ()
) -> EmailMessage:
    """``multipart/alternative`` (text, then HTML with its images as ``multipart/related``),
    or a single text part when there is no HTML."""
    if images and html is None:
        raise ValueError("inline images need an HTML part to show them")
    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
        html_part = message.get_payload()[-1]
        for image in images:
            html_part.add_related(
                image.png,
                maintype="image",
                subtype="png",
                cid=f"<{image.cid}>",
                filename=image.filename,
                disposition="inline",
            )
    return message
