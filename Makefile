# Soliris Match — every install step lives here (CI runs `make test` on a clean clone).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export SOLIRIS_DB ?= $(CURDIR)/data/soliris.db
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup run test lint eval bench sample clean browser

setup: $(STAMP)

# torch==2.13.0 first: it is the CPU build found on this machine's disk; any other spec pulls
# a multi-GB CUDA build. Then the project with every backend and the test tools.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[e5,st,test]'
	touch $(STAMP)

# Debian's Chromium for the browser test (no browser download at run time).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	  >/dev/null 2>&1 || echo "warning: could not install chromium; the browser test will be skipped"; }

sample: setup
	@if [ "$$($(BIN)/soliris list --json 2>/dev/null | $(BIN)/python -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null || echo 0)" = "0" ]; then \
	  $(BIN)/soliris import data/actors.sample.jsonl; \
	else echo "registry $(SOLIRIS_DB) already holds actors; not re-importing the sample"; fi

run: sample
	$(BIN)/soliris serve --host 127.0.0.1 --port $${PORT:-8000}

lint: setup
	$(BIN)/ruff check .

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

eval: setup
	$(BIN)/python -m bench.eval

bench: setup
	$(BIN)/python -m bench.engine
	$(BIN)/python -m bench.load
	$(BIN)/python -m bench.report

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache data/soliris.db*
