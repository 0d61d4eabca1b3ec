#!/usr/bin/env bash
# Manual browser smoke of ABC Travel's shop and console (crates/web), not
# run by CI: headless Chromium driven over the DevTools protocol from Node
# (>= 20, --experimental-websocket). The shopper clicks the button on the
# cruise page after viewing flights; the cruise expert's console shows the
# pop and records an order; a second click does not ask for the number.
# Needs: apt-get install chromium nodejs.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p ainsim-web --example abc_travel
web_port=${WEB_PORT:-18089}
cdp_port=${CDP_PORT:-9333}
profile=$(mktemp -d)
target/debug/examples/abc_travel "127.0.0.1:$web_port" >"$profile/web.log" 2>&1 &
web_pid=$!
chromium --headless=new --no-sandbox --disable-gpu --remote-debugging-port="$cdp_port" \
  --user-data-dir="$profile/chrome" about:blank >"$profile/chrome.log" 2>&1 &
chrome_pid=$!
trap 'kill $web_pid $chrome_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$profile" || true' EXIT
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$cdp_port/json/version" >/dev/null && curl -sf "http://127.0.0.1:$web_port/" >/dev/null && break
  sleep 0.2
done
node --experimental-websocket scripts/web-browser-smoke.mjs "http://127.0.0.1:$web_port" "$cdp_port"
echo "--- the Fig. 8 message printed by the example:"
cat "$profile/web.log"
