# Two commands: `make book` builds the book, `make test` runs the tests.
# Both create .venv on first use and install the pinned dependencies into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export JAX_PLATFORMS ?= cpu
export PYTHONHASHSEED = 0

.PHONY: book test venv lint clean bench

venv: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test,book]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

test: $(STAMP)
	GATENET_FAST=1 $(BIN)/python -m pytest

book: $(STAMP)
	$(BIN)/jupyter-book build . --all -W -n --keep-going

lint: $(STAMP)
	$(BIN)/ruff check src tests

clean:
	rm -rf _build .pytest_cache .ruff_cache .hypothesis
