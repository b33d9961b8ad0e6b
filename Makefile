# The two commands of README.md: `make demo` and `make test`. Both set themselves up.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint setup setup-test serve bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install -q -e .

setup-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	./scripts/setup-test-tools

demo: setup
	$(BIN)/ai-trader demo

serve: setup
	$(BIN)/ai-trader serve

test: setup-test
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

lint: setup-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# every benchmark with modest sizes (bench/README.md); `make bench BENCH_ARGS=--smoke` for tiny ones
bench: setup-test
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data node_modules .pytest_cache
