# pdz-assistant — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000


.PHONY: setup ocr system run test ingest lint eval-retrieval eval-answers eval-objectives clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# CPU build of torch first (pinned): any other version pulls GBs of CUDA packages
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

# Debian packages: tesseract-ocr + tesseract-ocr-ita read scanned PDF pages; chromium drives the
# widget's browser test (never a browser downloaded by a tool). Installed with apt when missing (root).
define apt_ensure
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Install the Debian packages:$$missing (apt-get install$$missing)"; exit 1; fi; fi
endef
ocr:
	$(call apt_ensure,tesseract-ocr tesseract-ocr-ita)

system: ocr
	$(call apt_ensure,chromium)

ingest: setup
	$(BIN)/pdz ingest

run: setup ocr ingest
	@echo "Widget e API: http://$(HOST):$(PORT)/"
	$(BIN)/pdz serve --host $(HOST) --port $(PORT)

test: setup system
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check ingest assistant api eval tests
	$(BIN)/mypy

eval-retrieval: setup ingest
	$(BIN)/pdz eval retrieval --qa ../shared/eval/qa_dev.jsonl

eval-answers: setup ingest
	$(BIN)/pdz eval answers --qa ../shared/eval/qa_dev.jsonl

eval-objectives: setup ingest
	$(BIN)/pdz eval objectives --gold ../shared/eval/objectives_sample.json
	$(BIN)/pdz eval alignment

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
