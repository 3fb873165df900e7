"""TsaWebsite against a real HTTP server on 127.0.0.1 serving the real (trimmed) tsa.gov pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from edge_dagster.core.tsa_page import TsaPageError
from edge_dagster.sources.tsa_website import MAX_DELAY_SECONDS, TsaFetchError, TsaWebsite
from tests.support.http_server import ScriptedHttpServer, ScriptedResponse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CURRENT = "/travel/passenger-volumes"
ARCHIVE_2025 = "/travel/passenger-volumes/2025"
HTML = {"Content-Type": "text/html; charset=utf-8"}


def _page(name: str) -> ScriptedResponse:
    return ScriptedResponse(200, (FIXTURES / name).read_text(encoding="utf-8"), HTML)


CURRENT_PAGE = _page("tsa_page_sample.html")
ARCHIVE_PAGE_2025 = _page("tsa_page_archive_2025.html")


@pytest.fixture
def server() -> Iterator[ScriptedHttpServer]:
    with ScriptedHttpServer() as running:
        yield running


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def website(server: ScriptedHttpServer, sleeps: list[float]) -> TsaWebsite:
    return TsaWebsite(server.base_url, max_attempts=3, backoff_seconds=0.0, sleep=sleeps.append)


def _paths(server: ScriptedHttpServer) -> list[str]:
    return [request.path for request in server.requests]


def test_current_year_page_is_fetched_and_parsed(
    server: ScriptedHttpServer, website: TsaWebsite
) -> None:
    server.script(CURRENT, CURRENT_PAGE)
    frame = website.current_year_page()
    assert len(frame) == 109
    assert frame["travelers"].iloc[-1] == 2_796_984
    assert _paths(server) == [CURRENT]


def test_server_error_then_success_retries_once(
    server: ScriptedHttpServer, website: TsaWebsite
) -> None:
    server.script(CURRENT, ScriptedResponse(500, "oops"), CURRENT_PAGE)
    assert len(website.current_year_page()) == 109
    assert _paths(server) == [CURRENT, CURRENT]


def test_dropped_connection_then_success_retries_once(
    server: ScriptedHttpServer, website: TsaWebsite
) -> None:
    server.script(CURRENT, ScriptedResponse(drop=True), CURRENT_PAGE)
    assert len(website.current_year_page()) == 109
    assert _paths(server) == [CURRENT, CURRENT]


def test_404_fails_at_once_naming_url_and_status(
    server: ScriptedHttpServer, website: TsaWebsite
) -> None:
    server.script("/travel/passenger-volumes/2018", ScriptedResponse(404, "Not Found"))
    with pytest.raises(TsaFetchError) as caught:
        website.archive_year_page(2018)
    url = server.url("/travel/passenger-volumes/2018")
    assert str(caught.value).startswith(f"{url}: HTTP 404 Not Found — no such page")
    assert (caught.value.url, caught.value.status) == (url, 404)
    assert len(server.requests) == 1


def test_403_fails_at_once_with_blocking_advice(
    server: ScriptedHttpServer, website: TsaWebsite
) -> None:
    server.script(CURRENT, ScriptedResponse(403, "Access Denied"))
    with pytest.raises(TsaFetchError, match="HTTP 403 Forbidden — tsa.gov's edge refused"):
        website.current_year_page()
    assert len(server.requests) == 1


def test_429_waits_for_retry_after_then_succeeds(
    server: ScriptedHttpServer, website: TsaWebsite, sleeps: list[float]
) -> None:
    server.script(CURRENT, ScriptedResponse(429, "slow down", {"Retry-After": "7"}), CURRENT_PAGE)
    assert len(website.current_year_page()) == 109
    assert sleeps == [7.0]
    assert len(server.requests) == 2


def test_retry_after_is_capped(
    server: ScriptedHttpServer, website: TsaWebsite, sleeps: list[float]
) -> None:
    server.script(CURRENT, ScriptedResponse(503, "", {"Retry-After": "86400"}), CURRENT_PAGE)
    website.current_year_page()
    assert sleeps == [MAX_DELAY_SECONDS]


def test_backoff_doubles_between_attempts(server: ScriptedHttpServer, sleeps: list[float]) -> None:
    website = TsaWebsite(server.base_url, max_attempts=3, backoff_seconds=0.5, sleep=sleeps.append)
    server.script(CURRENT, ScriptedResponse(502), ScriptedResponse(502), CURRENT_PAGE)
    website.current_year_page()
    assert sleeps == [0.5, 1.0]


def test_gives_up_after_max_attempts(server: ScriptedHttpServer, website: TsaWebsite) -> None:
    server.script(CURRENT, *[ScriptedResponse(503, "busy")] * 3)
    with pytest.raises(TsaFetchError) as caught:
        website.current_year_page()
    assert str(caught.value).startswith(
        f"{server.url(CURRENT)}: HTTP 503 Service Unavailable on all 3 attempts"
    )
    assert caught.value.status == 503
    assert len(server.requests) == 3


def test_a_broken_page_is_not_retried(server: ScriptedHttpServer, website: TsaWebsite) -> None:
    server.script(CURRENT, ScriptedResponse(200, "<html><body>", HTML))
    with pytest.raises(TsaPageError, match="page is truncated"):
        website.current_year_page()
    assert len(server.requests) == 1


def test_sends_a_browser_user_agent(server: ScriptedHttpServer, website: TsaWebsite) -> None:
    server.script(CURRENT, CURRENT_PAGE)
    website.current_year_page()
    user_agent = server.requests[0].header("User-Agent") or ""
    assert user_agent.startswith("Mozilla/5.0 (")
    assert "python-requests" not in user_agent


def test_default_base_url_is_tsa_gov() -> None:
    website = TsaWebsite()
    assert website.current_year_url == "https://www.tsa.gov/travel/passenger-volumes"
    assert website.archive_year_url(2025) == "https://www.tsa.gov/travel/passenger-volumes/2025"


def test_base_url_override_with_trailing_slash(
    server: ScriptedHttpServer, sleeps: list[float]
) -> None:
    website = TsaWebsite(server.base_url + "/", backoff_seconds=0.0, sleep=sleeps.append)
    server.script(CURRENT, CURRENT_PAGE)
    website.current_year_page()
    assert _paths(server) == [CURRENT]


def test_archive_page_served_for_the_wrong_year_is_refused(
    server: ScriptedHttpServer, website: TsaWebsite
) -> None:
    server.script("/travel/passenger-volumes/2024", ARCHIVE_PAGE_2025)
    with pytest.raises(TsaPageError, match="archive page for 2024 covers 2025-01-01"):
        website.archive_year_page(2024)


def test_daily_figures_across_a_year_boundary_fetches_each_page_once(
    server: ScriptedHttpServer, website: TsaWebsite
) -> None:
    server.script(ARCHIVE_2025, ARCHIVE_PAGE_2025)
    server.script(CURRENT, CURRENT_PAGE)
    frame = website.daily_figures(date(2025, 12, 29), date(2026, 1, 4), today=date(2026, 4, 20))
    assert dict(zip(frame["travel_date"], frame["travelers"], strict=True)) == {
        date(2025, 12, 29): 2_811_757,
        date(2025, 12, 30): 2_827_572,
        date(2025, 12, 31): 2_291_360,
        date(2026, 1, 1): 2_334_465,
        date(2026, 1, 2): 2_578_209,
        date(2026, 1, 3): 2_604_749,
        date(2026, 1, 4): 2_817_509,
    }
    assert sorted(_paths(server)) == [CURRENT, ARCHIVE_2025]


def test_daily_figures_in_a_past_year_uses_only_its_archive_page(
    server: ScriptedHttpServer, website: TsaWebsite
) -> None:
    server.script(ARCHIVE_2025, ARCHIVE_PAGE_2025)
    frame = website.daily_figures(date(2025, 7, 1), date(2025, 7, 31), today=date(2026, 4, 20))
    assert len(frame) == 31
    assert _paths(server) == [ARCHIVE_2025]


def test_daily_figures_returns_only_published_days_up_to_end(
    server: ScriptedHttpServer, website: TsaWebsite
) -> None:
    server.script(CURRENT, CURRENT_PAGE)
    frame = website.daily_figures(date(2026, 4, 13), date(2026, 4, 26), today=date(2026, 4, 21))
    assert list(frame["travel_date"]) == [date(2026, 4, day) for day in range(13, 20)]


def test_daily_figures_refuses_a_current_page_with_dates_after_today(
    server: ScriptedHttpServer, website: TsaWebsite
) -> None:
    server.script(CURRENT, CURRENT_PAGE)
    with pytest.raises(TsaPageError, match=r"newest date 2026-04-19 lies after today"):
        website.daily_figures(date(2026, 4, 1), date(2026, 4, 7), today=date(2026, 4, 18))


def test_daily_figures_rejects_start_after_end(website: TsaWebsite) -> None:
    with pytest.raises(ValueError, match="start 2026-04-02 is after end 2026-04-01"):
        website.daily_figures(date(2026, 4, 2), date(2026, 4, 1), today=date(2026, 4, 20))


def test_daily_figures_for_a_year_after_today_fetches_nothing(
    server: ScriptedHttpServer, website: TsaWebsite
) -> None:
    frame = website.daily_figures(date(2027, 1, 1), date(2027, 1, 3), today=date(2026, 12, 30))
    assert frame.empty
    assert frame.dtypes.to_dict() == {"travel_date": "object", "travelers": "int64"}
    assert server.requests == []
