"""The chat widget in Debian's chromium, driven by Playwright: ask, see a cited Italian answer, open
the source viewer with the highlighted passage; keyboard use; phone width; the objectives page.

Screenshots go to ``test-output/`` (git-ignored) in the repository root.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import ROOT, LiveServer

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "test-output"
VOUCHER = "Come si attiva il voucher dimissioni protette?"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: apt-get install chromium (the CI script does it)")
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, live: LiveServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="it-IT")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(live.url + "/")
    yield pg
    context.close()
    assert errors == [], errors  # no JavaScript errors on the page


def test_ask_and_open_the_cited_source(page: Any) -> None:
    widget = page.locator("pdz-assistant")
    widget.get_by_label("La tua domanda sui Piani di Zona").fill(VOUCHER)
    widget.get_by_role("button", name="Chiedi").click()
    chip = widget.locator("#answer .chip").first
    chip.wait_for(timeout=30_000)
    answer = widget.locator("#answer").inner_text()
    assert answer.startswith("Secondo «Piano Alfa (prova)»") and "servizio sociale del Comune di residenza" in answer
    assert "Fonti" in answer and "[1] Piano Alfa (prova)" in answer
    assert chip.evaluate("el => el.tagName") == "BUTTON"
    chip.click()
    mark = widget.locator(".viewer mark").first
    mark.wait_for(timeout=15_000)
    # the quoted sentence is marked inside the cited span, which sits inside its surrounding text
    assert "Il voucher per le dimissioni protette si attiva tramite il servizio sociale" in mark.inner_text()
    cited = widget.locator(".viewer .cited").inner_text()
    assert mark.inner_text() in cited and len(cited) > len(mark.inner_text())
    context = widget.locator(".viewer .context").inner_text()
    assert context.index(cited) > 0
    assert widget.locator(".viewer h3").inner_text() == "[1] Piano Alfa (prova)"
    meta = widget.locator(".viewer .meta").inner_text()
    assert "Ambito: Crema" in meta and "Periodo: 2015-2017" in meta and "Sezione:" in meta
    assert "2. Servizi per la domiciliarità" in meta
    page.screenshot(path=str(SHOTS / "widget-fonte.png"), full_page=True)
    widget.get_by_role("button", name="Chiudi").click()
    assert widget.locator(".viewer").count() == 0


def test_keyboard_only_ask_open_and_escape(page: Any) -> None:
    widget = page.locator("pdz-assistant")
    box = widget.get_by_label("La tua domanda sui Piani di Zona")
    box.focus()
    page.keyboard.type(VOUCHER)
    page.keyboard.press("Enter")  # Enter sends, Shift+Enter would add a line
    chip = widget.locator("#answer .chip").first
    chip.wait_for(timeout=30_000)
    chip.focus()
    page.keyboard.press("Enter")
    widget.locator(".viewer mark").first.wait_for(timeout=15_000)
    focused = page.evaluate("document.querySelector('pdz-assistant').shadowRoot.activeElement.className")
    assert focused == "viewer"  # focus moved into the viewer
    page.keyboard.press("Escape")
    assert widget.locator(".viewer").count() == 0
    back = page.evaluate("document.querySelector('pdz-assistant').shadowRoot.activeElement.className")
    assert back == "chip"  # and came back to the chip that opened it


def test_filters_come_from_the_documents_and_restrict_the_answer(page: Any) -> None:
    widget = page.locator("pdz-assistant")
    ambito = widget.get_by_label("Ambito")
    # the options are filled from the documents once the widget has fetched them: wait for the last one
    ambito.locator("option", has_text="Crema").wait_for(state="attached", timeout=15_000)
    widget.get_by_label("Periodo").locator("option", has_text="2015-2017").wait_for(state="attached", timeout=15_000)
    options = ambito.locator("option").all_inner_texts()
    assert options == ["Tutti gli ambiti", "Casalasco", "Crema"]
    assert widget.get_by_label("Periodo").locator("option").all_inner_texts() == ["Tutti i periodi", "2015-2017"]
    ambito.select_option("Casalasco")
    widget.get_by_label("La tua domanda sui Piani di Zona").fill("Cosa distribuisce il Banco alimentare?")
    widget.get_by_role("button", name="Chiedi").click()
    widget.locator("#answer .sources").wait_for(timeout=30_000)
    assert "Piano Beta (prova)" in widget.locator("#answer .sources").inner_text()
    assert "Piano Alfa" not in widget.locator("#answer").inner_text()


def test_abstention_message_and_phone_width(browser: Any, live: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="it-IT")
    page = context.new_page()
    page.goto(live.url + "/")
    widget = page.locator("pdz-assistant")
    widget.locator("textarea").fill("Qual è il prezzo del biglietto del treno per Milano?")
    widget.locator("textarea").press("Enter")
    notice = widget.locator("#status .notice")
    notice.wait_for(timeout=30_000)
    assert "non ha trovato la risposta" in notice.inner_text()
    for part in ("section.box", "textarea", "#send", "#ambito", "#period"):
        rect = widget.locator(part).bounding_box()
        assert rect is not None and rect["x"] >= 0 and rect["x"] + rect["width"] <= 375, part
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(SHOTS / "widget-telefono.png"), full_page=True)
    # the source viewer fits the phone too
    widget.locator("textarea").fill(VOUCHER)
    widget.locator("#send").click()
    widget.locator("#answer .chip").first.click(timeout=30_000)
    widget.locator(".viewer mark").first.wait_for(timeout=15_000)
    rect = widget.locator(".viewer").bounding_box()
    assert rect is not None and rect["x"] + rect["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(SHOTS / "widget-telefono-fonte.png"), full_page=True)
    context.close()


def test_unreachable_server_message(page: Any) -> None:
    page.route("**/v1/ask", lambda route: route.abort())
    widget = page.locator("pdz-assistant")
    widget.locator("textarea").fill("Come si attiva il voucher?")
    widget.locator("#send").click()
    notice = widget.locator("#status .notice.error")
    notice.wait_for(timeout=15_000)
    assert "Il server non è raggiungibile" in notice.inner_text()
    assert widget.locator("#send").is_enabled() and widget.locator("#send").inner_text() == "Chiedi"


def test_server_problem_detail_is_shown(page: Any) -> None:
    page.route("**/v1/ask", lambda route: route.fulfill(
        status=503, content_type="application/problem+json",
        body='{"type": "urn:pdz-assistant:errore:archivio_non_raggiungibile", "title": "Indice non disponibile", '
             '"status": 503, "detail": "Archivio Chroma non raggiungibile.", "code": "archivio_non_raggiungibile"}'))
    widget = page.locator("pdz-assistant")
    widget.locator("textarea").fill(VOUCHER)
    widget.locator("#send").click()
    notice = widget.locator("#status .notice.error")
    notice.wait_for(timeout=15_000)
    assert notice.inner_text() == "Non è stato possibile rispondere: Archivio Chroma non raggiungibile."


def test_evaluator_view_shows_one_column_per_plan(page: Any) -> None:
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


def test_objectives_page_table_filters_and_exports(browser: Any, live: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 800}, locale="it-IT", accept_downloads=True)
    page = context.new_page()
    page.goto(live.url + "/obiettivi")
    rows = page.locator("#rows tr")
    rows.first.wait_for(timeout=30_000)
    assert rows.count() == 1 and "Cartella Sociale Informatizzata" in rows.first.inner_text()
    assert page.locator("#count").inner_text() == "1 obiettivo"
    page.get_by_label("Ambito").select_option("Casalasco")
    page.wait_for_function("document.querySelector('#count').textContent.startsWith('Nessun obiettivo')")
    assert page.locator("#csv").get_attribute("href") == "/v1/objectives?ambito=Casalasco&format=csv"
    page.get_by_label("Ambito").select_option("")
    page.wait_for_function("document.querySelectorAll('#rows tr').length === 1")
    with page.expect_download() as download:
        page.get_by_role("link", name="Esporta XLSX").click()
    assert download.value.suggested_filename == "obiettivi.xlsx"
    page.screenshot(path=str(SHOTS / "obiettivi.png"), full_page=True)
    context.close()
