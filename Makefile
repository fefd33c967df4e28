# idgov developer and CI entry points. No virtualenv activation needed:
# everything runs from .venv/bin.
#
#   make venv        create .venv and install idgov with test and dev extras
#   make run         start idgov (embedded PostgreSQL, no Kafka)
#   make run-kafka   the production shape: embedded PostgreSQL, the local Kafka broker, and
#                    the relay, projection workers and API as supervised processes
#   make test        run the tests against a local Kafka broker
#                    (PYTEST_ARGS="-k foo -x" to pass options to pytest)
#   make bench       run the benchmarks with the same broker handling
#   make lint        ruff check and format check
#   make typecheck   mypy
#   make kafka-start / kafka-stop   a broker for manual use (KAFKA_PORT, default 19092)
#   make clean       remove .venv, caches and broker run directories
#   make distclean   clean, and remove the downloaded broker jars and the built vegeta too

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KAFKA := deploy/kafka/kafka.sh
PYTEST_ARGS ?=
BENCH_ARGS ?=
# Interpreter for the venv: the first of these that is Python >= 3.11.
PYTHON_CANDIDATES ?= python3.11 python3.12 python3.13 python3

.PHONY: venv run run-kafka test bench lint typecheck kafka-start kafka-stop clean distclean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@py=""; for p in $(PYTHON) $(PYTHON_CANDIDATES); do \
	  if command -v $$p >/dev/null 2>&1 && \
	     $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then py=$$p; break; fi; \
	done; \
	if [[ -z "$$py" ]]; then echo "make: need Python >= 3.11 (set PYTHON=...)" >&2; exit 1; fi; \
	if [[ ! -x $(BIN)/python ]]; then echo "make: creating $(VENV) with $$py"; $$py -m venv $(VENV); fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@touch $@

run: venv
	$(BIN)/idgov up

run-kafka: venv
	$(BIN)/idgov up --kafka

test: venv
	tests/run.sh $(BIN)/pytest $(PYTEST_ARGS)

bench: venv
	tests/run.sh $(BIN)/python -m tests.benchmarks $(BENCH_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

kafka-start:
	$(KAFKA) start

kafka-stop:
	$(KAFKA) stop

clean:
	@for d in deploy/kafka/run/*/; do \
	  if [[ -f "$$d/kafka.pid" ]]; then KAFKA_RUN_DIR="$${d%/}" $(KAFKA) stop; fi; \
	done
	rm -rf $(VENV) deploy/kafka/run build .pytest_cache .mypy_cache .ruff_cache .hypothesis .idgov-test
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
	find . -maxdepth 2 -name '*.egg-info' -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf deploy/kafka/lib .bench
