#!/usr/bin/env bash
# Installs what the build and the tests need, and nothing that is already there.
# Usage: scripts/setup.sh [build|test]   ("test" adds Chromium and the end2end npm packages)
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-build}"
cache="${CONGDANSO_CACHE:-$HOME/.cache/congdanso}"
tools="$cache/tools"
mkdir -p "$cache" "$tools"
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# The build directory lives outside the clone so that a fresh clone (CI) reuses compiled dependencies.
if [ ! -e target ]; then
  mkdir -p "$cache/target"
  ln -s "$cache/target" target
fi
# Cargo decides by file times alone whether this crate is fresh, so a build of another checkout (another path,
# newer times) would be taken as this one's, with that checkout's code and its paths compiled in (env!
# CARGO_MANIFEST_DIR). When the checkout changes, its sources are marked newer; dependencies stay compiled.
here="$(pwd -P)"
if [ "$(cat target/.checkout 2>/dev/null)" != "$here" ]; then
  find src schema locales build.rs Cargo.toml -type f -exec touch {} +
  printf '%s\n' "$here" > target/.checkout
fi

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! command -v clippy-driver >/dev/null || ! clippy-driver --version >/dev/null 2>&1; then
  say "adding clippy"
  rustup component add clippy
fi

if ! cargo leptos --version 2>/dev/null | grep -q ' 0\.3\.0'; then
  # A debug build: it only drives cargo, wasm-bindgen and wasm-opt, so it runs as fast (the front step took 10.6 s
  # either way here) and installs in about 7 minutes instead of about 10 on a cold 2-core machine.
  say "installing cargo-leptos 0.3.0 (about 7 minutes, once)"
  cargo install cargo-leptos --version 0.3.0 --locked --debug
fi

# wasm-bindgen-cli must be exactly the version of the wasm-bindgen crate in Cargo.lock.
wb=$(awk '$0=="name = \"wasm-bindgen\"" {getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb\$"; then
  say "installing wasm-bindgen-cli $wb"
  cargo install wasm-bindgen-cli --version "=$wb"
fi

# wasm-opt from npm's binaryen (Debian's is too old for current wasm-bindgen output).
if ! "$tools/node_modules/.bin/wasm-opt" --version >/dev/null 2>&1; then
  say "installing wasm-opt (npm binaryen 132)"
  npm install --prefix "$tools" --no-audit --no-fund --silent binaryen@132
fi

# brotli and gzip pre-compress the site; wrk drives the benchmarks.
command -v brotli >/dev/null || { say "installing brotli"; apt_install brotli; }

if [ "$mode" = "test" ] || [ "$mode" = "bench" ]; then
  command -v wrk >/dev/null || { say "installing wrk"; apt_install wrk; }
fi

if [ "$mode" = "test" ]; then
  if ! command -v chromium >/dev/null; then
    say "installing Debian's Chromium"
    apt_install chromium fonts-noto-core
  fi
  if [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    say "installing the end2end npm packages (no browser download)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
  fi
fi
