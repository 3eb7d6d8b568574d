# The README's commands. Every target sets itself up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test demo poll status bench lint setup clean

run: $(STAMP)            ## start the monitor daemon on live portals (SQLite, bundled watchlists)
	$(BIN)/tenderwatch run

test: $(STAMP)           ## lint and run the whole test suite
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

demo: $(STAMP)           ## the same monitor, fully offline, against a bundled replay of the portals
	$(BIN)/tenderwatch demo

status: $(STAMP)
	$(BIN)/tenderwatch status

bench: $(STAMP)          ## benchmarks: print figures and ratios against a same-run baseline
	$(BIN)/python bench/match.py
	$(BIN)/python bench/poll.py

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) *.egg-info
