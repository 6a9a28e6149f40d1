# Inlet: `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
DEB_PACKAGES := libssl-dev zlib1g-dev libsqlite3-dev pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CONFIG ?= Config/inlet.json
ENV_FILE := .env.local

.PHONY: deps build release run test fuzz crash-test bench bench-growth format lint clean

## deps: install the Debian packages the build links against, only those missing.
deps:
	@missing=""; \
	for p in $(DEB_PACKAGES) $(EXTRA_PACKAGES); do \
	  dpkg-query -W -f='$${db:Status-Abbrev}' $$p 2>/dev/null | grep -q '^ii' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: deps
	swift build

release: deps
	swift build -c release

## run: build release and serve the shipped config with development values for its variables.
run: release
	@bash scripts/dev-env.sh "$(ENV_FILE)"
	@set -a; . ./$(ENV_FILE); set +a; exec .build/release/inlet serve --config $(CONFIG)

test: deps
	swift test --disable-xctest

clean:
	rm -rf .build
