"""The console logger of every run: Dagster's own, with errors the operator can act on as one
line: any ConfigurationError, and Dagster's ``Failure`` (which the assets raise, with a
description, for a known condition such as a day not yet published)."""

from __future__ import annotations

import logging
from typing import Any

from dagster import InitLoggerContext, logger
from dagster._loggers import colored_console_logger
from dagster._utils.log import create_console_logger

from edge_dagster.errors import configuration_error_names

ONE_LINE_DAGSTER_ERRORS = {"Failure"}


def serialised_configuration_error(event: Any) -> str | None:
    """The message of the ConfigurationError (or Failure) in a Dagster event's error chain."""
    error = getattr(getattr(event, "event_specific_data", None), "error", None)
    names = configuration_error_names() | ONE_LINE_DAGSTER_ERRORS
    while error is not None:
        if error.cls_name in names:
            # Dagster's message starts "module.ClassName: "
            qualified, sep, message = error.message.strip().partition(": ")
            return message if sep and qualified.endswith(error.cls_name) else error.message.strip()
        error = error.cause or error.context
    return None


class OneLineConfigurationErrors(logging.Filter):
    """On a console logger: a step that failed on a ConfigurationError is logged as one line
    ending in the error's message; the run failure it causes as its first line only."""

    def filter(self, record: logging.LogRecord) -> bool:
        event = getattr(record, "dagster_event", None)
        message = serialised_configuration_error(event) if event is not None else None
        if message is not None:
            first_line = record.getMessage().split("\n", 1)[0]
            record.msg = first_line if event.is_run_failure else f"{first_line} {message}"
            record.args = ()
        return True


@logger(
    config_schema=colored_console_logger.config_schema,
    description="Dagster's colored console logger; configuration errors print as one line.",
)
def console_logger(init_context: InitLoggerContext) -> logging.Logger:
    """Dagster's console logger (same name, level and format) with the filter above; runs use
    it when their run config names it (``edge materialize`` does), else Dagster's default."""
    console = create_console_logger(
        name=init_context.logger_config["name"], level=init_context.logger_config["log_level"]
    )
    console.addFilter(OneLineConfigurationErrors())
    return console
