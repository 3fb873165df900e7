import warnings

from dagster import BetaWarning

# BackfillPolicy.single_run() is what keeps DuckDB to one writer per backfill; Dagster marks the
# parameter beta, and the warning on every load says nothing a user can act on.
warnings.filterwarnings("ignore", category=BetaWarning, message=".*backfill_policy.*")
