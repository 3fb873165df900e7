"""Any ConfigurationError subclass, wherever it is defined and wherever a run raises it (an
asset, a resource's set-up), and Dagster's Failure with its description, reach the console as
one line; other errors keep their trace."""

import pytest
from dagster import ConfigurableResource, DagsterInstance, Definitions, Failure, asset

from edge_dagster.cli import CONSOLE_AT_INFO, configuration_errors
from edge_dagster.errors import ConfigurationError
from edge_dagster.loggers import console_logger


class DeploymentRefused(ConfigurationError):
    """Stands for a refusal another module defines (the money path's deployment checks)."""


REFUSAL = "EDGE_DEPLOYMENT=production refuses the replay clock EDGE_AS_OF"


class RefusingResource(ConfigurableResource):
    def setup_for_execution(self, context) -> None:  # noqa: ANN001
        raise DeploymentRefused(REFUSAL)


@asset
def needs_the_refusing_resource(refusing: RefusingResource) -> None:
    return None


@asset
def refuses_in_its_body() -> None:
    raise DeploymentRefused(REFUSAL)


@asset
def fails_on_a_known_condition() -> None:
    raise Failure(description=REFUSAL)


@asset
def has_a_bug() -> None:
    raise KeyError("ticker")


def _run(asset_def, resources=None):  # noqa: ANN001, ANN202
    defs = Definitions(
        assets=[asset_def], resources=resources or {}, loggers={"console": console_logger}
    )
    return defs.get_implicit_global_asset_job_def().execute_in_process(
        run_config=CONSOLE_AT_INFO, instance=DagsterInstance.ephemeral(), raise_on_error=False
    )


@pytest.mark.parametrize(
    ("asset_def", "resources"),
    [
        (needs_the_refusing_resource, {"refusing": RefusingResource()}),
        (refuses_in_its_body, None),
        (fails_on_a_known_condition, None),
    ],
    ids=["resource-set-up", "asset-body", "dagster-failure"],
)
def test_a_refusal_from_any_subclass_is_one_line(capsys, asset_def, resources):
    result = _run(asset_def, resources)
    assert configuration_errors(result) == [f"{asset_def.key.to_user_string()}: {REFUSAL}"]
    console = capsys.readouterr().err
    assert "Stack Trace" not in console and "Traceback" not in console
    assert sum(line.endswith(REFUSAL) for line in console.splitlines()) == 1


def test_any_other_error_keeps_its_stack_trace(capsys):
    result = _run(has_a_bug)
    assert configuration_errors(result) == []
    assert "Stack Trace" in capsys.readouterr().err
