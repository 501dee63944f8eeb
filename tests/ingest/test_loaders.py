"""Loaders on files the tests generate: PDF (pypdf), DOCX (python-docx), TXT/MD encodings,
and every kind of bad input with its code and Italian reason."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter

from ingest import errors
from ingest.loaders import load
from ingest.normalize import normalize

FOOTER = "Piano di zona di prova per il triennio 2015-2017"


def make_pdf(path: Path, pages: list[list[str]], *, footer: bool = True) -> Path:
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    for n, lines in enumerate(pages, 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        for line in lines:
            pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
        if footer:
            pdf.set_y(-20)
            pdf.cell(0, 8, f"{FOOTER}  {n}")
    pdf.output(str(path))
    return path


PAGES = [
    ["Capitolo 1 - La partecipazione", "Il percorso di parteci-", "pazione ha coinvolto i Comuni del distretto."],
    ["Capitolo 2 - I servizi", "Il servizio di assistenza domiciliare raggiunge gli anziani della citta."],
    ["Capitolo 3 - Le risorse", "Il fondo sociale regionale finanzia i servizi per la famiglia."],
]


def _expect(exc_type: type[errors.InputError], path: Path, code: str, reason: str, **kw: int) -> None:
    with pytest.raises(exc_type) as info:
        load(path, **kw)
    assert info.value.code == code
    assert str(info.value).startswith(f"{path.name}: ")
    assert reason in info.value.reason


def test_pdf_pages_offsets_and_footer_cleanup(tmp_path: Path) -> None:
    loaded = load(make_pdf(tmp_path / "piano.pdf", PAGES))
    assert [p.number for p in loaded.pages] == [1, 2, 3]
    for page, lines in zip(loaded.pages, PAGES, strict=True):
        chunk = loaded.text[page.start : page.end]
        assert lines[0] in chunk and FOOTER in chunk
    canonical = normalize(loaded.text, loaded.pages)
    assert FOOTER not in canonical.text
    assert "Il percorso di partecipazione ha coinvolto i Comuni del distretto." in canonical.text


def test_encrypted_pdf_rejected_but_empty_user_password_accepted(tmp_path: Path) -> None:
    source = make_pdf(tmp_path / "base.pdf", PAGES[:1])
    for name, user in (("segreto.pdf", "segreta"), ("aperto.pdf", "")):
        writer = PdfWriter(clone_from=PdfReader(str(source)))
        writer.encrypt(user_password=user, owner_password="proprietario")
        with (tmp_path / name).open("wb") as f:
            writer.write(f)
    _expect(errors.EncryptedDocument, tmp_path / "segreto.pdf", "documento_cifrato", "protetto da password")
    assert "partecipazione" in load(tmp_path / "aperto.pdf").text


def test_scanned_pdf_without_text_layer(tmp_path: Path) -> None:
    image = tmp_path / "scansione.png"
    Image.new("RGB", (200, 100), "white").save(image)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(image), x=10, y=10, w=100)
    pdf.output(str(tmp_path / "scansione.pdf"))
    _expect(errors.NoTextLayer, tmp_path / "scansione.pdf", "senza_testo", "OCR")


def test_corrupt_and_junk_pdf(tmp_path: Path) -> None:
    good = make_pdf(tmp_path / "buono.pdf", PAGES).read_bytes()
    (tmp_path / "troncato.pdf").write_bytes(good[: len(good) // 3])
    (tmp_path / "spazzatura.pdf").write_bytes(bytes(range(256)) * 20)
    _expect(errors.CorruptDocument, tmp_path / "spazzatura.pdf", "documento_corrotto", "non è un PDF valido")
    with pytest.raises((errors.CorruptDocument, errors.NoTextLayer)) as info:
        load(tmp_path / "troncato.pdf")
    assert str(info.value).startswith("troncato.pdf: ")


def test_empty_unsupported_and_oversize(tmp_path: Path) -> None:
    for name in ("vuoto.txt", "vuoto.pdf", "vuoto.docx"):
        (tmp_path / name).write_bytes(b"")
        _expect(errors.EmptyDocument, tmp_path / name, "documento_vuoto", "il file è vuoto")
    (tmp_path / "spazi.md").write_text("  \n\n \t\n", encoding="utf-8")
    _expect(errors.EmptyDocument, tmp_path / "spazi.md", "documento_vuoto", "vuoto")
    (tmp_path / "dati.xyz").write_text("testo", encoding="utf-8")
    _expect(errors.UnsupportedFormat, tmp_path / "dati.xyz", "formato_non_supportato", "formati ammessi .txt, .md, .pdf, .docx")
    (tmp_path / "grande.txt").write_text("parola " * 400, encoding="utf-8")
    _expect(errors.FileTooLarge, tmp_path / "grande.txt", "file_troppo_grande", "troppo grande", max_bytes=1000)


@pytest.mark.parametrize(
    ("encoding", "prefix"), [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("latin-1", b"")]
)
def test_text_encodings(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    text = "Perché la città è più vicina: l'ASL garantisce i servizi.\r\nSeconda riga."
    if encoding == "cp1252":
        text += " “Costo” 12 €"
    path = tmp_path / "testo.txt"
    path.write_bytes(prefix + text.encode(encoding))
    loaded = load(path)
    assert loaded.text == text.replace("\r\n", "\n")
    assert "\r" not in loaded.text and not loaded.text.startswith("\ufeff")


def test_binary_junk_as_text_is_undecodable(tmp_path: Path) -> None:
    path = tmp_path / "binario.txt"
    path.write_bytes(b"\x00\x01\x02\x03\xff\xfe" * 100)
    _expect(errors.UndecodableText, path, "codifica_non_riconosciuta", "codifica del testo non riconosciuta")


def _make_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_heading("Piano di Zona di prova", level=0)
    d.add_heading("1. Le premesse", level=1)
    d.add_paragraph("Il piano definisce le priorità del triennio.")
    d.add_heading("1.1 Gli obiettivi", level=2)
    d.add_paragraph("Cartella sociale per tutti i servizi", style="List Bullet")
    d.add_paragraph("Accesso unitario ai servizi", style="List Bullet")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Indicatore", "Target"
    table.cell(1, 0).text, table.cell(1, 1).text = "N. prese in carico", "100%"
    d.save(str(path))
    return path


def test_docx_headings_lists_and_tables(tmp_path: Path) -> None:
    loaded = load(_make_docx(tmp_path / "piano.docx"))
    text = loaded.text
    assert text.index("Le premesse") < text.index("priorità") < text.index("Gli obiettivi") < text.index("Indicatore")
    spans = [(text[h.start : h.end], h.level) for h in loaded.headings]
    assert spans == [("Piano di Zona di prova", 1), ("1. Le premesse", 1), ("1.1 Gli obiettivi", 2)]
    assert "- Cartella sociale per tutti i servizi\n\n- Accesso unitario ai servizi" in text
    assert "Indicatore | Target\nN. prese in carico | 100%" in text


def test_corrupt_docx(tmp_path: Path) -> None:
    good = _make_docx(tmp_path / "buono.docx").read_bytes()
    (tmp_path / "rotto.docx").write_bytes(good[:200])
    _expect(errors.CorruptDocument, tmp_path / "rotto.docx", "documento_corrotto", "DOCX")
    buffer = BytesIO(b"not a zip at all")
    (tmp_path / "finto.docx").write_bytes(buffer.getvalue())
    _expect(errors.CorruptDocument, tmp_path / "finto.docx", "documento_corrotto", "DOCX")


def test_docx_headings_become_the_section_tree(tmp_path: Path) -> None:
    from ingest.pipeline import build_canonical
    from ingest.structure import detect_structure

    loaded = load(_make_docx(tmp_path / "piano.docx"))
    canonical = build_canonical(loaded.text, loaded.pages, loaded.headings)
    sections = detect_structure(canonical.text, canonical.heading_hints)
    paths = [s.path for s in sections]
    assert paths == [("Piano di Zona di prova",), ("1. Le premesse",), ("1. Le premesse", "1.1 Gli obiettivi")]
    last = sections[-1]
    assert "Accesso unitario ai servizi" in canonical.text[last.start : last.end]
