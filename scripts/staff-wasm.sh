#!/usr/bin/env bash
# The staff build of the WASM, after `cargo leptos build --release` (which makes the citizen one): feature `staff`
# adds the islands of the service counter (offline check: Ed25519) and of the team's registration queue (IndexedDB)
# to every island a citizen's page has. Only /counter/scan and /team/register load it (shell::IslandScripts), so a
# citizen never downloads that code. Writes target/site/pkg/congdanso-staff.HASH.{js,wasm} and the line
# `staff: HASH` in the hash file beside the server, where the server and its service worker read it.
set -euo pipefail
cd "$(dirname "$0")/.."
site=target/site
pkg="$site/pkg"
hashes=target/release/hash.txt
[ -f "$hashes" ] || { echo "staff-wasm: $hashes is missing: run cargo leptos build --release first" >&2; exit 1; }
# The very environment cargo-leptos builds the citizen WASM with, so the dependencies it built are reused.
export LEPTOS_OUTPUT_NAME=congdanso LEPTOS_SITE_ROOT="$site" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_SITE_ADDR=127.0.0.1:3000 \
  LEPTOS_RELOAD_PORT=3001 LEPTOS_LIB_DIR=. LEPTOS_BIN_DIR=. LEPTOS_JS_MINIFY=true LEPTOS_HASH_FILES=true \
  LEPTOS_HASH_FILE_NAME=hash.txt
cargo build --package=congdanso --lib --target-dir="$PWD/target/front" --target=wasm32-unknown-unknown \
  --no-default-features --features=staff --profile=wasm-release
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
wasm-bindgen --target=web --no-typescript --out-name=congdanso-staff --out-dir="$out" \
  target/front/wasm32-unknown-unknown/wasm-release/congdanso.wasm
# the options of Leptos.toml's wasm-opt-features
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
  --enable-reference-types --enable-multivalue "$out/congdanso-staff_bg.wasm" -o "$out/congdanso-staff_bg.wasm"
hash=$(cat "$out/congdanso-staff.js" "$out/congdanso-staff_bg.wasm" | sha256sum | cut -c1-22)
rm -f "$pkg"/congdanso-staff.*
cp "$out/congdanso-staff.js" "$pkg/congdanso-staff.$hash.js"
cp "$out/congdanso-staff_bg.wasm" "$pkg/congdanso-staff.$hash.wasm"
sed -i '/^staff:/d' "$hashes"
echo "staff: $hash" >> "$hashes"
echo "staff-wasm: $pkg/congdanso-staff.$hash.wasm ($(stat -c %s "$pkg/congdanso-staff.$hash.wasm") bytes)"
