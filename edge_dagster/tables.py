"""DDL of the tables written from Python (the SQL models in ``dbt_like_sql/`` define theirs).

One home for each table's columns; the README's data contract describes the same columns.
"""

from __future__ import annotations

TABLE_DDL: dict[str, str] = {
    # Raw TSA observations, one row per travel day. The first-published figure (what Kalshi
    # settles on) is never overwritten; later revisions of the archive land in *_latest.
    "tsa_checkpoint_raw": """
        CREATE TABLE IF NOT EXISTS tsa_checkpoint_raw (
            travel_date DATE PRIMARY KEY,
            travelers_first_published BIGINT NOT NULL,
            published_at TIMESTAMPTZ NOT NULL,
            first_seen_at TIMESTAMPTZ NOT NULL,
            travelers_latest BIGINT NOT NULL,
            latest_changed_at TIMESTAMPTZ NOT NULL,
            source VARCHAR NOT NULL
        )
    """,
    # Top of book per market per decision time, append-only: (ticker, as_of) is never rewritten.
    # Written by tsa_fair_values (its first step) and weather_market_snapshots.
    "market_snapshots": """
        CREATE TABLE IF NOT EXISTS market_snapshots (
            ticker VARCHAR NOT NULL,
            as_of TIMESTAMPTZ NOT NULL,
            source VARCHAR NOT NULL,
            series_ticker VARCHAR NOT NULL,
            event_ticker VARCHAR NOT NULL,
            strike_type VARCHAR NOT NULL,
            floor_strike DOUBLE,
            cap_strike DOUBLE,
            status VARCHAR NOT NULL,
            yes_bid DECIMAL(10, 4),
            yes_ask DECIMAL(10, 4),
            yes_bid_size INTEGER,
            yes_ask_size INTEGER,
            last_price DECIMAL(10, 4),
            volume DOUBLE,
            open_interest DOUBLE,
            quote_time TIMESTAMPTZ,
            close_time TIMESTAMPTZ NOT NULL,
            result VARCHAR NOT NULL,
            fee_type VARCHAR NOT NULL,
            fee_multiplier DECIMAL(10, 4) NOT NULL,
            PRIMARY KEY (ticker, as_of)
        )
    """,
    # The contract between strategies and the orders asset: what a strategy wants at a decision
    # (TSA: the first step of tsa_orders; temperature: weather_opportunities).
    "desired_orders": """
        CREATE TABLE IF NOT EXISTS desired_orders (
            strategy VARCHAR NOT NULL,
            partition_key VARCHAR NOT NULL,
            decision_time TIMESTAMPTZ NOT NULL,
            tag VARCHAR NOT NULL,
            bracket_id VARCHAR NOT NULL,
            event_ticker VARCHAR NOT NULL,
            ticker VARCHAR NOT NULL,
            side VARCHAR NOT NULL,
            action VARCHAR NOT NULL,
            limit_price DECIMAL(10, 4) NOT NULL,
            count INTEGER NOT NULL,
            fair_value DOUBLE NOT NULL,
            edge DOUBLE NOT NULL,
            fee_type VARCHAR NOT NULL DEFAULT 'quadratic',
            fee_multiplier DECIMAL(10, 4) NOT NULL DEFAULT 1,
            time_in_force VARCHAR NOT NULL DEFAULT 'good_till_canceled',
            expires_at TIMESTAMPTZ,
            PRIMARY KEY (strategy, decision_time, ticker, side, action)
        )
    """,
    # Every order a venue was given, in every environment: one row per intent from the moment it
    # is recorded (pending, before a real exchange is asked) to its end. The client order id is
    # the idempotency key (a UUIDv5 of environment, strategy, ticker, side, action, decision time
    # in UTC).
    "orders": """
        CREATE TABLE IF NOT EXISTS orders (
            client_order_id VARCHAR PRIMARY KEY,
            environment VARCHAR NOT NULL,
            strategy VARCHAR NOT NULL,
            partition_key VARCHAR NOT NULL,
            decision_time TIMESTAMPTZ NOT NULL,
            event_ticker VARCHAR NOT NULL,
            ticker VARCHAR NOT NULL,
            side VARCHAR NOT NULL,
            action VARCHAR NOT NULL,
            book_side VARCHAR NOT NULL,
            limit_price DECIMAL(10, 4) NOT NULL,
            yes_price DECIMAL(10, 4) NOT NULL,
            count INTEGER NOT NULL,
            filled_count INTEGER NOT NULL,
            taker_fees DECIMAL(12, 4) NOT NULL,
            maker_fees DECIMAL(12, 4) NOT NULL,
            status VARCHAR NOT NULL,
            exchange_order_id VARCHAR,
            fee_type VARCHAR NOT NULL,
            fee_multiplier DECIMAL(10, 4) NOT NULL,
            submitted_at TIMESTAMPTZ NOT NULL,
            filled_through TIMESTAMPTZ NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            note VARCHAR NOT NULL,
            takes_liquidity BOOLEAN DEFAULT false,
            tag VARCHAR NOT NULL DEFAULT 'entry',
            bracket_id VARCHAR NOT NULL DEFAULT '',
            fair_value DOUBLE NOT NULL DEFAULT 0,
            edge DOUBLE NOT NULL DEFAULT 0,
            time_in_force VARCHAR NOT NULL DEFAULT 'good_till_canceled',
            expires_at TIMESTAMPTZ,
            closed_at TIMESTAMPTZ
        )
    """,
    "fills": """
        CREATE TABLE IF NOT EXISTS fills (
            fill_id VARCHAR PRIMARY KEY,
            client_order_id VARCHAR NOT NULL,
            environment VARCHAR NOT NULL,
            strategy VARCHAR NOT NULL,
            partition_key VARCHAR NOT NULL,
            ticker VARCHAR NOT NULL,
            side VARCHAR NOT NULL,
            action VARCHAR NOT NULL,
            count INTEGER NOT NULL,
            price DECIMAL(10, 4) NOT NULL,
            fee DECIMAL(12, 4) NOT NULL,
            is_taker BOOLEAN NOT NULL,
            filled_at TIMESTAMPTZ NOT NULL
        )
    """,
    # Cash movements: trades (−cost or +proceeds), fees (−), settlements (+$1 per winning
    # contract). Sum per environment/strategy = realised P&L.
    "cash_ledger": """
        CREATE TABLE IF NOT EXISTS cash_ledger (
            entry_id VARCHAR PRIMARY KEY,
            environment VARCHAR NOT NULL,
            strategy VARCHAR NOT NULL,
            partition_key VARCHAR NOT NULL,
            entry_at TIMESTAMPTZ NOT NULL,
            kind VARCHAR NOT NULL,
            ticker VARCHAR NOT NULL,
            amount DECIMAL(14, 4) NOT NULL
        )
    """,
    # Forecast of a TSA week's Mon–Sun average at each decision time, one row per model
    # (written by tsa_fair_values, before it prices).
    "tsa_forecasts": """
        CREATE TABLE IF NOT EXISTS tsa_forecasts (
            week_monday DATE NOT NULL,
            decision_time TIMESTAMPTZ NOT NULL,
            horizon INTEGER NOT NULL,
            model VARCHAR NOT NULL,
            known_days INTEGER NOT NULL,
            forecast_avg DOUBLE NOT NULL,
            q10 DOUBLE NOT NULL,
            q50 DOUBLE NOT NULL,
            q90 DOUBLE NOT NULL,
            distribution VARCHAR NOT NULL,
            pricing_model BOOLEAN NOT NULL,
            PRIMARY KEY (week_monday, decision_time, model)
        )
    """,
    # P(weekly average > strike) per market, decision time and model, with the quote then:
    # the model's own value and the value traded (pooled with the quote's mid where one exists).
    "tsa_fair_values": """
        CREATE TABLE IF NOT EXISTS tsa_fair_values (
            week_monday DATE NOT NULL,
            decision_time TIMESTAMPTZ NOT NULL,
            event_ticker VARCHAR NOT NULL,
            ticker VARCHAR NOT NULL,
            strike DOUBLE NOT NULL,
            synthetic_strike BOOLEAN NOT NULL,
            model VARCHAR NOT NULL,
            model_fair_yes DOUBLE NOT NULL,
            fair_yes DOUBLE NOT NULL,
            pool_weight DOUBLE NOT NULL,
            yes_bid DECIMAL(10, 4),
            yes_ask DECIMAL(10, 4),
            quote_time TIMESTAMPTZ,
            fee_type VARCHAR NOT NULL,
            fee_multiplier DECIMAL(10, 4) NOT NULL,
            PRIMARY KEY (week_monday, decision_time, ticker, model)
        )
    """,
    # One row per daily report delivered to one recipient: a re-run of the same day sends nothing
    # to a recipient already here.
    "daily_report_sent": """
        CREATE TABLE IF NOT EXISTS daily_report_sent (
            report_date DATE NOT NULL,
            recipient VARCHAR NOT NULL,
            sent_at TIMESTAMPTZ NOT NULL,
            backend VARCHAR NOT NULL,
            delivery VARCHAR NOT NULL,
            subject VARCHAR NOT NULL,
            PRIMARY KEY (report_date, recipient)
        )
    """,
    # The account's open positions as the portfolio asset last saw them (demo/live: the
    # exchange's, attributed to our strategies through the ledger, the rest as 'outside').
    "portfolio_positions": """
        CREATE TABLE IF NOT EXISTS portfolio_positions (
            environment VARCHAR NOT NULL,
            as_of TIMESTAMPTZ NOT NULL,
            strategy VARCHAR NOT NULL,
            event_ticker VARCHAR NOT NULL,
            city VARCHAR NOT NULL,
            ticker VARCHAR NOT NULL,
            side VARCHAR NOT NULL,
            count INTEGER NOT NULL,
            cost_usd DECIMAL(14, 4) NOT NULL,
            mark_usd DECIMAL(10, 4),
            value_usd DECIMAL(14, 4) NOT NULL,
            unrealised_pnl_usd DECIMAL(14, 4) NOT NULL,
            PRIMARY KEY (environment, strategy, ticker, side)
        )
    """,
    # Cumulative P&L at the end of each ET day (today: as of the run), per strategy and 'all'.
    "portfolio_daily": """
        CREATE TABLE IF NOT EXISTS portfolio_daily (
            environment VARCHAR NOT NULL,
            day DATE NOT NULL,
            strategy VARCHAR NOT NULL,
            as_of TIMESTAMPTZ NOT NULL,
            realised_pnl_usd DECIMAL(14, 4) NOT NULL,
            unrealised_pnl_usd DECIMAL(14, 4) NOT NULL,
            pnl_usd DECIMAL(14, 4) NOT NULL,
            day_pnl_usd DECIMAL(14, 4) NOT NULL,
            drawdown_usd DECIMAL(14, 4) NOT NULL,
            equity_usd DECIMAL(14, 4),
            open_positions INTEGER NOT NULL,
            PRIMARY KEY (environment, day, strategy)
        )
    """,
    # What a strategy's last sync of a real exchange could not reconcile with the ledger
    # (replaced per environment and strategy on every demo/live orders run): blocking drift
    # stops that strategy's new orders until it clears.
    "reconciliation_drift": """
        CREATE TABLE IF NOT EXISTS reconciliation_drift (
            environment VARCHAR NOT NULL,
            strategy VARCHAR NOT NULL,
            checked_at TIMESTAMPTZ NOT NULL,
            kind VARCHAR NOT NULL,
            ticker VARCHAR NOT NULL,
            detail VARCHAR NOT NULL,
            blocking BOOLEAN NOT NULL
        )
    """,
    # One row per alert cause (in the alert-state file, not the warehouse: see alerts.py). An
    # active alert is not sent again until it is cleared.
    "alert_state": """
        CREATE TABLE IF NOT EXISTS alert_state (
            alert_key VARCHAR PRIMARY KEY,
            active BOOLEAN NOT NULL,
            subject VARCHAR NOT NULL,
            first_raised_at TIMESTAMPTZ NOT NULL,
            last_raised_at TIMESTAMPTZ NOT NULL,
            times_raised INTEGER NOT NULL,
            sent_at TIMESTAMPTZ NOT NULL,
            recipients VARCHAR NOT NULL,
            cleared_at TIMESTAMPTZ
        )
    """,
    # One row per NBP bulletin (cycle) read: where from, how big, which stations it held.
    "nbm_cycles": """
        CREATE TABLE IF NOT EXISTS nbm_cycles (
            cycle_time TIMESTAMPTZ PRIMARY KEY,
            source_url VARCHAR NOT NULL,
            fetched_at TIMESTAMPTZ NOT NULL,
            bytes BIGINT NOT NULL,
            sha256 VARCHAR NOT NULL,
            block_count INTEGER NOT NULL,
            stations_found VARCHAR NOT NULL,
            stations_missing VARCHAR NOT NULL
        )
    """,
    # The configured stations' raw blocks of each cycle read, so a cycle can be re-parsed
    # without downloading its 35 MB bulletin again.
    "nbm_station_blocks": """
        CREATE TABLE IF NOT EXISTS nbm_station_blocks (
            cycle_time TIMESTAMPTZ NOT NULL,
            station VARCHAR NOT NULL,
            block_text VARCHAR NOT NULL,
            PRIMARY KEY (cycle_time, station)
        )
    """,
    # NBP's daily-high distribution per station, local date and cycle (°F).
    "nbm_bulletins": """
        CREATE TABLE IF NOT EXISTS nbm_bulletins (
            station VARCHAR NOT NULL,
            local_date DATE NOT NULL,
            cycle_time TIMESTAMPTZ NOT NULL,
            version VARCHAR NOT NULL,
            forecast_hour INTEGER NOT NULL,
            valid_time TIMESTAMPTZ NOT NULL,
            available_at TIMESTAMPTZ NOT NULL,
            txn_mean INTEGER NOT NULL,
            txn_sd INTEGER,
            txn_p10 INTEGER,
            txn_p25 INTEGER,
            txn_p50 INTEGER,
            txn_p75 INTEGER,
            txn_p90 INTEGER,
            PRIMARY KEY (station, local_date, cycle_time)
        )
    """,
    # The shipped day-ahead NBM history: max of the 13-18 h local hourly 2 m temperature from
    # the previous day's 12Z core run (a point value, no spread; runs colder than the CLI).
    "nbm_peak_window_forecasts": """
        CREATE TABLE IF NOT EXISTS nbm_peak_window_forecasts (
            station VARCHAR NOT NULL,
            climate_date DATE NOT NULL,
            run_time TIMESTAMPTZ NOT NULL,
            available_at TIMESTAMPTZ NOT NULL,
            forecast_f DOUBLE NOT NULL,
            source VARCHAR NOT NULL,
            PRIMARY KEY (station, climate_date, run_time)
        )
    """,
    # Observed daily highs per station, climate day (LST), source and report (final or
    # preliminary: only the final settles), with when each became public.
    "observed_highs": """
        CREATE TABLE IF NOT EXISTS observed_highs (
            station VARCHAR NOT NULL,
            climate_date DATE NOT NULL,
            source VARCHAR NOT NULL,
            report VARCHAR NOT NULL,
            high_f INTEGER NOT NULL,
            issued_at TIMESTAMPTZ,
            available_at TIMESTAMPTZ NOT NULL,
            origin VARCHAR NOT NULL,
            PRIMARY KEY (station, climate_date, source, report)
        )
    """,
    # Every daily-high market seen: strikes with their provenance, times, and how it settled.
    "weather_markets": """
        CREATE TABLE IF NOT EXISTS weather_markets (
            ticker VARCHAR PRIMARY KEY,
            event_ticker VARCHAR NOT NULL,
            series_ticker VARCHAR NOT NULL,
            city VARCHAR NOT NULL,
            climate_date DATE NOT NULL,
            strike_type VARCHAR NOT NULL,
            floor_strike DOUBLE,
            cap_strike DOUBLE,
            strike_source VARCHAR NOT NULL,
            open_time TIMESTAMPTZ,
            close_time TIMESTAMPTZ NOT NULL,
            settles_at TIMESTAMPTZ,
            result VARCHAR NOT NULL,
            settled_value DOUBLE,
            settled_value_source VARCHAR,
            outcome VARCHAR NOT NULL,
            outcome_source VARCHAR NOT NULL,
            pnl_eligible BOOLEAN NOT NULL
        )
    """,
    # Per city, fit date and model: the calibration fitted once that day's final CLI is in.
    "weather_calibration": """
        CREATE TABLE IF NOT EXISTS weather_calibration (
            city VARCHAR NOT NULL,
            station VARCHAR NOT NULL,
            fit_date DATE NOT NULL,
            fitted_at TIMESTAMPTZ NOT NULL,
            model VARCHAR NOT NULL,
            fit_id VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            params VARCHAR NOT NULL,
            a DOUBLE,
            b DOUBLE,
            c DOUBLE,
            d DOUBLE,
            n_pairs INTEGER NOT NULL,
            window_start DATE NOT NULL,
            window_end DATE NOT NULL,
            crps_before DOUBLE,
            crps_after DOUBLE,
            pit_coverage_before DOUBLE,
            pit_coverage_after DOUBLE,
            bias_before DOUBLE,
            bias_after DOUBLE,
            note VARCHAR NOT NULL,
            PRIMARY KEY (city, fit_date, model)
        )
    """,
    # P(YES) of every bin of a city-day event at each decision time, per model.
    "weather_bin_probabilities": """
        CREATE TABLE IF NOT EXISTS weather_bin_probabilities (
            city VARCHAR NOT NULL,
            climate_date DATE NOT NULL,
            event_ticker VARCHAR NOT NULL,
            decision_time TIMESTAMPTZ NOT NULL,
            model VARCHAR NOT NULL,
            pricing_model BOOLEAN NOT NULL,
            fit_id VARCHAR NOT NULL,
            forecast_source VARCHAR NOT NULL,
            forecast_mean DOUBLE,
            forecast_spread DOUBLE,
            mu DOUBLE NOT NULL,
            sigma DOUBLE NOT NULL,
            ticker VARCHAR NOT NULL,
            strike_type VARCHAR NOT NULL,
            floor_strike DOUBLE,
            cap_strike DOUBLE,
            strike_source VARCHAR NOT NULL,
            lower_edge DOUBLE NOT NULL,
            upper_edge DOUBLE NOT NULL,
            probability DOUBLE NOT NULL,
            PRIMARY KEY (ticker, decision_time, model)
        )
    """,
    # Every market of a city-day at each decision, single and bracket, with its net edge.
    "weather_opportunities": """
        CREATE TABLE IF NOT EXISTS weather_opportunities (
            decision_time TIMESTAMPTZ NOT NULL,
            city VARCHAR NOT NULL,
            climate_date DATE NOT NULL,
            event_ticker VARCHAR NOT NULL,
            ticker VARCHAR NOT NULL,
            strategy VARCHAR NOT NULL,
            bracket_id VARCHAR NOT NULL,
            side VARCHAR NOT NULL,
            limit_price DECIMAL(10, 4),
            count INTEGER NOT NULL,
            fair_value DECIMAL(10, 6) NOT NULL,
            net_edge DECIMAL(10, 6),
            mu DOUBLE NOT NULL,
            sigma DOUBLE NOT NULL,
            pricing_model VARCHAR NOT NULL,
            fit_id VARCHAR NOT NULL,
            tradable BOOLEAN NOT NULL,
            reason VARCHAR NOT NULL,
            PRIMARY KEY (decision_time, ticker, strategy, side)
        )
    """,
}

