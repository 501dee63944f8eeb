# pdz-assistant — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup browser run test ingest lint eval-retrieval eval-answers eval-objectives clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# CPU build of torch first (pinned): any other version pulls GBs of CUDA packages
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

# the widget's browser test drives Debian's chromium (never a browser downloaded by a tool)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Install Debian's chromium (apt-get install chromium) for the widget tests"; exit 1; fi; }

ingest: setup
	$(BIN)/pdz ingest

run: setup ingest
	@echo "Widget e API: http://$(HOST):$(PORT)/"
	$(BIN)/pdz serve --host $(HOST) --port $(PORT)

test: setup browser
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
