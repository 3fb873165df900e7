"""The one way to read a file of the replay folder (``EDGE_REPLAY_DIR``): every column parsed
as declared, and a missing file, a missing column or a value that does not parse raises an
error naming the variable, the file, the line and the value."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from edge_dagster.errors import ConfigurationError

KINDS = ("str", "int", "float", "date", "datetime")
"""A column's kind; a trailing ``?`` lets the value be empty (NaN / NaT / "")."""


class ReplayDataError(ConfigurationError):
    """A replay file is missing or holds a value its reader cannot use."""


def _parse(values: pd.Series, kind: str) -> pd.Series:
    if kind == "str":
        return values
    if kind in ("int", "float"):
        return pd.to_numeric(values, errors="coerce")
    if kind == "date":
        return pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    if kind == "datetime":
        return pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce")
    raise ValueError(f"unknown column kind {kind!r}; expected one of {KINDS}")


def _bad_rows(raw: pd.Series, parsed: pd.Series, kind: str, optional: bool) -> pd.Series:
    empty = raw == ""
    bad = parsed.isna() & ~empty
    if kind == "int":
        bad |= parsed.notna() & (parsed != parsed.round())
    if not optional:
        bad |= empty
    return bad


def read_replay_csv(replay_dir: str | Path, name: str, columns: Mapping[str, str]) -> pd.DataFrame:
    """``columns`` of ``replay_dir/name``, parsed by kind (``{"travelers": "int", ...}``):
    ``int`` as int64 (``Int64`` when optional), ``float``, ``date`` (YYYY-MM-DD, as
    Timestamps), ``datetime`` (ISO-8601, UTC), ``str``. Other columns of the file are ignored."""
    path = Path(replay_dir) / name
    if not path.is_file():
        raise ReplayDataError(
            f"{path}: replay file missing; EDGE_REPLAY_DIR={replay_dir} must hold {name} "
            "(named and shaped like replay_data/)"
        )
    # Blank lines are kept as rows, so a row's index + 2 is its line in the file.
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
    absent = [column for column in columns if column not in raw.columns]
    if absent:
        raise ReplayDataError(
            f"{path}: no column {', '.join(absent)} (EDGE_REPLAY_DIR={replay_dir}; the header "
            f"has {', '.join(raw.columns)})"
        )
    parsed = {}
    for column, declared in columns.items():
        kind, optional = declared.removesuffix("?"), declared.endswith("?")
        values = _parse(raw[column].str.strip(), kind)
        bad = _bad_rows(raw[column].str.strip(), values, kind, optional)
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise ReplayDataError(
                f"{path} line {row + 2}: {column}={raw[column].iloc[row]!r} is not "
                f"{'an empty value or ' if optional else ''}a{'n' if kind == 'int' else ''} "
                f"{kind} (EDGE_REPLAY_DIR={replay_dir})"
            )
        if kind == "int":
            values = values.astype("Int64" if optional else "int64")
        parsed[column] = values
    return pd.DataFrame(parsed)
