# Công Dân Số: the two commands are `make run` and `make test`. Everything they need is installed on first use.
SHELL := /bin/bash
CACHE ?= $(HOME)/.cache/congdanso
# Read at compile time by leptos (option_env!): the same value for every build keeps dependencies cached.
export LEPTOS_OUTPUT_NAME := congdanso
export PATH := $(CACHE)/tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
CARGO_FEATURES := --no-default-features --features ssr

.PHONY: run test build setup setup-test unit e2e bench lint clean

## make run: install what is missing, build in release, serve http://127.0.0.1:3000 on ./data (development helpers on)
## It also starts the population-registry simulator (fictional people in scripts/dev-registry.csv) on port 3099,
## and makes 0905 000 001 the first city administrator (as `congdanso admin create` does on a real server).
run: setup build
	@target/release/congdanso --data-dir ./data --log warn admin create --phone 0905000001 --name "Quản Trị Thử"
	@echo
	@echo "Công Dân Số is starting on http://127.0.0.1:3000 (development mode: SMS codes are shown at /dev/outbox)"
	@echo "Staff pages: sign in as 0905 000 001 (city administrator), then /admin"
	@echo
	@target/release/congdanso registry-sim --data scripts/dev-registry.csv --bind 127.0.0.1:3099 --registry-key dev-registry-key --log warn & \
	sim=$$!; trap 'kill $$sim 2>/dev/null' EXIT INT TERM; \
	target/release/congdanso --dev --data-dir ./data --bind 127.0.0.1:3000 \
	  --registry-url http://127.0.0.1:3099 --registry-key dev-registry-key

## make test: install what is missing, build, then unit/service/HTTP tests and the browser suite.
## Clippy runs inside those same builds (as the rustc wrapper of this crate only, warnings denied), so it costs no
## second compilation of the dependencies.
test: export RUSTC_WORKSPACE_WRAPPER := clippy-driver
test: export CLIPPY_ARGS := -D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__
test: setup-test build unit e2e

setup:
	@scripts/setup.sh build

setup-test:
	@scripts/setup.sh test

build:
	cargo leptos build --release
	scripts/staff-wasm.sh
	@scripts/precompress.sh target/site

unit:
	cargo test --release $(CARGO_FEATURES)

## make lint: clippy on the server and the shared code (a stand-alone check, not needed by make test)
lint:
	cargo clippy --release $(CARGO_FEATURES) --all-targets -- -D warnings

e2e:
	cd end2end && npx playwright test

## make bench: print size and speed figures (builds first)
bench: setup-test build
	cargo build --release $(CARGO_FEATURES),bench --bin congdanso-bench
	@scripts/bench.sh

clean:
	rm -rf target/site end2end/test-results
