#!/usr/bin/env bash
# Install, then run the pipeline end to end offline: the shipped real replay data, a DuckDB
# file, the paper venue, and a fixed "now" inside the data (the replay data ends 2026-04-19).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh

export DAGSTER_HOME="${DAGSTER_HOME:-$PWD/dagster_home}"
export EDGE_DEPLOYMENT="${EDGE_DEPLOYMENT:-replay}"
export EDGE_AS_OF="${EDGE_AS_OF:-2026-04-20T12:00:00-04:00}"
mkdir -p var
log="var/quickstart.log"
: >"$log"

# Each step is a real Dagster run recorded in $DAGSTER_HOME: open the UI afterwards to see them.
# One `materialize "title" --select …` line per step; the count and the timings are automatic.
steps=$(grep -c '^materialize "' "$0")
step=0
started=$(date +%s.%N)
materialize() {
    local title="$1" began
    shift
    step=$((step + 1))
    began=$(date +%s%3N)
    printf '[%d/%d] %s ... ' "$step" "$steps" "$title"
    if ! .venv/bin/edge materialize "$@" >>"$log" 2>&1; then
        echo "FAILED"
        tail -n 40 "$log"
        echo "quickstart: step failed: $title (full log: $log)" >&2
        exit 1
    fi
    local ms=$(($(date +%s%3N) - began))
    printf '%d.%d s\n' $((ms / 1000)) $((ms % 1000 / 100))
}

materialize "TSA daily figures 2019-01-01 .. 2026-04-19 (88 months) as of $EDGE_AS_OF, and the SQL models" \
    --select 'tsa_checkpoint_raw,tsa_daily,tsa_weekly' --partition-range 2019-01-01...2026-04-01
materialize "TSA weekly strategy, weeks 2022-01-03 .. 2026-04-20 (past weeks = backtest)" \
    --select 'tsa_fair_values,tsa_orders' \
    --partition-range 2022-01-03...2026-04-20
materialize "Temperature strategy: one real KMDW day, 2024-09-16 (NBM history from 2024-08-17, priced, gated by its market-skill record; one run)" --select 'observed_highs,nbm_peak_window_forecasts,nbm_bulletins,stg_observed_highs,stg_nbm_daily_high,weather_calibration,weather_market_snapshots,weather_bin_probabilities,weather_opportunities,weather_orders' --partition-range 'CHI|2024-08-17...CHI|2024-09-16'
materialize "Backtest report" --select tsa_backtest_report
materialize "Portfolio (P&L per strategy, drawdown, exposure) and the daily report e-mail (EDGE_EMAIL_BACKEND=${EDGE_EMAIL_BACKEND:-file})" \
    --select 'portfolio,daily_report_email'

echo
.venv/bin/python -m edge_dagster.summary --since "$started"
