"""Errors the operator can fix, and how they reach a terminal: as the one line that names the
culprit, not as a traceback.

Raise :class:`ConfigurationError` (or a subclass: every subclass counts, wherever it is
defined) for a bad variable, a missing or corrupted replay file, a refused deployment. Two
hooks print such errors as their message alone: :func:`install_excepthook` for an error raised
while a command loads the code location (``dagster asset materialize`` with ``EDGE_AS_OF`` set
to garbage), and the console logger in ``edge_dagster.loggers`` for an error raised inside a
run. Every other error keeps its traceback, and the UI's event log always keeps the full error.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from types import TracebackType

PREFIX = "edge_dagster: "


class ConfigurationError(ValueError):
    """Something the operator set or supplied is wrong; the message is one line that names it
    and the accepted form."""


def _subclass_names(cls: type) -> set[str]:
    names = {cls.__name__}
    for sub in cls.__subclasses__():
        names |= _subclass_names(sub)
    return names


def configuration_error_names() -> set[str]:
    """Class names of every ConfigurationError subclass defined so far (Dagster's serialised
    errors keep the class name, not the class)."""
    return _subclass_names(ConfigurationError)


def _exception_chain(error: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def configuration_error_in(error: BaseException | None) -> ConfigurationError | None:
    """The ConfigurationError behind ``error`` (itself, or what it was raised from)."""
    for link in _exception_chain(error):
        if isinstance(link, ConfigurationError):
            return link
    return None


def install_excepthook() -> None:
    """Print an uncaught ConfigurationError (however wrapped) as one line on stderr; any other
    uncaught error goes to the hook that was there before. The exit status stays 1."""
    previous = sys.excepthook
    if getattr(previous, "edge_dagster", False):
        return

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        culprit = configuration_error_in(error)
        if culprit is None:
            previous(kind, error, tb)
        else:
            print(f"{PREFIX}{culprit}", file=sys.stderr)

    hook.edge_dagster = True  # type: ignore[attr-defined]
    sys.excepthook = hook
