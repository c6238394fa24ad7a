# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)  ## start the server on http://127.0.0.1:8000 (SQLite log in ./instance)
	$(BIN)/chatbot serve --host 127.0.0.1 --port 8000

test: $(STAMP)  ## run the whole suite (PostgreSQL, Redis and Chromium tests included)
	$(BIN)/ruff check chatbot tests benchmarks
	$(BIN)/python -m pytest

eval: $(STAMP)  ## matching figures on the clinic dev set
	$(BIN)/chatbot eval tests/data/dev.jsonl

bench: $(STAMP)  ## side-by-side matching benchmark (needs the bench extra)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/matching.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
