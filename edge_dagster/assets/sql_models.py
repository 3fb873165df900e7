"""One Dagster asset per ``dbt_like_sql`` model, built by a small factory."""

from collections.abc import Iterable

from dagster import AssetKey, AssetsDefinition, MaterializeResult, MetadataValue, asset

from edge_dagster.resources.warehouse import DUCKDB_WRITE_POOL, WarehouseResource
from edge_dagster.sql_models import SQL_MODELS_DIR, SqlModel, load_sql_models
from edge_dagster.warehouse import fetch_row


def sql_model_asset(model: SqlModel) -> AssetsDefinition:
    @asset(
        name=model.name,
        deps=[AssetKey(ref) for ref in model.refs],
        code_version=model.code_version,
        kinds={"duckdb", "sql"},
        group_name="models",
        pool=DUCKDB_WRITE_POOL,
        description=model.description or None,
        metadata={
            "sql_path": str(model.path.relative_to(SQL_MODELS_DIR.parent)),
            "sql": MetadataValue.md(f"```sql\n{model.sql.strip()}\n```"),
        },
    )
    def _sql_model(warehouse: WarehouseResource) -> MaterializeResult:
        with warehouse.transaction() as conn:
            conn.execute(f"CREATE OR REPLACE TABLE {model.name} AS {model.compiled()}")
            (rows,) = fetch_row(conn, f"SELECT count(*) FROM {model.name}")
        return MaterializeResult(metadata={"rows": MetadataValue.int(rows)})

    return _sql_model


def sql_model_assets(external_tables: Iterable[str]) -> list[AssetsDefinition]:
    """Assets for every model in ``dbt_like_sql/``; bad refs and cycles fail at load time."""
    models = load_sql_models(SQL_MODELS_DIR, set(external_tables))
    return [sql_model_asset(model) for model in models]
