"""Alerts by e-mail, once per cause: an alert key stays active until its cause clears.

The state lives in its own small DuckDB file (``EDGE_ALERT_STATE_PATH``), not the warehouse:
alerts are raised by sensors in the code server while a run may hold the warehouse's
single-writer lock for minutes, and an alert must not wait for a backfill to finish.
"""

from __future__ import annotations

from datetime import datetime

from dagster import ConfigurableResource

from edge_dagster.core.clock import UTC
from edge_dagster.core.mail import compose
from edge_dagster.resources.email import EmailResource
from edge_dagster.settings import DEFAULT_ALERT_STATE_PATH
from edge_dagster.warehouse import ensure_tables, open_connection, transaction

ALERT_SUBJECT_PREFIX = "[edge_dagster alert]"


class AlertsResource(ConfigurableResource):
    """``alert(key, ...)`` when something is wrong, ``clear(key)`` when it is right again.

    Keys name the cause: ``run_failure:<job>``, and (phase 2) the kill switch and blocking
    checks. Raising an active key again only counts it; nothing is sent until it is cleared.
    """

    state_database: str = str(DEFAULT_ALERT_STATE_PATH)
    email: EmailResource

    def alert(self, key: str, subject: str, body: str) -> bool:
        """E-mail ``subject``/``body`` to the alert recipients unless ``key`` is active;
        returns whether it was sent. A failed send records nothing, so the next raise retries."""
        now = datetime.now(UTC)
        with open_connection(self.state_database) as conn, transaction(conn):
            ensure_tables(conn, ["alert_state"])
            active = conn.execute(
                "SELECT alert_key FROM alert_state WHERE alert_key = ? AND active", [key]
            ).fetchall()
            if active:
                conn.execute(
                    "UPDATE alert_state SET last_raised_at = ?, times_raised = times_raised + 1 "
                    "WHERE alert_key = ?",
                    [now, key],
                )
                return False
            recipients = self.email.alert_recipient_list()
            message = compose(f"{ALERT_SUBJECT_PREFIX} {subject}", body)
            for recipient in recipients:
                self.email.send(message, recipient)
            conn.execute(
                "INSERT OR REPLACE INTO alert_state (alert_key, active, subject, first_raised_at, "
                "last_raised_at, times_raised, sent_at, recipients, cleared_at) "
                "VALUES (?, true, ?, ?, ?, 1, ?, ?, NULL)",
                [key, subject, now, now, now, ", ".join(recipients)],
            )
        return True

    def clear(self, key: str) -> bool:
        """The cause of ``key`` is gone: the next ``alert`` with it is sent. Returns whether it
        was active."""
        with open_connection(self.state_database) as conn, transaction(conn):
            ensure_tables(conn, ["alert_state"])
            cleared = conn.execute(
                "UPDATE alert_state SET active = false, cleared_at = ? "
                "WHERE alert_key = ? AND active RETURNING alert_key",
                [datetime.now(UTC), key],
            ).fetchall()
        return bool(cleared)
