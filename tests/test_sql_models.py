from pathlib import Path

import pytest

from edge_dagster.definitions import PYTHON_TABLES
from edge_dagster.sql_models import SQL_MODELS_DIR, SqlModelError, load_sql_models


def write_models(folder: Path, models: dict[str, str]) -> Path:
    for relative, sql in models.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql)
    return folder


def test_dependencies_come_from_ref_markers_and_order_models(tmp_path: Path):
    folder = write_models(
        tmp_path,
        {
            "marts/weekly.sql": "SELECT * FROM {{ ref('daily') }}",
            "staging/daily.sql": 'SELECT * FROM {{ ref("raw_days") }}',
        },
    )
    models = load_sql_models(folder, external_tables={"raw_days"})
    assert [(m.name, m.refs) for m in models] == [("daily", ("raw_days",)), ("weekly", ("daily",))]
    assert models[1].compiled() == "SELECT * FROM daily"


def test_an_unknown_reference_fails_naming_the_file_and_the_ref(tmp_path: Path):
    folder = write_models(tmp_path, {"a.sql": "SELECT * FROM {{ ref('nowhere') }}"})
    with pytest.raises(SqlModelError, match=r"a\.sql: ref\('nowhere'\) names no SQL model"):
        load_sql_models(folder, external_tables=set())


def test_a_cycle_fails_at_load_time(tmp_path: Path):
    folder = write_models(
        tmp_path,
        {"a.sql": "SELECT * FROM {{ ref('b') }}", "b.sql": "SELECT * FROM {{ ref('a') }}"},
    )
    with pytest.raises(SqlModelError, match="cycle"):
        load_sql_models(folder, external_tables=set())


def test_a_duplicate_model_name_fails(tmp_path: Path):
    folder = write_models(tmp_path, {"x/a.sql": "SELECT 1", "y/a.sql": "SELECT 2"})
    with pytest.raises(SqlModelError, match="already used"):
        load_sql_models(folder, external_tables=set())


def test_code_version_is_a_stable_hash_of_the_sql(tmp_path: Path):
    folder = write_models(tmp_path, {"a.sql": "SELECT 1"})
    (model,) = load_sql_models(folder, external_tables=set())
    assert model.code_version == "e004ebd5b5532a4b"  # sha256("SELECT 1")[:16]


def test_the_shipped_models_load():
    names = [m.name for m in load_sql_models(SQL_MODELS_DIR, set(PYTHON_TABLES))]
    assert names.index("tsa_daily") < names.index("tsa_weekly")
    assert {"stg_observed_highs", "stg_nbm_daily_high"} <= set(names)
