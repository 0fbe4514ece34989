# Công Dân Số: the two commands are `make run` and `make test`. Everything they need is installed on first use.
SHELL := /bin/bash
CACHE ?= $(HOME)/.cache/congdanso
export PATH := $(CACHE)/tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
CARGO_FEATURES := --no-default-features --features ssr

.PHONY: run test build setup setup-test unit e2e bench lint clean

## make run: install what is missing, build in release, serve http://127.0.0.1:3000 on ./data (development helpers on)
run: setup build
	@echo
	@echo "Công Dân Số is starting on http://127.0.0.1:3000 (development mode: SMS codes are shown at /dev/outbox)"
	@echo
	target/release/congdanso --dev --data-dir ./data --bind 127.0.0.1:3000

## make test: install what is missing, build, then unit/service tests, clippy and the browser suite
test: setup-test build unit lint e2e

setup:
	@scripts/setup.sh build

setup-test:
	@scripts/setup.sh test

build:
	cargo leptos build --release
	@scripts/precompress.sh target/site

unit:
	cargo test --release $(CARGO_FEATURES)

lint:
	cargo clippy --release $(CARGO_FEATURES) --all-targets -- -D warnings

e2e:
	cd end2end && npx playwright test

## make bench: print size and speed figures (builds first)
bench: setup-test build
	@scripts/bench.sh

clean:
	rm -rf target/site end2end/test-results
