"""The UI in a real browser (Debian's Chromium, driven by Playwright): the asset graph and the
backtest report's page show what the slice materialised. Screenshots land in var/ui/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from dagster import AssetSelection
from playwright.sync_api import Browser, Page, sync_playwright

from edge_dagster.definitions import defs
from tests.support.processes import REPO
from tests.test_definitions import EXPECTED_ASSET_GRAPH

CHROMIUM = "/usr/bin/chromium"
# Headless as root on a machine whose only network is loopback (and package registries).
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SCREENSHOTS = REPO / "var" / "ui"
HEADLINE = "pnl_usd"
"""The report's headline figure: paper P&L after fees over the materialised weeks."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium (as .ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.set_default_timeout(60_000)
    # Dagster's first-visit "Join the community" dialog covers the page: skip it when it shows.
    page.add_locator_handler(
        page.get_by_text("Join the Dagster community"),
        lambda: page.get_by_role("button", name="Skip").click(),
    )
    yield page
    page.close()


def _screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _shown(label: str, name: str) -> bool:
    """Whether a graph node's label is ``name``, maybe shortened in the middle ("tsa_mar…_x")."""
    head, ellipsis, tail = label.partition("…")
    if not ellipsis:
        return label == name
    return name.startswith(head) and name.endswith(tail) and len(name) > len(head + tail)


def test_the_global_asset_graph_shows_every_group(served_slice, page):
    page.goto(f"{served_slice.dev.url}/asset-groups")
    page.get_by_text("Global asset lineage").wait_for()
    for group in sorted({group for group, _ in EXPECTED_ASSET_GRAPH.values()}):
        page.get_by_role("button", name=group).first.wait_for()
    _screenshot(page, "asset_graph")


def test_the_report_lineage_shows_every_upstream_asset(served_slice, page):
    page.goto(
        f"{served_slice.dev.url}/assets/tsa_backtest_report"
        "?view=lineage&lineageScope=upstream&lineageDepth=20"
    )
    page.get_by_text("tsa_checkpoint_raw").first.wait_for()
    labels = page.locator("[class*='AssetNode_assetName']").all_inner_texts()
    graph = defs.resolve_asset_graph()
    upstream = {
        key.to_user_string()
        for key in AssetSelection.assets("tsa_backtest_report").upstream().resolve(graph)
    }
    assert {name for name in upstream if any(_shown(label, name) for label in labels)} == upstream
    _screenshot(page, "tsa_backtest_report_lineage")


def test_the_report_page_shows_the_headline_figure(served_slice, page):
    node = served_slice.dev.graphql(
        """{ assetNodeOrError(assetKey: {path: ["tsa_backtest_report"]}) {
          ... on AssetNode { assetMaterializations(limit: 1) {
            metadataEntries { label ... on FloatMetadataEntry { floatValue } } } } } }"""
    )["assetNodeOrError"]
    (materialization,) = node["assetMaterializations"]
    entries = {e["label"]: e.get("floatValue") for e in materialization["metadataEntries"]}
    page.goto(f"{served_slice.dev.url}/assets/tsa_backtest_report")
    row = page.locator("tr", has_text=HEADLINE).first
    row.wait_for()
    # The UI prints a float as JavaScript does: the shortest text that reads back exactly.
    assert repr(entries[HEADLINE]) in row.inner_text()
    _screenshot(page, "tsa_backtest_report")
