# refman: `make run` starts the app, `make test` runs the whole suite.
# Both create .venv, install the project and the Debian libraries Qt needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format bench venv deps-offscreen deps-window clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	touch $(STAMP)

venv: $(STAMP)

deps-offscreen:
	@packaging/debian-deps.sh offscreen

deps-window:
	@packaging/debian-deps.sh window

run: $(STAMP) deps-window
	$(BIN)/refman import --if-empty seeds/*.txt
	$(BIN)/refman

lint: $(STAMP)
	$(BIN)/ruff check refman tests benchmarks
	$(BIN)/ruff format --check refman tests benchmarks
	$(BIN)/mypy

test: $(STAMP) deps-window lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

format: $(STAMP)
	$(BIN)/ruff format refman tests benchmarks
	$(BIN)/ruff check --fix refman tests benchmarks

bench: $(STAMP) deps-window
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build dist *.egg-info
