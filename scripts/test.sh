#!/usr/bin/env bash
# Runs every test ainsim has, installing first what the tests need.
# Usage: scripts/test.sh            (from anywhere inside the checkout)
# Env:   PROPTEST_CASES  cases per property test (default 100000 for the
#                        never-panic decoders, see crates/wire/tests/)
#        AINSIM_SKIP_INSTALL=1  do not try apt-get
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v tshark >/dev/null 2>&1 || need_apt+=(tshark)
# The libss7 judge (crates/runtime/tests/libss7.rs) builds a C program against it.
[ -f /usr/include/libss7.h ] || need_apt+=(libss7-dev)
command -v cc >/dev/null 2>&1 || need_apt+=(gcc libc6-dev)
# The browser test (crates/service/tests/browser.rs) drives headless Chromium over chromedriver.
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
if [ ${#need_apt[@]} -gt 0 ] && [ "${AINSIM_SKIP_INSTALL:-0}" != 1 ]; then
  echo "== installing ${need_apt[*]} (apt-get)"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  # tshark asks whether non-root users may capture; answer no, non-interactively.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
command -v tshark >/dev/null 2>&1 || { echo "tshark is required by the tests and could not be installed" >&2; exit 1; }

echo "== docs/protocols.md up to date"
bash scripts/gen-protocols-doc.sh --check
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --profile ci -- -D warnings
echo "== cargo test (profile ci: optimised, overflow checks on)"
export PROPTEST_CASES="${PROPTEST_CASES:-100000}"
cargo test --workspace --profile ci
