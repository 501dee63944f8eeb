"""OCR of scanned PDF pages on scans the tests render themselves (Italian text -> image -> PDF
without a text layer), read by the real Tesseract with its Italian model."""

from __future__ import annotations

import json
import random
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader
from rapidfuzz.distance import Levenshtein

from ingest import errors
from ingest.loaders import load
from ingest.loaders.pdf import PAGE_SEPARATOR, PdfLoader, load_pdf
from ingest.ocr import OcrUnavailable, TesseractOcr, parse_tsv
from ingest.records import IndexedDocument, meta_to_record, record_to_doc
from ingest.schemas import DocumentMeta, Page

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed")

# Debian's fonts-dejavu-core; Pillow's own scalable default font otherwise.
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
DPI = 200

SCANNED = [
    "Piano di Zona dell'ambito distrettuale di Soresina",
    "Capitolo 4 - La domiciliarità",
    "Il centro diurno integrato di Soresina accoglie ogni giorno",
    "trentadue anziani non autosufficienti, con un servizio di",
    "trasporto gestito dai volontari della città.",
    "L'assistenza domiciliare è garantita in tutti i Comuni",
    "del distretto; la spesa prevista è di 180.000 euro all'anno.",
    "La cabina di regia verifica ogni sei mesi l'attuazione",
    "degli obiettivi insieme agli enti del terzo settore.",
]
TEXT_PAGE = ["Capitolo 1 - La governance", "Il tavolo politico dei sindaci approva il piano."]
SCANNED_PAGE_2 = [
    "Capitolo 2 - Le politiche giovanili",
    "Lo spazio giovani di Casalbuttano apre tre pomeriggi",
    "alla settimana con attività di aiuto allo studio.",
]
# Measured: character error rate 0.002 on SCANNED (one error: "iComuni"; Tesseract 5.3.0, ita).
# The bound leaves room for other Tesseract builds without letting a garbled reading pass.
MAX_CER = 0.03


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.truetype(str(FONT), size) if FONT.exists() else ImageFont.load_default(size=size)


def render_scan(lines: list[str], *, skew: float = 0.4, seed: int = 7) -> Image.Image:
    """An A4 page at 200 dpi as a scanner would deliver it: 12 pt text, slightly skewed, speckled."""
    width, height = round(8.27 * DPI), round(11.69 * DPI)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font = _font(round(12 / 72 * DPI))
    y = round(1.2 * DPI)
    for line in lines:
        draw.text((round(1.0 * DPI), y), line, font=font, fill=20)
        y += round(0.3 * DPI)
    rng = random.Random(seed)
    for _ in range(400):
        draw.point((rng.randrange(width), rng.randrange(height)), fill=rng.randrange(90, 200))
    return page.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=255)


def scanned_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A PDF whose pages are JPEG images only (no text layer), as from a scanner."""
    images = [render_scan(lines, seed=n) for n, lines in enumerate(pages)]
    images[0].save(path, "PDF", resolution=DPI, save_all=True, append_images=images[1:], quality=75)
    return path


def mixed_pdf(path: Path, tmp_path: Path) -> Path:
    """Page 1 with a text layer (fpdf2), page 2 a full-page scanned image."""
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in TEXT_PAGE:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    scan = tmp_path / "pagina2.jpg"
    render_scan(SCANNED_PAGE_2).save(scan, quality=75)
    pdf.image(str(scan), x=0, y=0, w=210, h=297)
    pdf.output(str(path))
    return path


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate with all whitespace runs counted as one space."""
    ref, hyp = " ".join(reference.split()), " ".join(hypothesis.split())
    return Levenshtein.distance(ref, hyp) / len(ref)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


