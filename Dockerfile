# pdz-assistant API + widget (CPU only).
FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
WORKDIR /app

# CPU build of torch, pinned (the default index would pull GBs of CUDA packages)
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

COPY pyproject.toml README.md ./
COPY ingest ingest
COPY assistant assistant
COPY api api
COPY eval eval
RUN pip install .

COPY corpus corpus
ENV PDZ_DATA_DIR=/data PDZ_CORPUS_DIR=/app/corpus
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=120s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"

# ingest the corpus on first start (idempotent afterwards), then serve
CMD ["sh", "-c", "pdz ingest && exec pdz serve --host 0.0.0.0 --port 8000"]
