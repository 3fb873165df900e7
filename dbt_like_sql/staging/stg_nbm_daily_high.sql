-- NBP daily-high guidance per station, local date and cycle with its spread: TXNSD, or where
-- TXNSD is missing the P10–P90 width in standard deviations (2 × 1.2816); rows with neither
-- have no usable spread and are left out. `lead_hours` runs from the cycle to the end of the
-- local day's max window (D+1 00Z).
SELECT
    station,
    local_date,
    cycle_time,
    version,
    forecast_hour AS lead_hours,
    available_at,
    txn_mean,
    txn_sd,
    txn_p10,
    txn_p25,
    txn_p50,
    txn_p75,
    txn_p90,
    txn_p90 - txn_p10 AS p10_p90_width,
    coalesce(CAST(txn_sd AS DOUBLE), (txn_p90 - txn_p10) / 2.5631031310892007) AS spread_sd
FROM {{ ref('nbm_bulletins') }}
WHERE coalesce(CAST(txn_sd AS DOUBLE), (txn_p90 - txn_p10) / 2.5631031310892007) IS NOT NULL
ORDER BY station, local_date, cycle_time
