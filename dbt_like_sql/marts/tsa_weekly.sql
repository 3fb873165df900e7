-- Mon–Sun weekly averages of TSA throughput, the quantity the KXTSAW markets settle on.
-- `complete` weeks have all seven days; `complete_at` is when the seventh figure was published.
SELECT
    week_monday,
    CAST(week_monday + INTERVAL 6 DAY AS DATE) AS week_sunday,
    CAST(count(*) AS INTEGER) AS days_published,
    avg(travelers) AS avg_travelers,
    avg(travelers_latest) AS avg_travelers_latest,
    count(*) = 7 AS complete,
    CASE WHEN count(*) = 7 THEN max(published_at) END AS complete_at
FROM {{ ref('tsa_daily') }}
GROUP BY week_monday
ORDER BY week_monday
