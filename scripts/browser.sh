#!/usr/bin/env bash
# The headless browser for dtr-gateway's browser tests (tests/browser.rs):
# Debian's Chromium and its WebDriver server, chromedriver.
#
#   scripts/browser.sh [install]   install both if either is missing
#   scripts/browser.sh env         print the export lines for the tests
#
# Only the export lines go to standard output (eval them); progress goes to
# standard error. Running it again when both are installed does nothing.
# The tests start chromedriver themselves, on a free loopback port, and
# stop it when they end. Must run as root when something is missing.
set -euo pipefail

CHROMIUM=${DTR_CHROMIUM:-/usr/bin/chromium}
CHROMEDRIVER=${DTR_CHROMEDRIVER:-/usr/bin/chromedriver}
PACKAGES=(chromium chromium-driver)

say() { echo "browser.sh: $*" >&2; }

exports() {
    echo "export DTR_CHROMIUM=$CHROMIUM"
    echo "export DTR_CHROMEDRIVER=$CHROMEDRIVER"
}

install() {
    if [[ -x "$CHROMIUM" && -x "$CHROMEDRIVER" ]]; then
        return 0
    fi
    say "installing ${PACKAGES[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >&2
    if [[ ! -x "$CHROMIUM" || ! -x "$CHROMEDRIVER" ]]; then
        say "installed, but $CHROMIUM or $CHROMEDRIVER is still missing"
        exit 1
    fi
    say "$("$CHROMIUM" --version 2>/dev/null || echo chromium), $("$CHROMEDRIVER" --version 2>/dev/null | head -1)"
}

case "${1:-install}" in
install | start)
    install
    exports
    ;;
env)
    exports
    ;;
*)
    say "unknown command: $1 (install or env)"
    exit 2
    ;;
esac
