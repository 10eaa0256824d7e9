# Two entry points for a fresh machine: `make up` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: up test lint bench clean

$(STAMP): pyproject.toml package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	bash deploy/vendor.sh
	touch $(STAMP)

up: $(STAMP)
	$(BIN)/mechanic up --demo

test: $(STAMP)
	bash deploy/test.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy events solver services api entrypoints tests bench
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .mechanic node_modules api/static/vendor
