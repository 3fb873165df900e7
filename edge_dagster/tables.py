"""DDL of the tables written from Python (the SQL models in ``dbt_like_sql/`` define theirs).

One home for each table's columns; the README's data contract describes the same columns.
"""

from __future__ import annotations

TABLE_DDL: dict[str, str] = {
    # Raw TSA observations, one row per travel day. The first-published figure (what Kalshi
    # settles on) is never overwritten; later revisions of the archive land in *_latest.
    "tsa_checkpoint_raw": """
        CREATE TABLE IF NOT EXISTS tsa_checkpoint_raw (
            travel_date DATE PRIMARY KEY,
            travelers_first_published BIGINT NOT NULL,
            published_at TIMESTAMPTZ NOT NULL,
            first_seen_at TIMESTAMPTZ NOT NULL,
            travelers_latest BIGINT NOT NULL,
            latest_changed_at TIMESTAMPTZ NOT NULL,
            source VARCHAR NOT NULL
        )
    """,
}
