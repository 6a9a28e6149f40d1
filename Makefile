# Inlet: `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
DEB_PACKAGES := libssl-dev zlib1g-dev libsqlite3-dev pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CONFIG ?= Config/inlet.json
ENV_FILE := .env.local
DEV_VARS := WORKOS_WEBHOOK_SECRET INLET_API_KEY INLET_WEBHOOK_TOKEN

.PHONY: deps build release run dev-env test fuzz crash-test bench bench-growth lint clean

## deps: install the Debian packages the build links against, and only those that are missing.
deps:
	@missing=""; \
	for p in $(DEB_PACKAGES) $(EXTRA_PACKAGES); do \
	  dpkg-query -W -f='$${db:Status-Abbrev}' $$p 2>/dev/null | grep -q '^ii' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	swift build

release: deps
	swift build -c release

## dev-env: give every variable the shipped config reads a development value, once, kept in .env.local.
dev-env:
	@umask 077; touch $(ENV_FILE); \
	for v in $(DEV_VARS); do \
	  if [ -z "$${!v:-}" ] && ! grep -q "^$$v=" $(ENV_FILE); then \
	    case $$v in WORKOS_WEBHOOK_SECRET) prefix=whsec_dev_;; INLET_API_KEY) prefix=sk_dev_;; *) prefix=;; esac; \
	    echo "$$v=$$prefix$$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')" >> $(ENV_FILE); \
	    generated=1; \
	  fi; \
	done; \
	echo "Development values in $(ENV_FILE) (git-ignored; variables already set in your shell win):"; \
	for v in $(DEV_VARS); do \
	  if [ -n "$${!v:-}" ]; then echo "  $$v is set in your environment"; \
	  else echo "  $$(grep "^$$v=" $(ENV_FILE))"; fi; \
	done; \
	echo "For real values: export them before 'make run' (WORKOS_WEBHOOK_SECRET is the endpoint's"; \
	echo "signing secret in the WorkOS dashboard), or edit $(ENV_FILE)."

## run: build release and serve the shipped config; ARGS adds serve flags, e.g. ARGS="--listen 127.0.0.1:9090".
run: release dev-env
	@while IFS='=' read -r name value; do \
	  [ -n "$$name" ] && [ -z "$${!name:-}" ] && export "$$name=$$value"; \
	done < $(ENV_FILE); \
	exec .build/release/inlet serve --config $(CONFIG) $(ARGS)

test: deps
	swift test --disable-xctest

## crash-test: the crash test at full length: 10 rounds of SIGKILL under signed load on a child
## server, every acknowledged event checked after each restart (make test runs 2 rounds).
crash-test: deps
	INLET_CRASH_ROUNDS=$${INLET_CRASH_ROUNDS:-10} swift test --disable-xctest --filter CrashRecoveryTests

clean:
	rm -rf .build

## lint: the formatter's strict check over sources and tests (the config is .swift-format).
lint:
	swift format lint --strict -r Sources Tests

## bench: load benchmark (SPEC section 9): nginx answering 204 (the ceiling), then Inlet with the shipped
## config and a file store, at 32 and 256 keep-alive connections. Settings: Benchmarks/README.md.
bench:
	@$(MAKE) --no-print-directory deps EXTRA_PACKAGES="wrk nginx python3"
	python3 Benchmarks/bench.py bench

## bench-growth: Inlet's throughput and store bytes per event at 10 k, 100 k and 1 M stored events
## (about 9 GB of disk; see Benchmarks/README.md).
bench-growth:
	@$(MAKE) --no-print-directory deps EXTRA_PACKAGES="wrk nginx python3"
	python3 Benchmarks/bench.py growth

## fuzz: libFuzzer (with AddressSanitizer) over the HTTP request parser; FUZZ_SECONDS bounds the run.
FUZZ_SECONDS ?= 600
fuzz: deps
	Tests/Fuzz/build.sh run -max_total_time=$(FUZZ_SECONDS)