# --- the component -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"language": "ita; rm -rf"}, "invalid Tesseract language"),
        ({"dpi": 30}, "dpi must be within 72-600"),
        ({"page_segmentation": 14}, "page_segmentation must be"),
        ({"threads": 0}, "threads must be at least 1"),
        ({"timeout_s": 0}, "timeout_s must be positive"),
        ({"tesseract_cmd": " "}, "tesseract_cmd must not be empty"),
    ],
)
def test_constructor_validates(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TesseractOcr(**kwargs)  # type: ignore[arg-type]


def test_constructor_does_not_touch_the_binary(tmp_path: Path) -> None:
    """Configuration only: a missing binary is discovered when a page needs it, not before."""
    ocr = TesseractOcr(tesseract_cmd=tmp_path / "assente")
    assert (ocr.language, ocr.dpi, ocr.tesseract_cmd) == ("ita", 300, str(tmp_path / "assente"))
    blank = ocr.read_image(Image.new("L", (800, 600), 255), number=3)
    assert (blank.number, blank.text, blank.confidence, blank.words, blank.blank) == (3, "", None, 0, True)


def test_parse_tsv_lines_blocks_and_confidence() -> None:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t",
        "5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t90\tIl",
        "5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t80\tpiano",
        "5\t1\t1\t2\t1\t1\t0\t0\t1\t1\t70\tsociale",
        "5\t1\t1\t2\t1\t2\t0\t0\t1\t1\t95\t \t",
        "4\t1\t2\t1\t1\t0\t0\t0\t1\t1\t-1\t",
        "5\t1\t2\t1\t1\t1\t0\t0\t1\t1\t60\t\"2019\"",
    ]
    text, confidences = parse_tsv("\n".join([header, *rows]) + "\n")
    assert text == 'Il piano\nsociale\n\n"2019"'
    assert confidences == [90.0, 80.0, 70.0, 60.0]


# --- scanned and mixed PDFs through the loader ---------------------------------------------------


def test_scanned_pdf_is_read_by_ocr(tmp_path: Path) -> None:
    path = scanned_pdf(tmp_path / "scansione.pdf", [SCANNED])
    assert all(not (page.extract_text() or "").strip() for page in PdfReader(path).pages)  # really no text layer
    loaded = load(path)
    [page] = loaded.pages
    assert (page.number, page.start, page.end, page.ocr) == (1, 0, len(loaded.text), True)
    assert page.confidence is not None and 85 <= page.confidence <= 100
    words = set(_words(loaded.text))
    assert {"soresina", "trentadue", "anziani", "autosufficienti", "domiciliarità", "città"} <= words
    assert "180.000" in loaded.text
    error_rate = cer("\n".join(SCANNED), loaded.text)
    assert error_rate <= MAX_CER, (error_rate, loaded.text)


def test_mixed_pdf_keeps_text_layer_and_ocrs_the_scan(tmp_path: Path) -> None:
    loaded = load_pdf(mixed_pdf(tmp_path / "misto.pdf", tmp_path))
    first, second = loaded.pages
    page1 = "\n".join(TEXT_PAGE)
    assert first == Page(1, 0, len(page1), ocr=False, confidence=None)
    assert loaded.text[: first.end] == page1  # the text layer, untouched
    assert (second.number, second.start, second.end) == (2, first.end + len(PAGE_SEPARATOR), len(loaded.text))
    assert second.ocr is True and second.confidence is not None and second.confidence >= 85
    scanned = loaded.text[second.start : second.end]
    assert cer("\n".join(SCANNED_PAGE_2), scanned) <= MAX_CER, scanned
    assert "Casalbuttano" in scanned and "Casalbuttano" not in loaded.text[: first.end]


