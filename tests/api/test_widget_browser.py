"""The chat widget in Debian's chromium, driven by Playwright: ask, see a cited Italian answer,
open the source viewer with the highlighted passage; phone width."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.api.conftest import ROOT, LiveServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "test-output"


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: apt-get install chromium (done by .ci/run)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.mark.integration
def test_ask_and_open_the_cited_source(browser, live: LiveServer) -> None:  # noqa: ANN001
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(live.url + "/")
    widget = page.locator("pdz-assistant")
    widget.locator("textarea").fill("Come si attiva il voucher dimissioni protette?")
    widget.locator("button#send").click()
    chip = widget.locator(".chip").first
    chip.wait_for(timeout=30_000)
    assert "Secondo" in widget.locator("#answer").inner_text()
    chip.click()
    mark = widget.locator(".viewer mark")
    mark.wait_for(timeout=15_000)
    assert "servizio sociale del Comune" in mark.inner_text()
    meta = widget.locator(".viewer .meta").inner_text()
    assert "Ambito: Crema" in meta and "Periodo: 2015-2017" in meta and "Sezione:" in meta
    page.screenshot(path=str(SHOTS / "widget-fonte.png"), full_page=True)
    page.keyboard.press("Escape")
    assert widget.locator(".viewer").count() == 0
    page.close()


@pytest.mark.integration
def test_abstention_message_and_phone_width(browser, live: LiveServer) -> None:  # noqa: ANN001
    page = browser.new_page(viewport={"width": 375, "height": 740})
    page.goto(live.url + "/")
    widget = page.locator("pdz-assistant")
    widget.locator("textarea").fill("Qual è il prezzo del biglietto del treno per Milano?")
    widget.locator("textarea").press("Enter")
    notice = widget.locator("#status .notice")
    notice.wait_for(timeout=30_000)
    assert "non ha trovato la risposta" in notice.inner_text()
    box = widget.locator("section.box").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(SHOTS / "widget-telefono.png"), full_page=True)
    page.close()


@pytest.mark.integration
def test_unreachable_server_message(browser, live: LiveServer) -> None:  # noqa: ANN001
    page = browser.new_page()
    page.goto(live.url + "/")
    page.route("**/v1/ask", lambda route: route.abort())
    widget = page.locator("pdz-assistant")
    widget.locator("textarea").fill("Come si attiva il voucher?")
    widget.locator("button#send").click()
    notice = widget.locator("#status .notice.error")
    notice.wait_for(timeout=15_000)
    assert "non è raggiungibile" in notice.inner_text()
    page.close()


@pytest.mark.integration
def test_evaluator_view_shows_one_column_per_plan(browser, live: LiveServer) -> None:  # noqa: ANN001
    page = browser.new_page(viewport={"width": 1100, "height": 800})
    page.goto(live.url + "/")
    widget = page.locator("pdz-assistant")
    widget.locator("textarea").fill("microcredito e prestiti solidali alle famiglie")
    widget.locator("button#compare").click()
    cols = widget.locator(".cols .col")
    cols.first.wait_for(timeout=30_000)
    assert cols.count() == 2
    texts = {cols.nth(i).locator("h4").inner_text(): cols.nth(i).inner_text() for i in range(2)}
    assert "microcredito" in texts["Casalasco 2015-2017"]
    assert "Nessuna evidenza pertinente" in texts["Crema 2015-2017"]
    page.screenshot(path=str(SHOTS / "widget-confronto.png"), full_page=True)
    page.close()
