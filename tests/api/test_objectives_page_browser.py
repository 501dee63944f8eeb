"""The /obiettivi page in Debian's chromium, driven by Playwright: edit a cell with the keyboard only,
reload and see the correction; Esc cancels; approve and reject buttons; the "Solo approvati" export.

Its own server over a fresh copy of the mini corpus (the page writes to the review overlay).
Screenshots go to ``test-output/`` (git-ignored) in the repository root.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from tests.api.conftest import API_KEY, ROOT, LiveServer, mini_assistant

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "test-output"
TITLE = "Cartella Sociale Informatizzata per tutti i servizi"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[LiveServer]:
    settings, assistant = mini_assistant(
        tmp_path_factory.mktemp("pagina"), embedder, api_key=API_KEY, rate_upload_per_minute=0
    )
    live = LiveServer(create_app(assistant=assistant), data_dir=settings.data_dir, assistant=assistant)
    yield live
    live.stop()


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
def page(browser: Any, server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1300, "height": 900}, locale="it-IT", accept_downloads=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(server.url + "/obiettivi")
    pg.locator("#rows tr").first.wait_for(timeout=30_000)
    yield pg
    context.close()
    assert errors == [], errors


def _title_cell(page: Any) -> Any:
    return page.locator("#rows td[data-field='title']").first


def test_edit_a_cell_with_the_keyboard_reload_and_see_it(page: Any, server: LiveServer) -> None:
    page.get_by_label("Chiave API").fill(API_KEY)
    page.get_by_label("Revisore").fill("Ufficio di Piano")
    cell = _title_cell(page)
    assert TITLE in cell.inner_text()
    cell.focus()
    page.keyboard.press("Enter")  # opens the editor
    box = cell.locator("textarea")
    assert box.evaluate("el => el === document.activeElement") and box.input_value() == TITLE
    page.keyboard.press("Control+A")
    page.keyboard.type("Titolo da scartare")
    page.keyboard.press("Escape")  # cancels
    assert cell.locator("textarea").count() == 0 and TITLE in cell.inner_text()
    assert cell.evaluate("el => el === document.activeElement")

    page.keyboard.press("Enter")
    page.keyboard.press("Control+A")
    page.keyboard.type("Cartella sociale informatizzata")
    page.keyboard.press("Enter")  # saves
    page.wait_for_function("document.querySelector('#msg').textContent.startsWith('Salvato')")
    assert "corretto" in page.locator("#rows tr").first.inner_text()

    page.reload()
    page.locator("#rows tr").first.wait_for(timeout=30_000)
    row = page.locator("#rows tr").first.inner_text()
    assert "Cartella sociale informatizzata" in row and TITLE not in row and "corretto" in row
    assert page.get_by_label("Chiave API").input_value() == API_KEY  # kept for the session
    history = httpx.get(f"{server.url}/v1/objectives/{_title_cell(page).get_attribute('data-id')}/history").json()
    assert [(e["author"], e["action"], e["changes"]["title"]["dopo"]) for e in history] == [
        ("Ufficio di Piano", "corretto", "Cartella sociale informatizzata")
    ]

    # Tab saves too and moves to the next cell
    actions = page.locator("#rows td[data-field='actions']").first
    actions.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("End")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("sportello informativo")
    page.keyboard.press("Tab")
    page.wait_for_function("document.querySelector('#msg').textContent.startsWith('Salvato: Azioni')")
    assert page.evaluate("document.activeElement.dataset.field") == "indicators"
    assert "sportello informativo" in page.locator("#rows td[data-field='actions']").first.inner_text()
    page.screenshot(path=str(SHOTS / "obiettivi-revisione.png"), full_page=True)


def test_approve_reject_and_the_approved_export(page: Any, server: LiveServer) -> None:
    page.get_by_label("Chiave API").fill("")
    page.locator("#rows button", has_text="Approva").first.click()
    page.wait_for_function("document.querySelector('#msg').textContent.startsWith('Inserisci la chiave API')")
    page.get_by_label("Chiave API").fill(API_KEY)
    page.get_by_label("Revisore").fill("Dirigente")
    page.locator("#rows button", has_text="Approva").first.click()
    page.wait_for_function("document.querySelector('#msg').textContent.startsWith('Approvato')")
    assert "approvato" in page.locator("#rows tr").first.inner_text()
    assert page.locator("#approved").get_attribute("href") == "/v1/objectives?status=approvato&format=xlsx"
    with page.expect_download() as download:
        page.get_by_role("link", name="Solo approvati (XLSX)").click()
    assert download.value.suggested_filename == "obiettivi.xlsx"
    page.locator("#rows button", has_text="Rifiuta").first.click()
    page.wait_for_function("document.querySelector('#count').textContent.startsWith('Nessun obiettivo')")
    assert httpx.get(f"{server.url}/v1/objectives").json() == []
