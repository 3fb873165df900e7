"""Weather HTTP clients against a real local server: NWS points → forecast (and the sanity
check on it), NWS CLI products, IEM's CLI archive, ACIS, and the streamed NBP download.

Response bodies are written here in the documented shapes (api.weather.gov, IEM
``/json/cli.py``, ACIS ``StnData``) with values declared in each test; the CLI and NBP bodies
are the real shipped products.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from edge_dagster.core.cities import city
from edge_dagster.core.clock import UTC
from edge_dagster.core.nbm import NbmFormatError
from edge_dagster.core.nws_check import nws_check, nws_daytime_high
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from edge_dagster.sources.http_json import WeatherApiError
from edge_dagster.sources.nbm import NbmBulletinSource, NbmDownloadError, bulletin_path
from edge_dagster.sources.nws import NwsClient
from edge_dagster.sources.observed_highs import LiveObservedHighs
from tests.support.http_server import ScriptedHttpServer, ScriptedResponse

CHICAGO = city("CHI")
POINT = "/points/41.7842,-87.7553"
FORECAST = "/gridpoints/LOT/72,69/forecast"
NBP = (DEFAULT_REPLAY_DIR / "nbm_sample.txt").read_bytes()
CLI_TEXT = (DEFAULT_REPLAY_DIR / "cli_sample_knyc_2026-08-21.txt").read_text()
CYCLE = datetime(2026, 9, 28, 13, tzinfo=UTC)


def forecast_body(periods: list[tuple[str, str, bool, int]]) -> str:
    return json.dumps(
        {
            "properties": {
                "periods": [
                    {
                        "name": name,
                        "startTime": start,
                        "endTime": start,
                        "isDaytime": daytime,
                        "temperature": temperature,
                        "temperatureUnit": "F",
                    }
                    for name, start, daytime, temperature in periods
                ]
            }
        }
    )


@pytest.fixture
def server():
    with ScriptedHttpServer() as running:
        yield running


def nws(server: ScriptedHttpServer) -> NwsClient:
    return NwsClient(server.base_url, "edge_dagster-tests (ops@example.com)", retry_delays=())


def script_forecast(server: ScriptedHttpServer, high: int) -> None:
    server.script(
        POINT, ScriptedResponse(200, json.dumps({"properties": {"forecast": server.url(FORECAST)}}))
    )
    server.script(
        FORECAST,
        ScriptedResponse(
            200,
            forecast_body(
                [
                    ("Tonight", "2026-09-28T19:00:00-05:00", False, 58),
                    ("Tuesday", "2026-09-29T06:00:00-05:00", True, high),
                    ("Tuesday Night", "2026-09-29T18:00:00-05:00", False, 61),
                ]
            ),
        ),
    )


def test_the_forecast_is_two_hops_and_every_request_names_the_caller(server):
    script_forecast(server, 76)
    periods = nws(server).forecast_periods(CHICAGO.latitude, CHICAGO.longitude)
    assert nws_daytime_high(periods, date(2026, 9, 29), CHICAGO.timezone) == 76.0
    assert [r.path for r in server.requests] == [POINT, FORECAST]
    assert {r.header("User-Agent") for r in server.requests} == {
        "edge_dagster-tests (ops@example.com)"
    }


@pytest.mark.parametrize(("nws_high", "verdict"), [(76, "agree"), (79, "agree"), (80, "disagree")])
def test_a_city_is_skipped_when_nws_and_the_median_are_more_than_n_degrees_apart(
    server, nws_high, verdict
):
    script_forecast(server, nws_high)
    periods = nws(server).forecast_periods(CHICAGO.latitude, CHICAGO.longitude)
    check = nws_check(nws_daytime_high(periods, date(2026, 9, 29), CHICAGO.timezone), 75.0, 4.0)
    assert (check.verdict, check.skip) == (verdict, verdict == "disagree")


def test_no_nws_forecast_for_the_day_is_reported_as_unavailable(server):
    script_forecast(server, 76)
    periods = nws(server).forecast_periods(CHICAGO.latitude, CHICAGO.longitude)
    check = nws_check(nws_daytime_high(periods, date(2026, 10, 9), CHICAGO.timezone), 75.0)
    assert (check.verdict, check.skip) == ("unavailable", False)


def test_an_nws_error_names_the_url_and_status(server):
    server.script(POINT, ScriptedResponse(403, "no user agent"))
    with pytest.raises(WeatherApiError, match=r"/points/41.7842,-87.7553 returned HTTP 403"):
        nws(server).forecast_periods(CHICAGO.latitude, CHICAGO.longitude)


def test_nws_refuses_to_run_without_a_user_agent():
    with pytest.raises(ValueError, match="NWS_USER_AGENT"):
        NwsClient("http://127.0.0.1:9", " ")


def live_highs(server: ScriptedHttpServer) -> LiveObservedHighs:
    return LiveObservedHighs(server.base_url, server.base_url, nws(server))


def test_history_comes_from_iem_and_acis_with_the_final_report_apart(server):
    iem = {
        "results": [
            {
                "station": "KNYC",
                "valid": "2026-08-20",
                "high": 84,
                "link": "/api/1/nwstext/202608210630-KOKX-CDUS41-CLINYC",
            },  # noqa: E501
            {
                "station": "KNYC",
                "valid": "2026-08-21",
                "high": 79,
                "link": "/api/1/nwstext/202608212110-KOKX-CDUS41-CLINYC",
            },  # noqa: E501
            {"station": "KNYC", "valid": "2026-08-22", "high": "M", "link": ""},
        ]
    }
    server.script("/json/cli.py", ScriptedResponse(200, json.dumps(iem)))
    acis = {
        "meta": {"name": "NY CITY CENTRAL PARK"},
        "data": [["2026-08-20", "84"], ["2026-08-21", "79"], ["2026-08-22", "M"]],
    }  # noqa: E501
    server.script("/StnData", ScriptedResponse(200, json.dumps(acis)))
    rows = live_highs(server).observed_highs(
        ["KNYC"], date(2026, 8, 20), date(2026, 8, 22), datetime(2026, 12, 1, tzinfo=UTC)
    )
    got = sorted(
        zip(rows["climate_date"], rows["source"], rows["report"], rows["high_f"], strict=True)
    )
    assert got == [
        (date(2026, 8, 20), "iem_cli", "final", 84),  # issued 02:30 EDT the next day
        (date(2026, 8, 20), "rcc_acis", "final", 84),
        (date(2026, 8, 21), "iem_cli", "preliminary", 79),  # issued 17:10 EDT the same day
        (date(2026, 8, 21), "rcc_acis", "final", 79),
    ]
    assert server.requests[0].path == "/json/cli.py?station=KNYC&year=2026"


def test_recent_days_add_the_parsed_nws_cli_text(server):
    server.script("/json/cli.py", ScriptedResponse(200, json.dumps({"results": []})))
    server.script("/StnData", ScriptedResponse(200, json.dumps({"data": []})))
    listing = {"@graph": [{"id": "40bb657c", "issuanceTime": "2026-08-22T06:26:00+00:00"}]}
    server.script("/products/types/CLI/locations/NYC", ScriptedResponse(200, json.dumps(listing)))
    server.script(
        "/products/40bb657c", ScriptedResponse(200, json.dumps({"productText": CLI_TEXT}))
    )
    rows = live_highs(server).observed_highs(
        ["KNYC"], date(2026, 8, 21), date(2026, 8, 21), datetime(2026, 8, 22, 12, tzinfo=UTC)
    )
    assert rows[["source", "report", "high_f"]].values.tolist() == [["nws_cli", "final", 79]]
    assert rows["available_at"].iloc[0] == datetime(2026, 8, 22, 6, 26, tzinfo=UTC)


def test_an_acis_error_fails_the_fetch(server):
    server.script("/json/cli.py", ScriptedResponse(200, json.dumps({"results": []})))
    server.script("/StnData", ScriptedResponse(200, json.dumps({"error": "Unknown sid"})))
    with pytest.raises(WeatherApiError, match="Unknown sid"):
        live_highs(server).observed_highs(
            ["KNYC"], date(2026, 8, 20), date(2026, 8, 21), datetime(2026, 12, 1, tzinfo=UTC)
        )


def nbm(server: ScriptedHttpServer) -> NbmBulletinSource:
    return NbmBulletinSource(server.base_url, retry_delays=(0.01,))


def test_a_bulletin_is_streamed_once_for_all_stations(server):
    server.script(f"/{bulletin_path(CYCLE)}", ScriptedResponse(200, NBP))
    scan = nbm(server).fetch(CYCLE, ["KMDW", "KLAX", "KAUS"])
    assert (sorted(scan.blocks), scan.missing, scan.bytes_read) == (
        ["KLAX", "KMDW"],
        ("KAUS",),
        len(NBP),
    )
    assert server.requests[0].path == "/blend.20260928/13/text/blend_nbptx.t13z"


def test_an_unpublished_cycle_is_none_and_a_server_error_is_retried(server):
    path = f"/{bulletin_path(CYCLE)}"
    server.script(path, ScriptedResponse(404), ScriptedResponse(503), ScriptedResponse(200, NBP))
    source = nbm(server)
    assert source.fetch(CYCLE, ["KMDW"]) is None
    assert sorted(source.fetch(CYCLE, ["KMDW"]).blocks) == ["KMDW"]
    assert len(server.requests) == 3


def test_a_bulletin_cut_inside_a_block_fails_naming_it(server):
    # Declared: the real bulletin as a partial upload would serve it, cut inside KMIA's block.
    cut = NBP[: NBP.index(b" KMIA") + 500]
    server.script(f"/{bulletin_path(CYCLE)}", ScriptedResponse(200, cut))
    with pytest.raises(NbmFormatError, match="truncated: the block of KMIA"):
        nbm(server).fetch(CYCLE, ["KMDW"])


def test_a_connection_dropped_on_every_attempt_is_a_download_error(server):
    path = f"/{bulletin_path(CYCLE)}"
    server.script(path, ScriptedResponse(drop=True), ScriptedResponse(drop=True))
    with pytest.raises(NbmDownloadError, match="blend_nbptx.t13z failed after 2 attempts"):
        nbm(server).fetch(CYCLE, ["KMDW"])
