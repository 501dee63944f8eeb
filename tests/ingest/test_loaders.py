"""Loaders on files the tests generate: PDF (pypdf), DOCX (python-docx), TXT/MD encodings,
and every kind of bad input with its code and Italian reason."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter

from ingest import errors
from ingest.loaders import SUPPORTED_SUFFIXES, load
from ingest.schemas import LoadedText, Page
from tests.helpers import FOOTER, PAGES, make_pdf

MB = 1024 * 1024


def _expect(
    exc_type: type[errors.InputError], path: Path, code: str, reason: str, *, max_bytes: int = 50 * MB
) -> errors.InputError:
    with pytest.raises(exc_type) as info:
        load(path, max_bytes=max_bytes)
    exc = info.value
    assert (type(exc), exc.code, exc.source, exc.reason) == (exc_type, code, path.name, reason)
    assert str(exc) == f"{path.name}: {reason}"
    return exc


# --- PDF ---------------------------------------------------------------------------------------


def test_pdf_pages_offsets_and_raw_text(tmp_path: Path) -> None:
    loaded = load(make_pdf(tmp_path / "piano.pdf", PAGES))
    page_texts = ["\n".join([*lines, f"{FOOTER}  {n}"]) for n, lines in enumerate(PAGES, 1)]
    starts = [0, len(page_texts[0]) + 2, len(page_texts[0]) + len(page_texts[1]) + 4]
    expected_pages = tuple(Page(n, s, s + len(t)) for n, (s, t) in enumerate(zip(starts, page_texts, strict=True), 1))
    assert loaded == LoadedText(text="\n\n".join(page_texts), pages=expected_pages)
    assert [loaded.text[p.start : p.end] for p in loaded.pages] == page_texts
    assert "anziani della città." in loaded.text[loaded.pages[1].start : loaded.pages[1].end]
    # Hyphenation and running footers stay in the raw text: normalisation removes them later.
    assert "parteci-\npazione" in loaded.text
    assert [loaded.text.count(f"{FOOTER}  {n}") for n in (1, 2, 3)] == [1, 1, 1]


def _encrypt(source: Path, target: Path, *, user: str, algorithm: str) -> Path:
    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password=user, owner_password="proprietario", algorithm=algorithm)
    with target.open("wb") as handle:
        writer.write(handle)
    return target


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_encrypted_pdf_rejected_but_empty_user_password_accepted(tmp_path: Path, algorithm: str) -> None:
    source = make_pdf(tmp_path / "base.pdf", PAGES)
    locked = _encrypt(source, tmp_path / "segreto.pdf", user="segreta", algorithm=algorithm)
    _expect(errors.EncryptedDocument, locked, "documento_cifrato", "il PDF è protetto da password")
    restricted = _encrypt(source, tmp_path / "aperto.pdf", user="", algorithm=algorithm)
    assert load(restricted) == load(source)


def test_scanned_pdf_without_text_layer(tmp_path: Path) -> None:
    image = tmp_path / "scansione.png"
    Image.new("RGB", (200, 100), "white").save(image)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(image), x=10, y=10, w=100)
    pdf.output(str(tmp_path / "scansione.pdf"))
    _expect(
        errors.NoTextLayer, tmp_path / "scansione.pdf", "senza_testo",
        "il PDF non contiene testo leggibile, nemmeno con l'OCR (pagine vuote o illeggibili)",
    )


def test_truncated_pdf_is_corrupt(tmp_path: Path) -> None:
    good = make_pdf(tmp_path / "buono.pdf", PAGES).read_bytes()
    path = tmp_path / "troncato.pdf"
    path.write_bytes(good[: len(good) // 2])
    exc = _expect(errors.CorruptDocument, path, "documento_corrotto", "il PDF è danneggiato o illeggibile")
    assert exc.__cause__ is not None


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (bytes(range(256)) * 20, "il file non è un PDF valido"),
        (b"PK\x03\x04 un docx rinominato", "il file non è un PDF valido"),
        (b"%PDF-1.4\n" + b"\x13\x37 spazzatura " * 50, "il PDF è danneggiato o illeggibile"),
    ],
    ids=["junk", "zip", "header-only"],
)
def test_junk_with_pdf_name_is_corrupt(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "spazzatura.pdf"
    path.write_bytes(content)
    _expect(errors.CorruptDocument, path, "documento_corrotto", reason)


# --- checks shared by every format -------------------------------------------------------------


@pytest.mark.parametrize("name", ["vuoto.txt", "vuoto.md", "vuoto.pdf", "vuoto.docx"])
def test_zero_byte_file_is_empty(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"")
    _expect(errors.EmptyDocument, tmp_path / name, "documento_vuoto", "il file è vuoto")


@pytest.mark.parametrize("name", ["spazi.txt", "spazi.md"])
def test_whitespace_only_text_is_empty(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"  \r\n\r\n \t\n\f")
    _expect(errors.EmptyDocument, tmp_path / name, "documento_vuoto", "il file è vuoto (nessun testo)")


def test_docx_without_text_is_empty(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("")
    d.save(str(tmp_path / "bianco.docx"))
    _expect(errors.EmptyDocument, tmp_path / "bianco.docx", "documento_vuoto", "il file è vuoto (nessun testo)")


@pytest.mark.parametrize(("name", "shown"), [("dati.xyz", ".xyz"), ("LEGGIMI", "senza estensione")])
def test_unsupported_format(tmp_path: Path, name: str, shown: str) -> None:
    (tmp_path / name).write_text("testo", encoding="utf-8")
    _expect(
        errors.UnsupportedFormat, tmp_path / name, "formato_non_supportato",
        f"formato non supportato ({shown}): formati ammessi .pdf, .docx, .txt, .md",
    )


def test_supported_suffixes() -> None:
    assert SUPPORTED_SUFFIXES == (".pdf", ".docx", ".txt", ".md")


@pytest.mark.parametrize(
    ("size", "limit", "reason"),
    [
        (2800, 1000, "il file è troppo grande (0,0027 MB; limite 0,00095 MB)"),
        (3 * MB + MB // 2, 2 * MB, "il file è troppo grande (3,5 MB; limite 2 MB)"),
    ],
)
def test_oversize_file(tmp_path: Path, size: int, limit: int, reason: str) -> None:
    path = tmp_path / "grande.txt"
    path.write_bytes(b"parola " * (size // 7))
    _expect(errors.FileTooLarge, path, "file_troppo_grande", reason, max_bytes=limit)


def test_checks_run_in_order(tmp_path: Path) -> None:
    junk = bytes(range(256)) * 8
    (tmp_path / "grande.xyz").write_bytes(junk)
    (tmp_path / "grande.pdf").write_bytes(junk)
    _expect(
        errors.UnsupportedFormat, tmp_path / "grande.xyz", "formato_non_supportato",
        "formato non supportato (.xyz): formati ammessi .pdf, .docx, .txt, .md", max_bytes=10,
    )
    # The size is checked before the content is parsed.
    _expect(
        errors.FileTooLarge, tmp_path / "grande.pdf", "file_troppo_grande",
        "il file è troppo grande (0,002 MB; limite 0,0000095 MB)", max_bytes=10,
    )


# --- TXT / MD ----------------------------------------------------------------------------------

SENTENCE = "Perché la città è più vicina: l'ASL garantisce i servizi.\r\nSeconda riga."


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        (SENTENCE.encode("utf-8"), SENTENCE, "utf-8"),
        (b"\xef\xbb\xbf" + SENTENCE.encode("utf-8"), SENTENCE, "utf-8-sig"),
        ((SENTENCE + " “Costo” 12 €").encode("cp1252"), SENTENCE + " “Costo” 12 €", "cp1252"),
        # Italian letters have the same bytes in latin-1 and cp1252: the superset is reported.
        (SENTENCE.encode("latin-1"), SENTENCE, "cp1252"),
        # 0x81 is undefined in cp1252, so only latin-1 decodes this file.
        (SENTENCE.encode("latin-1") + b" \x81", SENTENCE + " \x81", "latin-1"),
        ("\ufeff".encode("utf-16-le") + SENTENCE.encode("utf-16-le"), SENTENCE, "utf-16"),
    ],
    ids=["utf-8", "utf-8-bom", "cp1252", "latin-1-as-cp1252", "latin-1", "utf-16-bom"],
)
def test_text_encodings(tmp_path: Path, data: bytes, text: str, encoding: str) -> None:
    path = tmp_path / "testo.txt"
    path.write_bytes(data)
    assert load(path) == LoadedText(text=text.replace("\r\n", "\n"), encoding=encoding)


def test_line_endings_normalised_and_suffix_case_ignored(tmp_path: Path) -> None:
    path = tmp_path / "VECCHIO.TXT"
    path.write_bytes(b"riga uno\r\nriga due\rriga tre\n")
    assert load(path) == LoadedText(text="riga uno\nriga due\nriga tre\n", encoding="utf-8")


def test_markdown_returned_as_is(tmp_path: Path) -> None:
    text = "# Piano di Zona\n\n## 1. Obiettivi\n\n- **Cartella sociale** per tutti\n"
    path = tmp_path / "piano.md"
    path.write_text(text, encoding="utf-8")
    assert load(path) == LoadedText(text=text, pages=(), headings=(), encoding="utf-8")


def test_stray_control_character_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "dos.txt"
    path.write_bytes(b"Verbale della conferenza dei sindaci.\n\x1a")  # DOS end-of-file marker
    assert load(path).text == "Verbale della conferenza dei sindaci.\n\x1a"


@pytest.mark.parametrize(
    "content",
    [b"\x00\x01\x02\x03\xff\xfe" * 100, bytes(range(1, 32)) * 50, b"testo normale\x00" * 20],
    ids=["nul-and-high-bytes", "control-characters", "nul-in-ascii"],
)
def test_binary_content_as_text_is_undecodable(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "binario.txt"
    path.write_bytes(content)
    _expect(
        errors.UndecodableText, path, "codifica_non_riconosciuta",
        "codifica del testo non riconosciuta (il file sembra binario)",
    )


# --- DOCX --------------------------------------------------------------------------------------


def _make_docx(path: Path) -> Path:
    d = docx.Document()
    d.add_heading("Piano di Zona di prova", level=0)  # the "Title" style
    d.add_heading("1. Le premesse", level=1)
    d.add_paragraph("Il piano definisce le priorità del triennio.")
    d.add_paragraph("")  # empty paragraphs add no blank blocks
    d.add_heading("1.1 Gli obiettivi", level=2)
    d.add_paragraph("Cartella sociale per tutti i servizi", style="List Bullet")
    d.add_paragraph("Accesso unitario ai servizi", style="List Number")
    table = d.add_table(rows=3, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Indicatore", "Target"
    table.cell(1, 0).text, table.cell(1, 1).text = "N. prese in carico", "100%"
    table.cell(2, 0).merge(table.cell(2, 1)).text = "Totale: 2 indicatori"
    d.styles.add_style("Titolo 2", WD_STYLE_TYPE.PARAGRAPH)
    d.add_paragraph("2. Il monitoraggio", style="Titolo 2")
    d.add_paragraph("Il monitoraggio è annuale.")
    # A content control (as in Word cover pages) wrapping an ordinary paragraph.
    cover = parse_xml(
        f"<w:sdt {nsdecls('w')}><w:sdtContent><w:p><w:r><w:t>Ambito di prova</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    )
    d.element.body.insert(0, cover)
    d.save(str(path))
    return path


def test_docx_blocks_headings_lists_and_tables(tmp_path: Path) -> None:
    loaded = load(_make_docx(tmp_path / "piano.docx"))
    assert loaded.text == (
        "Ambito di prova\n\n"
        "Piano di Zona di prova\n\n"
        "1. Le premesse\n\n"
        "Il piano definisce le priorità del triennio.\n\n"
        "1.1 Gli obiettivi\n\n"
        "- Cartella sociale per tutti i servizi\n\n"
        "- Accesso unitario ai servizi\n\n"
        "Indicatore | Target\nN. prese in carico | 100%\nTotale: 2 indicatori\n\n"
        "2. Il monitoraggio\n\n"
        "Il monitoraggio è annuale."
    )
    spans = [(loaded.text[h.start : h.end], h.level) for h in loaded.headings]
    assert spans == [
        ("Piano di Zona di prova", 1), ("1. Le premesse", 1), ("1.1 Gli obiettivi", 2), ("2. Il monitoraggio", 2),
    ]
    assert (loaded.pages, loaded.encoding) == ((), None)


@pytest.mark.parametrize("kind", ["truncated", "not-a-zip", "zip-without-document"])
def test_corrupt_docx(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "rotto.docx"
    if kind == "truncated":
        path.write_bytes(_make_docx(tmp_path / "buono.docx").read_bytes()[:200])
    elif kind == "not-a-zip":
        path.write_bytes(b"non sono uno zip")
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("leggimi.txt", "niente documento")
    exc = _expect(errors.CorruptDocument, path, "documento_corrotto", "il file non è un DOCX valido o è danneggiato")
    assert exc.__cause__ is not None


def test_docx_headings_become_the_section_tree(tmp_path: Path) -> None:
    """Contract with the next stage: loader heading spans drive the section paths."""
    from ingest.document import build_canonical
    from ingest.structure import detect_structure

    loaded = load(_make_docx(tmp_path / "piano.docx"))
    canonical = build_canonical(loaded.text, loaded.pages, loaded.headings)
    sections = detect_structure(canonical.text, canonical.heading_hints)
    paths = [s.path for s in sections if s.level]
    assert paths[:3] == [("Piano di Zona di prova",), ("1. Le premesse",), ("1. Le premesse", "1.1 Gli obiettivi")]
    obiettivi = sections[[s.path for s in sections].index(("1. Le premesse", "1.1 Gli obiettivi"))]
    assert "Accesso unitario ai servizi" in canonical.text[obiettivi.start : obiettivi.end]
