"""OCR of PDF pages without a text layer: pypdfium2 renders, Tesseract reads.

``TesseractOcr`` is a small component: the constructor only validates and
configures (language, resolution, path of the ``tesseract`` binary); the
binary and its language models are checked lazily, once, the first time a page
with ink needs reading. Tesseract runs as a subprocess with TSV output, so each
word comes with its own confidence; a page's confidence is the mean of its
words' confidences, on Tesseract's 0-100 scale.

Blank pages (no ink once rendered) are recognised without calling Tesseract,
so a text PDF with empty separator pages never needs it.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from ingest.errors import CorruptDocument, InputError

log = logging.getLogger(__name__)

_LANGUAGE = re.compile(r"^[A-Za-z_]+(\+[A-Za-z_]+)*$")
# pdfium is not thread-safe: one render at a time in the whole process.
_PDFIUM_LOCK = threading.Lock()
# A pixel darker than this (0-255 grey) is ink; a page with fewer ink pixels than
# this fraction is blank (scanner dust and speckles stay below it).
_INK_LEVEL = 128
_MIN_INK_FRACTION = 1e-4


class OcrUnavailable(InputError):
    """A page needs OCR but Tesseract, or one of its language models, is not installed."""

    code = "ocr_non_disponibile"


class OcrFailed(InputError):
    """Tesseract ran but could not read a page."""

    code = "ocr_fallito"


@dataclass(frozen=True)
class OcrPage:
    """What OCR read on one page.

    ``number`` is 1-based. ``confidence`` is the mean confidence of the page's
    words on Tesseract's 0-100 scale, ``None`` when no word was read.
    ``blank`` pages had no ink and were not given to Tesseract.
    """

    number: int
    text: str
    confidence: float | None
    words: int
    seconds: float
    blank: bool = False


def debian_packages(language: str) -> tuple[str, ...]:
    """Debian packages providing the binary and the models of ``language`` (``ita+eng`` -> both)."""
    return ("tesseract-ocr", *(f"tesseract-ocr-{lang.lower().replace('_', '-')}" for lang in language.split("+")))


class TesseractOcr:
    """Read page images with the ``tesseract`` binary (default Italian model).

    ``tesseract_cmd`` is a command name looked up on ``PATH`` or a path to the
    binary; ``dpi`` is the rendering resolution of PDF pages; ``threads`` caps
    Tesseract's OpenMP threads (one is the fastest on a busy small machine);
    ``timeout_s`` bounds one page.
    """

    def __init__(
        self,
        *,
        language: str = "ita",
        dpi: int = 300,
        tesseract_cmd: str | Path = "tesseract",
        page_segmentation: int = 3,
        threads: int = 1,
        timeout_s: float = 120.0,
    ) -> None:
        if not _LANGUAGE.match(language):
            raise ValueError(f"invalid Tesseract language {language!r} (e.g. 'ita' or 'ita+eng')")
        if not 72 <= dpi <= 600:
            raise ValueError(f"dpi must be within 72-600, got {dpi}")
        if not 0 <= page_segmentation <= 13:
            raise ValueError(f"page_segmentation must be a Tesseract --psm value (0-13), got {page_segmentation}")
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s}")
        if not str(tesseract_cmd).strip():
            raise ValueError("tesseract_cmd must not be empty")
        self.language = language
        self.dpi = dpi
        self.tesseract_cmd = str(tesseract_cmd)
        self.page_segmentation = page_segmentation
        self.threads = threads
        self.timeout_s = timeout_s
        self._binary: str | None = None
        self._problem: str | None = None
        self._checked = False
        self._lock = threading.Lock()

    # --- availability -------------------------------------------------------------------------

    def _install_hint(self) -> str:
        packages = debian_packages(self.language)
        listed = ", ".join(packages[:-1]) + " e " + packages[-1]
        return f"installare i pacchetti Debian {listed}"

    def _find_problem(self) -> str | None:
        binary = shutil.which(self.tesseract_cmd)
        if binary is None:
            return f"l'OCR non è disponibile: Tesseract non è installato ({self.tesseract_cmd} non trovato); {self._install_hint()}"
        try:
            listed = subprocess.run(
                [binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=True
            ).stdout
        except (OSError, subprocess.SubprocessError):
            log.warning("tesseract --list-langs failed", exc_info=True)
            return f"l'OCR non è disponibile: Tesseract ({binary}) non si avvia; {self._install_hint()}"
        # The first line is a header ("List of available languages in ...").
        available = {line.strip() for line in listed.splitlines()[1:] if line.strip()}
        missing = [lang for lang in self.language.split("+") if lang not in available]
        if missing:
            models = ", ".join(missing)
            return f"l'OCR non è disponibile: manca il modello di Tesseract per la lingua {models}; {self._install_hint()}"
        self._binary = binary
        return None

    def unavailable_reason(self) -> str | None:
        """Why OCR cannot run here (Italian, says what to install), or ``None`` when it can. Checked once."""
        with self._lock:
            if not self._checked:
                self._problem = self._find_problem()
                self._checked = True
            return self._problem

    def ensure_available(self, source: str) -> str:
        """The binary's path; raises ``OcrUnavailable`` naming ``source`` otherwise."""
        problem = self.unavailable_reason()
        if problem is not None:
            raise OcrUnavailable(source, problem)
        assert self._binary is not None
        return self._binary

    def _child_env(self) -> dict[str, str]:
        # Passed through unchanged (not read as configuration), only capping OpenMP threads.
        return {**os.environ, "OMP_THREAD_LIMIT": str(self.threads)}

    # --- reading ------------------------------------------------------------------------------

    def read_image(self, image: Image.Image, *, number: int = 1, source: str = "immagine") -> OcrPage:
        """OCR one page image (any PIL mode); blank images are not given to Tesseract."""
        started = time.perf_counter()
        grey = image.convert("L")
        if is_blank(grey):
            return OcrPage(number, "", None, 0, time.perf_counter() - started, blank=True)
        binary = self.ensure_available(source)
        png = io.BytesIO()
        grey.save(png, format="PNG")
        command = [
            binary, "stdin", "stdout", "-l", self.language, "--dpi", str(self.dpi),
            "--psm", str(self.page_segmentation), "tsv",
        ]
        try:
            done = subprocess.run(
                command, input=png.getvalue(), capture_output=True, timeout=self.timeout_s, check=True,
                env=self._child_env(),
            )
        except subprocess.TimeoutExpired as exc:
            raise OcrFailed(source, f"l'OCR della pagina {number} ha superato {self.timeout_s:g} s") from exc
        except (OSError, subprocess.CalledProcessError) as exc:
            raise OcrFailed(source, f"l'OCR della pagina {number} non è riuscito") from exc
        text, confidences = parse_tsv(done.stdout.decode("utf-8", errors="replace"))
        confidence = round(sum(confidences) / len(confidences), 1) if confidences else None
        return OcrPage(number, text, confidence, len(confidences), time.perf_counter() - started)

    def read_pdf_pages(self, path: Path, numbers: Iterable[int], *, password: str | None = None) -> Iterator[OcrPage]:
        """Render the 1-based pages ``numbers`` of the PDF at ``path`` and OCR them, one at a time."""
        for number, image in render_pages(path, numbers, dpi=self.dpi, password=password):
            page = self.read_image(image, number=number, source=path.name)
            log.info(
                "OCR %s p.%d: %d words, confidence %s, %.2f s",
                path.name, number, page.words, page.confidence, page.seconds,
            )
            yield page


