# Two commands: `make run` serves Tribune, `make test` runs every check.
# Needs only Python 3.11+ and make; everything else comes from the package index.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install clean browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/tribune serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Debian's chromium for the browser tests (apt-get, as root); nothing when present.
browser:
	./tools/install-browser

test: lint browser
	$(BIN)/pytest

clean:
	rm -rf $(VENV) var