# Columns added after a table first shipped: applied to older warehouse files on first use.
TABLE_MIGRATIONS: dict[str, list[str]] = {
    # Drift was one account-wide set before each strategy reconciled its own part; the next
    # sync of each strategy rewrites its rows.
    "reconciliation_drift": [
        "ALTER TABLE reconciliation_drift ADD COLUMN IF NOT EXISTS strategy VARCHAR",
        "DELETE FROM reconciliation_drift WHERE strategy IS NULL",
    ],
    # Rows priced before pooling traded on the model's own value.
    "tsa_fair_values": [
        "ALTER TABLE tsa_fair_values ADD COLUMN IF NOT EXISTS model_fair_yes DOUBLE",
        "UPDATE tsa_fair_values SET model_fair_yes = fair_yes WHERE model_fair_yes IS NULL",
        "ALTER TABLE tsa_fair_values ADD COLUMN IF NOT EXISTS pool_weight DOUBLE DEFAULT 0",
    ],
    "orders": [
        "ALTER TABLE orders ADD COLUMN IF NOT EXISTS takes_liquidity BOOLEAN DEFAULT false",
        "ALTER TABLE orders ADD COLUMN IF NOT EXISTS tag VARCHAR DEFAULT 'entry'",
        "ALTER TABLE orders ADD COLUMN IF NOT EXISTS bracket_id VARCHAR DEFAULT ''",
        "ALTER TABLE orders ADD COLUMN IF NOT EXISTS fair_value DOUBLE DEFAULT 0",
        "ALTER TABLE orders ADD COLUMN IF NOT EXISTS edge DOUBLE DEFAULT 0",
        "ALTER TABLE orders ADD COLUMN IF NOT EXISTS time_in_force VARCHAR "
        "DEFAULT 'good_till_canceled'",
        "ALTER TABLE orders ADD COLUMN IF NOT EXISTS expires_at TIMESTAMPTZ",
        # Orders closed before this column existed: closed when last updated.
        "ALTER TABLE orders ADD COLUMN IF NOT EXISTS closed_at TIMESTAMPTZ",
        "UPDATE orders SET closed_at = updated_at "
        "WHERE closed_at IS NULL AND status IN ('executed', 'canceled')",
    ],
    "desired_orders": [
        "ALTER TABLE desired_orders ADD COLUMN IF NOT EXISTS fee_type VARCHAR DEFAULT 'quadratic'",
        "ALTER TABLE desired_orders ADD COLUMN IF NOT EXISTS fee_multiplier DECIMAL(10, 4) "
        "DEFAULT 1",
        "ALTER TABLE desired_orders ADD COLUMN IF NOT EXISTS time_in_force VARCHAR "
        "DEFAULT 'good_till_canceled'",
        "ALTER TABLE desired_orders ADD COLUMN IF NOT EXISTS expires_at TIMESTAMPTZ",
    ],
}
