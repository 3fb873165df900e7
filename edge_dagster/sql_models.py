"""Plain ``.sql`` model files → ordered, dependency-checked models (no Dagster here).

A model is one ``SELECT`` in ``dbt_like_sql/<folder>/<name>.sql``; the file stem is the table
name. Other tables are named with ``{{ ref('table') }}``, which is how dependencies are known.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

REF_PATTERN = re.compile(r"\{\{\s*ref\(\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]\s*\)\s*\}\}")
SQL_MODELS_DIR = Path(__file__).resolve().parents[1] / "dbt_like_sql"


class SqlModelError(ValueError):
    """A model folder that cannot be loaded: unknown reference, cycle, duplicate name."""


@dataclass(frozen=True)
class SqlModel:
    name: str
    path: Path
    sql: str
    refs: tuple[str, ...]

    @property
    def code_version(self) -> str:
        """Stable across machines and runs; changes exactly when the SQL text changes."""
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()[:16]

    @property
    def description(self) -> str:
        """The leading ``--`` comment lines of the file."""
        lines = []
        for line in self.sql.splitlines():
            if not line.startswith("--"):
                break
            lines.append(line.removeprefix("--").strip())
        return " ".join(lines)

    def compiled(self) -> str:
        """The SELECT with every ``ref`` replaced by its table name."""
        return REF_PATTERN.sub(lambda match: match.group(1), self.sql)


def read_sql_model(path: Path) -> SqlModel:
    sql = path.read_text(encoding="utf-8")
    refs = tuple(dict.fromkeys(REF_PATTERN.findall(sql)))
    return SqlModel(name=path.stem, path=path, sql=sql, refs=refs)


def load_sql_models(folder: Path, external_tables: set[str]) -> list[SqlModel]:
    """Every model under ``folder`` in dependency order.

    ``external_tables`` are the tables written by Python assets that models may ``ref``.
    """
    models: dict[str, SqlModel] = {}
    for path in sorted(folder.rglob("*.sql")):
        model = read_sql_model(path)
        if model.name in models:
            raise SqlModelError(
                f"{path}: model name {model.name!r} is already used by {models[model.name].path}"
            )
        if model.name in external_tables:
            raise SqlModelError(f"{path}: {model.name!r} is already a Python-built table")
        models[model.name] = model
    for model in models.values():
        unknown = [ref for ref in model.refs if ref not in models and ref not in external_tables]
        if unknown:
            raise SqlModelError(
                f"{model.path}: ref({unknown[0]!r}) names no SQL model and no Python asset; "
                f"known tables: {', '.join(sorted({*models, *external_tables}))}"
            )
    graph = {name: {ref for ref in model.refs if ref in models} for name, model in models.items()}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as error:
        cycle = " -> ".join(error.args[1])
        raise SqlModelError(
            f"{folder}: SQL models reference each other in a cycle: {cycle}"
        ) from error
    return [models[name] for name in order]
