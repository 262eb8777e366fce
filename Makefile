# The README's two commands: `make demo` and `make test`. Both create .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: demo test test-slow lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "jug-async needs Python >= 3.11 (set PYTHON=python3.x)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

demo: $(STAMP)
	rm -rf examples/tutorial/jugfile.jugdata
	cd examples/tutorial && ../../$(BIN)/jug-async run jugfile.py -j $(JOBS)
	cd examples/tutorial && ../../$(BIN)/jug-async status jugfile.py
	cd examples/tutorial && ../../$(BIN)/python -c 'import jug_async; r = jug_async.init("jugfile.py").module.best.result; print("best k:", r["best_k"])'

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check jug_async tests bench

bench: $(STAMP)
	$(BIN)/python bench/run.py --out bench/results.md

clean:
	rm -rf $(VENV) examples/tutorial/jugfile.jugdata .pytest_cache
