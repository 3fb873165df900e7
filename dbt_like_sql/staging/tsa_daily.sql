-- Cleaned TSA daily throughput, one row per travel day. `travelers` is the first-published
-- figure (what Kalshi settles on and what was knowable at `published_at`); `travelers_latest`
-- is the latest archive value, which TSA sometimes restates.
SELECT
    travel_date,
    travelers_first_published AS travelers,
    travelers_latest,
    travelers_latest - travelers_first_published AS revision,
    published_at,
    CAST(isodow(travel_date) AS INTEGER) AS iso_weekday,
    CAST(date_trunc('week', travel_date) AS DATE) AS week_monday
FROM {{ ref('tsa_checkpoint_raw') }}
ORDER BY travel_date
