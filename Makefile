# Every target installs what it needs into .venv first (created if missing).
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
PROMPT  ?= In one sentence: why would a team run a language model on its own device?

.PHONY: install labextension demo lab test test-fast chromium postgres proxy otel-receiver lint bench bench-tools clean

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
DEMO_KEY    = $(or $(OPENAI_API_KEY),$(shell grep -qs '^OPENAI_API_KEY=.' .env && echo set))
DEMO_CLOUD  = $(if $(DEMO_KEY),-t openai/gpt-4o-mini)

demo: install
	$(VENV)/bin/hybrid run -t local/smollm2 -t 'local/smollm2[temperature=0.9]' $(DEMO_CLOUD) \
		--temperature 0 --seed 42 --max-tokens 80 "$(PROMPT)"

lab: install
	$(VENV)/bin/jupyter lab notebooks/

# The real-browser tests drive Debian's Chromium (never `playwright install`): installed here when
# make runs as root with apt-get, otherwise make stops and names the command to run.
CHROMIUM_PACKAGES := chromium chromium-driver
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's $(CHROMIUM_PACKAGES) for the browser tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(CHROMIUM_PACKAGES) >/dev/null; \
	  else \
	    echo "make test needs Debian's Chromium for its browser tests: run 'sudo apt-get update && sudo apt-get install -y $(CHROMIUM_PACKAGES)' (or 'make test-fast' to leave them out)" >&2; \
	    exit 1; \
	  fi; }
	@command -v chromium >/dev/null 2>&1 || { echo "chromium is still not on PATH after installing $(CHROMIUM_PACKAGES): check apt-get's output above" >&2; exit 1; }

# The PostgreSQL run log's tests start Debian's server (initdb, pg_ctl) on loopback: installed here
# when its binaries are missing and make runs as root with apt-get, otherwise make names the command.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's postgresql for the PostgreSQL run log tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else \
	    echo "make test needs Debian's PostgreSQL server for the run log tests: run 'sudo apt-get update && sudo apt-get install -y postgresql'" >&2; \
	    exit 1; \
	  fi; }
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "/usr/lib/postgresql/*/bin/initdb is still missing after installing postgresql: check apt-get's output above" >&2; exit 1; }

# The team's gateway, a LiteLLM proxy, in a venv of its own (a program the tests start, not a dependency):
# litellm plus its `proxy` extra's requirements, pinned in $(PROXY_REQS) (how they were chosen: see its header).
PROXY_VENV  := build/litellm-proxy/venv
PROXY_REQS  := tests/support/litellm-proxy-requirements.txt
PROXY_STAMP := $(PROXY_VENV)/.installed-stamp

$(PROXY_STAMP): $(PROXY_REQS)
	rm -rf $(PROXY_VENV)
	$(PYTHON) -m venv $(PROXY_VENV)
	$(PROXY_VENV)/bin/python -m pip install -q --upgrade pip
	$(PROXY_VENV)/bin/python -m pip install -q -r $(PROXY_REQS)
	touch $@

proxy: $(PROXY_STAMP)

# The OTLP receiver the OpenTelemetry export tests start on loopback: MLflow's tracking server, in a
# venv of its own (~850 MB; never a dependency of the workbench). 3.18.0 does not install (its
# mlflow-skinny is missing from PyPI); the stamp names the pin, so changing it rebuilds.
MLFLOW_VERSION := 3.17.2
MLFLOW_VENV    := build/mlflow/venv
MLFLOW_STAMP   := $(MLFLOW_VENV)/.installed-mlflow-$(MLFLOW_VERSION)

$(MLFLOW_STAMP):
	rm -rf $(MLFLOW_VENV)
	$(PYTHON) -m venv $(MLFLOW_VENV)
	$(MLFLOW_VENV)/bin/python -m pip install -q 'mlflow==$(MLFLOW_VERSION)'
	touch $(MLFLOW_STAMP)

otel-receiver: $(MLFLOW_STAMP)

test: chromium postgres install lint proxy otel-receiver
	$(PY) -m pytest

# The documented opt-out: everything except the tests marked `browser` (pyproject.toml).
test-fast: postgres install lint proxy otel-receiver
	$(PY) -m pytest -m "not browser"

lint: install
	$(VENV)/bin/ruff check workbench tests bench
	$(VENV)/bin/mypy

# promptfoo 0.119.0 (the newest that runs on Node 20), the side-by-side alternative in
# bench/bench_sweep.py: installed from bench/promptfoo/package-lock.json into bench/promptfoo/node_modules,
# for the bench only (never a dependency of the package, not needed by `make test`).
PROMPTFOO := bench/promptfoo/node_modules/promptfoo/package.json
$(PROMPTFOO): bench/promptfoo/package.json bench/promptfoo/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make bench needs Node 20+ and npm for promptfoo (bench/promptfoo/): install nodejs and npm" >&2; exit 1; }
	cd bench/promptfoo && npm ci --no-audit --no-fund
	touch $(PROMPTFOO)

bench-tools: $(PROMPTFOO)

bench: install bench-tools
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .workbench .pytest_cache .mypy_cache .ruff_cache
