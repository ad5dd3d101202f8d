# Every target installs what it needs into .venv first (created if missing).
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
PROMPT  ?= In one sentence: why would a team run a language model on its own device?

.PHONY: install labextension demo lab test lint bench clean

# llama-cpp-python compiles llama.cpp on install. Its native x86 build turns on Intel AMX where
# the CPU lists it, and then dies with SIGILL in VMs that do not enable AMX: build for AVX2.
ifeq ($(shell uname -m),x86_64)
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
endif

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -e '.[dev]'
	touch $(STAMP)

# The JupyterLab extension: rebuilt from extensions/jupyterlab-hybrid only if its sources changed
# (needs Node 20+ and npm then; the committed build needs neither), then linked into $(VENV).
install: $(STAMP)
	$(PY) -m workbench.server.develop --build

labextension: install

# The local model answering greedily beside a sampled variant of itself; the cloud column joins
# when OPENAI_API_KEY is set (in the environment or in .env).
DEMO_KEY   := $(or $(OPENAI_API_KEY),$(shell grep -qs '^OPENAI_API_KEY=.' .env && echo set))
DEMO_CLOUD := $(if $(DEMO_KEY),-t openai/gpt-4o-mini)

demo: install
	$(VENV)/bin/hybrid run -t local/smollm2 -t 'local/smollm2[temperature=0.9]' $(DEMO_CLOUD) \
		--temperature 0 --seed 42 --max-tokens 80 "$(PROMPT)"

lab: install
	$(VENV)/bin/jupyter lab notebooks/

test: install lint
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check workbench tests bench
	$(VENV)/bin/mypy

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .workbench .pytest_cache .mypy_cache .ruff_cache