def is_blank(grey: Image.Image) -> bool:
    """True when a greyscale page image has (almost) no ink."""
    histogram = grey.histogram()
    ink = sum(histogram[:_INK_LEVEL])
    return ink < _MIN_INK_FRACTION * grey.width * grey.height


def render_pages(
    path: Path, numbers: Iterable[int], *, dpi: int, password: str | None = None
) -> Iterator[tuple[int, Image.Image]]:
    """Greyscale renderings of the 1-based pages ``numbers``, one page in memory at a time."""
    import pypdfium2 as pdfium  # heavy native library: loaded only when a page needs OCR

    wanted = list(numbers)
    if not wanted:
        return
    try:
        with _PDFIUM_LOCK:
            document = pdfium.PdfDocument(path, password=password)
    except pdfium.PdfiumError as exc:
        raise CorruptDocument(path.name, "il PDF non si può convertire in immagine per l'OCR") from exc
    try:
        for number in wanted:
            try:
                with _PDFIUM_LOCK:
                    page = document[number - 1]
                    bitmap = page.render(scale=dpi / 72, grayscale=True)
                    image = bitmap.to_pil().convert("L")
                    bitmap.close()
                    page.close()
            except (pdfium.PdfiumError, IndexError) as exc:
                raise CorruptDocument(
                    path.name, f"la pagina {number} del PDF non si può convertire in immagine per l'OCR"
                ) from exc
            yield number, image
    finally:
        with _PDFIUM_LOCK:
            document.close()


def parse_tsv(tsv: str) -> tuple[str, list[float]]:
    """Text and word confidences from Tesseract's TSV.

    Words of a line are joined by a space, lines by a newline, blocks by a
    blank line. Tesseract's block segmentation (columns, separate text areas)
    is reliable; its paragraph split inside a block is not, so normalisation
    decides on paragraphs as it does for pypdf text.
    """
    rows = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    blocks: list[list[list[str]]] = []
    confidences: list[float] = []
    last_block: tuple[str, ...] | None = None
    last_line: tuple[str, ...] | None = None
    for row in rows:
        if row.get("level") != "5":
            continue
        word = (row.get("text") or "").strip()
        conf = float(row.get("conf") or -1)
        if not word or conf < 0:
            continue
        block = (row["page_num"], row["block_num"])
        line = (*block, row["par_num"], row["line_num"])
        if block != last_block:
            blocks.append([])
            last_block, last_line = block, None
        if line != last_line:
            blocks[-1].append([])
            last_line = line
        blocks[-1][-1].append(word)
        confidences.append(conf)
    text = "\n\n".join("\n".join(" ".join(words) for words in lines) for lines in blocks)
    return text, confidences
