# Two commands on a fresh machine with Python 3.11 and pip: `make demo` and `make test`.
# Each creates .venv and installs the project when needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DAGSTER_HOME := $(CURDIR)/data/dagster_home
export DAGSTER_HOME

.PHONY: demo test dev soak emulator clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

## demo: materialize one whole UTC day on the embedded Genesys emulator into ./data/lake
demo: $(INSTALLED) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/wrapup-assets demo --dagster-home $(DAGSTER_HOME)

## test: lint, then the whole test suite (what CI runs)
test: $(INSTALLED)
	$(BIN)/ruff check wrapup_assets wrapup_assets_tests
	$(BIN)/ruff format --check wrapup_assets wrapup_assets_tests
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

## dev: the Dagster UI on workspace.yaml (embedded emulator unless GENESYS_* are set)
dev: $(INSTALLED) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -w workspace.yaml

## soak: long soak tests, outside the default suite
soak: $(INSTALLED)
	$(BIN)/python -m pytest -m soak -o addopts=""

## emulator: the standalone Genesys emulator (prints its port)
emulator: $(INSTALLED)
	$(BIN)/wrapup-assets emulator

clean:
	rm -rf data
