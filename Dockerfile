# pdz-assistant: HTTP API + chat widget, CPU only.  Build: docker build -t pdz-assistant .
FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
WORKDIR /app

# Tesseract with its Italian model reads scanned PDF pages (OCR)
RUN apt-get update && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-ita \
    && rm -rf /var/lib/apt/lists/*

# CPU build of torch, pinned, from the PyTorch CPU index: the default index would pull GBs of
# CUDA packages. `pip install .` below then finds torch==2.13.0 (2.13.0+cpu) already satisfied.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

COPY pyproject.toml README.md ./
COPY ingest ingest
COPY assistant assistant
COPY api api
COPY cli cli
COPY eval eval
RUN pip install .

COPY corpus corpus
RUN useradd --create-home --uid 1000 pdz && mkdir -p /data && chown pdz:pdz /data
USER pdz
ENV PDZ_DATA_DIR=/data PDZ_CORPUS_DIR=/app/corpus
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=600s --retries=5 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]

# First start: ingest the corpus when the index is empty (a file that fails is reported, not fatal);
# then serve. /ready answers 200 once the models are warm and the index answers.
CMD ["sh", "-c", "if pdz documents --json | python -c 'import json, sys; sys.exit(0 if json.load(sys.stdin) == [] else 1)'; then pdz ingest || echo 'pdz ingest: alcuni file non sono stati indicizzati (vedi sopra)' >&2; fi; exec pdz serve --host 0.0.0.0 --port 8000"]