def test_sparse_text_layer_keeps_its_text_when_ocr_reads_no_more(tmp_path: Path) -> None:
    """A cover with a short title is below the OCR threshold, but the layer wins: its text is exact."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=24)
    pdf.cell(0, 20, "Piano di Zona")
    pdf.output(str(tmp_path / "copertina.pdf"))
    loaded = PdfLoader(min_letters=16).load(tmp_path / "copertina.pdf")
    assert loaded.pages == (Page(1, 0, len("Piano di Zona")),)
    assert loaded.text == "Piano di Zona"


def test_text_pdf_with_blank_page_needs_no_tesseract(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.cell(0, 8, "Il fondo sociale regionale finanzia i servizi per la famiglia.")
    pdf.add_page()  # left blank on purpose
    pdf.output(str(tmp_path / "bianca.pdf"))
    loaded = load_pdf(tmp_path / "bianca.pdf", ocr=TesseractOcr(tesseract_cmd=tmp_path / "assente"))
    assert [(p.number, p.ocr, p.confidence, p.end - p.start) for p in loaded.pages] == [
        (1, False, None, 62), (2, False, None, 0)
    ]


@pytest.mark.parametrize(
    ("ocr_kwargs", "reason"),
    [
        (
            {"tesseract_cmd": "{tmp}/manca/tesseract"},
            "l'OCR non è disponibile: Tesseract non è installato ({tmp}/manca/tesseract non trovato); "
            "installare i pacchetti Debian tesseract-ocr e tesseract-ocr-ita",
        ),
        (
            {"language": "ita+xyz"},
            "l'OCR non è disponibile: manca il modello di Tesseract per la lingua xyz; "
            "installare i pacchetti Debian tesseract-ocr, tesseract-ocr-ita e tesseract-ocr-xyz",
        ),
    ],
)
def test_missing_tesseract_or_model_says_what_to_install(
    tmp_path: Path, ocr_kwargs: dict[str, str], reason: str
) -> None:
    path = mixed_pdf(tmp_path / "misto.pdf", tmp_path)
    kwargs = {k: v.format(tmp=tmp_path) for k, v in ocr_kwargs.items()}
    with pytest.raises(OcrUnavailable) as info:
        load_pdf(path, ocr=TesseractOcr(**kwargs))  # type: ignore[arg-type]
    exc = info.value
    expected = reason.format(tmp=tmp_path)
    assert isinstance(exc, errors.InputError)
    assert (exc.code, exc.source, exc.reason, str(exc)) == (
        "ocr_non_disponibile", "misto.pdf", expected, f"misto.pdf: {expected}"
    )


# --- persistence of the page flags ----------------------------------------------------------------


def test_registry_rows_keep_ocr_flags_and_read_old_rows() -> None:
    meta = DocumentMeta("doc", "doc.pdf", "Titolo", None, None, "altro")
    pages = (Page(1, 0, 10), Page(2, 12, 40, ocr=True, confidence=91.5))
    doc = IndexedDocument(meta, "v1", 3, 1.0, pages)
    record = meta_to_record(doc)
    assert json.loads(record["pages"]) == [[1, 0, 10, False, None], [2, 12, 40, True, 91.5]]
    assert record_to_doc(record) == doc
    legacy = {**record, "pages": json.dumps([[1, 0, 10], [2, 12, 40]])}
    assert record_to_doc(legacy) == replace(doc, pages=(Page(1, 0, 10), Page(2, 12, 40)))


# --- end to end: ingest a scan, then ask about it --------------------------------------------------


def test_scanned_plan_is_searchable_and_answerable(tmp_path: Path, settings, embedder) -> None:  # noqa: ANN001
    from assistant.service import Assistant

    folder = tmp_path / "scansioni"
    folder.mkdir()
    scanned_pdf(folder / "piano_soresina_scansione.pdf", [SCANNED])
    mixed_pdf(folder / "verbale_misto.pdf", tmp_path)
    assistant = Assistant(settings=settings, embedder=embedder)
    report = assistant.ingest([folder])
    assert not report.failed, [o.error for o in report.failed]
    assert len(report.indexed) == 2

    # The flags survive the registry (Chroma metadata) round trip.
    flags = {d.meta.source: [(p.number, p.ocr) for p in d.pages] for d in assistant.documents()}
    assert flags == {"piano_soresina_scansione.pdf": [(1, True)], "verbale_misto.pdf": [(1, False), (2, True)]}
    confidences = [p.confidence for d in assistant.documents() for p in d.pages if p.ocr]
    assert all(c is not None and c >= 85 for c in confidences)

    answer = assistant.ask("Quanti anziani accoglie il centro diurno integrato di Soresina?")
    assert not answer.abstained
    assert "trentadue" in answer.answer.lower()
    cited = answer.citations[0].chunk
    assert (cited.source, cited.page) == ("piano_soresina_scansione.pdf", 1)

    [top, *_] = assistant.search("spazio giovani Casalbuttano aiuto allo studio", k=3)
    assert (top.chunk.source, top.chunk.page) == ("verbale_misto.pdf", 2)
    assert "Casalbuttano" in top.chunk.text
