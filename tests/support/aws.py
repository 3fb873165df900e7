"""A local stand-in of the AWS API (moto in server mode) on 127.0.0.1, for SES and Secrets
Manager tests: boto3 talks HTTP to it exactly as to AWS, found through ``AWS_ENDPOINT_URL``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import requests
from moto.core import DEFAULT_ACCOUNT_ID
from moto.server import ThreadedMotoServer
from moto.ses.models import ses_backends

REGION = "us-east-1"
AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
}


@contextmanager
def local_aws() -> Iterator[str]:
    """Start moto's server on an ephemeral port, its state empty; yields its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()
        yield endpoint
    finally:
        server.stop()


def ses_sent_raw_messages() -> list[tuple[list[str], str]]:
    """(destinations, raw MIME text) of every raw message the stand-in's SES accepted (SES v2
    sends land in the v1 backend, which moto's server keeps in this process)."""
    backend = ses_backends[DEFAULT_ACCOUNT_ID][REGION]
    return [(list(m.destinations), m.raw_data) for m in backend.sent_messages]
