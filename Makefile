# refman: `make run` starts the app, `make test` runs the whole suite.
# Both create .venv, install the project and the Debian libraries Qt needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The desktop application: a one-folder PyInstaller bundle (packaging/README.md).
# Rebuilt when a source, resource or seed changes; PyInstaller's cache is in build/.
BUNDLE := dist/refman/refman
BUNDLE_STAMP := $(VENV)/.bundle-stamp
BUNDLE_MAX_MB ?= 250
BUNDLE_INPUTS := $(shell find refman resources seeds -type f -not -name '*.pyc' 2>/dev/null) \
	packaging/refman.spec packaging/refman_main.py

.PHONY: run test lint format bench venv deps-offscreen deps-window deps-postgres clean
.PHONY: bundle bundle-check install-desktop uninstall-desktop deps-desktop deps-bundle

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

deps-postgres:
	@packaging/debian-deps.sh postgres

deps-desktop:
	@packaging/debian-deps.sh desktop

deps-bundle:
	@packaging/debian-deps.sh bundle

run: $(STAMP) deps-window
	$(BIN)/refman import --if-empty seeds/*.txt
	$(BIN)/refman

lint: $(STAMP)
	$(BIN)/ruff check refman tests benchmarks packaging
	$(BIN)/ruff format --check refman tests benchmarks packaging
	$(BIN)/mypy

test: $(STAMP) deps-window deps-postgres deps-desktop lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest
	$(MAKE) bundle-check

format: $(STAMP)
	$(BIN)/ruff format refman tests benchmarks packaging
	$(BIN)/ruff check --fix refman tests benchmarks packaging

bench: $(STAMP) deps-window deps-postgres $(BUNDLE)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.run

# The desktop application (the variables are at the top).
$(BUNDLE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres,bundle]'
	touch $(BUNDLE_STAMP)

$(BUNDLE): $(BUNDLE_STAMP) $(BUNDLE_INPUTS) | deps-bundle
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist \
		--workpath build/pyinstaller packaging/refman.spec
	touch $(BUNDLE)

bundle: $(BUNDLE)

bundle-check: $(BUNDLE) deps-offscreen
	QT_QPA_PLATFORM=offscreen $(BIN)/python packaging/check_bundle.py --max-mb $(BUNDLE_MAX_MB)

install-desktop: $(BUNDLE)
	packaging/install-desktop.sh "$(CURDIR)/$(BUNDLE)"

uninstall-desktop:
	packaging/install-desktop.sh --uninstall

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build dist *.egg-info
