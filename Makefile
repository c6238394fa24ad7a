# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000

.PHONY: run test lint eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.run

run: $(VENV)/.run  ## serve on http://127.0.0.1:$(PORT) (make run PORT=8080; SQLite log in data/instance)
	$(BIN)/chatbot serve --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.test  ## lint, then every test (PostgreSQL, Redis and Chromium ones included)
	$(BIN)/ruff check chatbot tests benchmarks data
	$(BIN)/python -m pytest

lint: $(VENV)/.test
	$(BIN)/ruff check chatbot tests benchmarks data

eval: $(VENV)/.run  ## matching figures on the clinic dev set
	$(BIN)/chatbot eval tests/data/dev.jsonl

bench: $(VENV)/.run  ## side-by-side matching benchmark (installs the bench extra: torch, MiniLM)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/matching.py

clean:
	rm -rf $(VENV) data/instance .pytest_cache .ruff_cache
