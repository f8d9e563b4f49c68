# The two commands a new user needs: `make demo` and `make test`. Each creates .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the fold compiled with mypyc, beside its source (tools/build_native.py); rebuilt when the source changes
NATIVE := $(VENV)/.native
DEMO_DIR ?= $(shell mktemp -d -t dtl-demo-XXXXXX)

.PHONY: demo test lint bench install browser clean eval

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	touch $(STAMP)

$(NATIVE): $(STAMP) projections/coalition.py tools/build_native.py
	$(BIN)/python tools/build_native.py
	touch $(NATIVE)

# the project's bytecode, compiled ahead as pip does for what it installs: with PYTHONDONTWRITEBYTECODE set
# (as on some machines) every `dtl` would otherwise compile its sources again (about 25 ms of each start)
install: $(STAMP) $(NATIVE)
	@$(BIN)/python -m compileall -q -j 0 -x '/(tests|\.venv)/' cli core events projections render service web tools bench errors.py

demo: install
	PATH="$(CURDIR)/$(BIN):$$PATH" bash examples/coalition-of-the-willing/demo.sh "$(DEMO_DIR)"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q

# Debian's chromium for tests/cli/test_report_browser.py, which installs nothing itself (Playwright drives this
# browser by its path; no browser is downloaded). Not part of `make test`: .ci/run runs it first. Needs root or sudo.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
browser:
	command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# Not part of `make test`: logs of 10k, 100k and 1M events; writes bench/RESULTS.md. BENCH_ARGS="--tiers 10k --quick"
bench: install
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres,bench]'
	$(BIN)/python -m bench $(BENCH_ARGS)

# Not part of `make test`: precision and recall of `dtl draft` on the founding articles (../shared/seeds)
eval: install
	$(BIN)/python -m bench.evaluate_drafts -v

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build
	rm -f projections/*.so projections/*.built
