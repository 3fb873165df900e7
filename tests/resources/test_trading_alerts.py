"""Trading-halt alerts: the daily kill switch and a blocking check that stops orders each alert
once, by e-mail, until their cause clears; then the next halt alerts again."""

from datetime import timedelta

from dagster import AssetMaterialization, DagsterInstance, build_sensor_context, materialize

from edge_dagster.assets.trading import tsa_orders, tsa_orders_reconciled
from edge_dagster.resources.kalshi import KalshiResource
from edge_dagster.sensors.alerts import build_trading_halt_alert_sensor
from tests.assets.test_orders import (
    EVENT,
    THURSDAY,
    WEDNESDAY,
    demo_exchange,
    seed_decision,
)
from tests.resources.test_alerts import outbox_alerts, sent
from tests.support.clock import FrozenWallClockSources

__all__ = ["demo_exchange"]  # the fixture, shared with the orders tests
SENSOR = build_trading_halt_alert_sensor([tsa_orders_reconciled])


def run(instance, warehouse, exchange, wall_time: str, **trading):  # noqa: ANN001, ANN201
    return materialize(
        [tsa_orders, tsa_orders_reconciled],
        partition_key="2026-04-13",
        instance=instance,
        resources={
            "warehouse": warehouse,
            "sources": FrozenWallClockSources(deployment="demo", wall_time=wall_time),
            "kalshi": KalshiResource(deployment="demo", api_base=exchange.base_url),
        },
        run_config={"ops": {"tsa_orders": {"config": trading}}},
        raise_on_error=False,
    )


def tick(instance, alerts) -> str:  # noqa: ANN001
    with build_sensor_context(instance=instance, resources={"alerts": alerts}) as context:
        return SENSOR(context).skip_message


def kill_switch_metadata(result) -> bool:  # noqa: ANN001
    (materialization,) = result.asset_materializations_for_node("tsa_orders")
    return materialization.metadata["kill_switch_active"].value


def test_the_kill_switch_alerts_once_until_it_is_off(tmp_path, warehouse, demo_exchange):
    """10 YES bought at 0.45 on Wednesday, marked at the 0.40 bid on Thursday: −$0.50 today,
    past a 0.01 % loss limit of $1,000 but not past 50 %."""
    instance = DagsterInstance.ephemeral()
    alerts = outbox_alerts(tmp_path)
    other = "KXTSAW-26APR19-A2.50"
    demo_exchange.add_market(other, EVENT, floor_strike=2500000)
    demo_exchange.market_clock = lambda: (WEDNESDAY + timedelta(minutes=6)).timestamp()
    seed_decision(warehouse, WEDNESDAY, "0.45")
    assert run(instance, warehouse, demo_exchange, "2026-04-15T09:20:00-04:00").success
    demo_exchange.trade_against("ord-1", "10")
    seed_decision(warehouse, THURSDAY, "0.45", ticker=other)
    seed_decision(warehouse, THURSDAY, limit=None)

    tight = run(instance, warehouse, demo_exchange, "2026-04-16T09:20:00-04:00",
                daily_loss_limit_fraction=0.0001)  # fmt: skip
    assert kill_switch_metadata(tight)
    assert tick(instance, alerts) == "alerts sent: kill_switch:demo:tsa_weekly; cleared: none"
    assert tick(instance, alerts) == "alerts sent: none; cleared: none"
    (alert,) = sent(tmp_path)
    assert alert["Subject"] == "[edge_dagster alert] kill switch on: tsa_weekly (demo)"
    assert "today's P&L is $-0.50" in alert.get_body(("plain",)).get_content()

    loose = run(instance, warehouse, demo_exchange, "2026-04-16T09:25:00-04:00",
                daily_loss_limit_fraction=0.5)  # fmt: skip
    assert not kill_switch_metadata(loose)
    assert tick(instance, alerts) == "alerts sent: none; cleared: kill_switch:demo:tsa_weekly"
    run(instance, warehouse, demo_exchange, "2026-04-16T09:28:00-04:00",
        daily_loss_limit_fraction=0.0001)  # fmt: skip
    assert tick(instance, alerts) == "alerts sent: kill_switch:demo:tsa_weekly; cleared: none"
    assert len(sent(tmp_path)) == 2


def test_a_blocking_check_that_stops_orders_alerts_once_until_it_passes(
    tmp_path, warehouse, demo_exchange
):
    instance = DagsterInstance.ephemeral()
    alerts = outbox_alerts(tmp_path)
    seed_decision(warehouse, WEDNESDAY, "0.45")
    assert run(instance, warehouse, demo_exchange, "2026-04-15T09:20:00-04:00").success
    assert tick(instance, alerts) == "alerts sent: none; cleared: none"
    hidden = demo_exchange.orders.pop("ord-1")  # out of the exchange's listing
    run(instance, warehouse, demo_exchange, "2026-04-15T09:25:00-04:00")
    key = "blocking_check:tsa_orders:tsa_orders_reconciled"
    assert tick(instance, alerts) == f"alerts sent: {key}; cleared: none"
    run(instance, warehouse, demo_exchange, "2026-04-15T09:30:00-04:00")
    assert tick(instance, alerts) == "alerts sent: none; cleared: none"
    (alert,) = sent(tmp_path)
    assert alert["Subject"] == (
        "[edge_dagster alert] blocking check failed, orders stopped: tsa_orders_reconciled"
    )
    assert "order_not_resting KXTSAW-26APR19-A2.45: order ord-1" in (
        alert.get_body(("plain",)).get_content()
    )
    demo_exchange.orders["ord-1"] = hidden  # the exchange lists it again: the drift is gone
    run(instance, warehouse, demo_exchange, "2026-04-15T09:35:00-04:00")
    assert tick(instance, alerts) == f"alerts sent: none; cleared: {key}"


def record_weather_orders(instance, kill_switch_active: bool, pnl_today_usd: float) -> None:  # noqa: ANN001
    """``weather_orders``' latest materialisation, with the kill-switch metadata it publishes."""
    instance.report_runless_asset_event(
        AssetMaterialization(
            "weather_orders",
            partition="CHI|2026-09-29",
            metadata={
                "environment": "demo",
                "strategy": "weather",
                "as_of": "2026-09-29T15:00:00+00:00",
                "kill_switch_active": kill_switch_active,
                "pnl_today_usd": pnl_today_usd,
            },
        )
    )


def test_the_weather_kill_switch_alerts_once_per_strategy_until_it_is_off(tmp_path):
    instance = DagsterInstance.ephemeral()
    alerts = outbox_alerts(tmp_path)
    record_weather_orders(instance, True, -61.25)
    assert tick(instance, alerts) == "alerts sent: kill_switch:demo:weather; cleared: none"
    assert tick(instance, alerts) == "alerts sent: none; cleared: none"
    (alert,) = sent(tmp_path)
    assert alert["Subject"] == "[edge_dagster alert] kill switch on: weather (demo)"
    assert "today's P&L is $-61.25" in alert.get_body(("plain",)).get_content()

    record_weather_orders(instance, False, -12.0)
    assert tick(instance, alerts) == "alerts sent: none; cleared: kill_switch:demo:weather"
    record_weather_orders(instance, True, -70.0)
    assert tick(instance, alerts) == "alerts sent: kill_switch:demo:weather; cleared: none"
    assert len(sent(tmp_path)) == 2
