#!/usr/bin/env bash
# Size and speed figures (not pass/fail): WASM size, first-visit bytes, SSR throughput next to /healthz.
# Usage: scripts/bench.sh   (after `make build`; `make bench` does both). Env: BENCH_SECONDS (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."

port=3300
url="http://127.0.0.1:$port"
seconds="${BENCH_SECONDS:-10}"
site=target/site
hash_file=target/release/hash.txt
work=$(mktemp -d)
trap 'kill "${server_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

hash_of() { awk -v k="$1:" '$1==k {print $2}' "$hash_file"; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b/1024 }'; }

wasm="$site/pkg/congdanso.$(hash_of wasm).wasm"
js="$site/pkg/congdanso.$(hash_of js).js"
css="$site/pkg/congdanso.$(hash_of css).css"
staff_wasm="$site/pkg/congdanso-staff.$(hash_of staff).wasm"
staff_js="$site/pkg/congdanso-staff.$(hash_of staff).js"
for f in "$wasm" "$js" "$css" "$staff_wasm" "$staff_js"; do [ -f "$f" ] || { echo "missing $f: run make build" >&2; exit 1; }; done
wasm_raw=$(stat -c %s "$wasm")
wasm_br=$(brotli -c -q 11 "$wasm" | wc -c)
staff_raw=$(stat -c %s "$staff_wasm")
staff_br=$(brotli -c -q 11 "$staff_wasm" | wc -c)

target/release/congdanso --dev --database-url mem:// --bind "127.0.0.1:$port" --data-dir "$work/data" --log warn &
server_pid=$!
for _ in $(seq 1 100); do curl -fs "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

# Bytes on the wire for a first visit of the home page, as a browser that accepts brotli gets them: the page and
# what it links, then the service worker and everything its install fetches (its PRECACHE list, with
# cache: "reload"). The home page has no islands, so no JS or WASM.
fetch_br() { curl -s -o /dev/null -H 'Accept-Encoding: br' -w '%{size_download}' "$url$1"; }
html_b=$(fetch_br /)
css_b=$(fetch_br "/pkg/$(basename "$css")")
icon_b=$(fetch_br /icons/icon-192.png)
manifest_b=$(fetch_br /manifest.webmanifest)
sw_b=$(fetch_br /sw.js)
precache_b=0
for u in $(curl -s "$url/sw.js" | python3 -c 'import json,re,sys; print(" ".join(json.loads(re.search(r"const PRECACHE = (\[.*?\]);", sys.stdin.read()).group(1))))'); do
  precache_b=$((precache_b + $(fetch_br "$u")))
done
total=$((html_b + css_b + icon_b + manifest_b + sw_b + precache_b))
home_code=$(curl -s "$url/" | grep -c '\.wasm' || true)
js_b=$(fetch_br "/pkg/$(basename "$js")")
staff_js_b=$(fetch_br "/pkg/$(basename "$staff_js")")

echo "== Công Dân Số benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
echo "-- web layer shape (scripts/shape.py; target: no plain POST forms, no cycle through app.rs or server/)"
python3 scripts/shape.py
echo "WASM, citizen pages     raw $(kb "$wasm_raw"), brotli $(kb "$wasm_br"), its JS loader $(kb "$js_b")   [budget 150 KB]"
echo "WASM, counter and team  raw $(kb "$staff_raw"), brotli $(kb "$staff_br"), its JS loader $(kb "$staff_js_b")   [budget 200 KB]"
echo "First visit of /       total $(kb "$total") transferred, service worker install included   [budget 40 KB]"
echo "  HTML $(kb "$html_b"), CSS $(kb "$css_b"), icon $(kb "$icon_b"), manifest $(kb "$manifest_b"), sw.js $(kb "$sw_b"), its precache $(kb "$precache_b"); WASM links on /: $home_code"

rps() { wrk -t2 -c32 -d"${seconds}s" -H 'Accept-Encoding: br' "$url$1" | awk '/Requests\/sec/ {print $2}'; }
home_rps=$(rps /)
health_rps=$(rps /healthz)
echo "SSR of /               $home_rps requests/s"
echo "/healthz               $health_rps requests/s"
awk -v a="$home_rps" -v b="$health_rps" 'BEGIN { printf "ratio SSR / healthz    %.2f\n", a/b }'
target/release/congdanso-bench bench-sign-ins --count "${BENCH_SIGN_INS:-500}" --data-dir "$work/bench" --log warn
target/release/congdanso-bench bench-vault --seconds "${BENCH_VAULT_SECONDS:-5}" --data-dir "$work/bench-vault" --log warn
target/release/congdanso-bench bench-teams --seconds "${BENCH_TEAMS_SECONDS:-5}" --rows "${BENCH_TEAMS_ROWS:-2000}" --data-dir "$work/bench-teams" --log warn
target/release/congdanso-bench bench-qr --seconds "${BENCH_QR_SECONDS:-5}" --data-dir "$work/bench-qr" --log warn
target/release/congdanso-bench bench-stats --count "${BENCH_STATS_COUNT:-1000000}" --data-dir "$work/bench-stats" --log warn
