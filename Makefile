# The README's two commands: `make demo` and `make test`. Both create .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
TESTDEPS := $(VENV)/.installed-test
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
TUTORIAL := examples/tutorial

.PHONY: demo test test-slow lint bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "jug-async needs Python >= 3.11 (set PYTHON=python3.x)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# jug-async and what it needs to run: all `make demo` installs.
$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

# The test extras on top: the real jug 2.7.0, pytest, ruff, ...
$(TESTDEPS): $(RUNTIME)
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

demo: $(RUNTIME)
	rm -rf $(TUTORIAL)/jugfile.jugdata
	cd $(TUTORIAL) && ../../$(BIN)/jug-async run jugfile.py -j $(JOBS)
	cd $(TUTORIAL) && ../../$(BIN)/jug-async status jugfile.py
	cd $(TUTORIAL) && ../../$(BIN)/python show_result.py

test: $(TESTDEPS)
	$(BIN)/python -m pytest -q

test-slow: $(TESTDEPS)
	$(BIN)/python -m pytest -q -m slow

lint: $(TESTDEPS)
	$(BIN)/ruff check jug_async tests bench

bench: $(TESTDEPS)
	$(BIN)/python bench/run.py --out bench/results.md

clean:
	rm -rf $(VENV) $(TUTORIAL)/jugfile.jugdata .pytest_cache
