#!/usr/bin/env bash
# Brotli (quality 11) and gzip (-9) copies of the static site, served as-is to browsers that accept them,
# so a citizen on 2G downloads the smallest bytes and the server spends no CPU compressing per request.
set -euo pipefail
site="${1:-target/site}"
find "$site" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.svg' -o -name '*.webmanifest' -o -name '*.json' -o -name '*.txt' \) \
  -print0 | while IFS= read -r -d '' f; do
    if [ ! -f "$f.br" ] || [ "$f" -nt "$f.br" ]; then brotli -f -q 11 -o "$f.br" "$f"; fi
    if [ ! -f "$f.gz" ] || [ "$f" -nt "$f.gz" ]; then gzip -9 -k -f -n "$f"; fi
  done
