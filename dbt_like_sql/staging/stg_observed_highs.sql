-- Final observed daily highs per station and climate day (local standard time), one row per
-- source, ranked for settlement: 1 = what Kalshi settled on, 2 = the NWS CLI text, 3 = IEM's
-- parse of the CLI, 4 = ACIS, 5 = GHCN-Daily (calendar day, not settlement grade). Point-in-time
-- readers pick the best rank among the rows with `available_at` <= their decision time.
SELECT
    station,
    climate_date,
    source,
    high_f,
    available_at,
    CASE source
        WHEN 'kalshi_expiration_value' THEN 1
        WHEN 'nws_cli' THEN 2
        WHEN 'iem_cli' THEN 3
        WHEN 'rcc_acis' THEN 4
        ELSE 5
    END AS source_rank,
    source IN ('kalshi_expiration_value', 'nws_cli', 'iem_cli', 'rcc_acis') AS settlement_grade
FROM {{ ref('observed_highs') }}
WHERE report = 'final'
ORDER BY station, climate_date, source_rank
