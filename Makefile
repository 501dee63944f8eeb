# pdz-assistant — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test ingest lint eval-retrieval eval-answers eval-objectives clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# CPU build of torch first (pinned): any other version pulls GBs of CUDA packages
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

ingest: setup
	$(BIN)/pdz ingest

run: setup ingest
	@echo "Widget e API: http://$(HOST):$(PORT)/"
	$(BIN)/pdz serve --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check ingest assistant api eval tests
	$(BIN)/mypy

eval-retrieval: setup ingest
	$(BIN)/pdz eval retrieval --qa ../shared/eval/qa_dev.jsonl

eval-answers: setup ingest
	$(BIN)/pdz eval answers --qa ../shared/eval/qa_dev.jsonl

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
