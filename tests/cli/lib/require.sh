# require.sh - sourced by the tests that need tools beyond the build (node, npm, chromium,
# curl, valgrind): what they need, checked one way. Not a test itself (ctest runs only
# tests/cli/*.sh).
#
# req_skip MSG: exit 77 (ctest: skipped) when something the test needs is missing, or fail
# (exit 1) when HS_REQUIRE_ALL=1, as CI sets it: there a missing browser or an unreachable
# npm registry must turn the run red, not into a skip.
req_skip() {
    if [ "${HS_REQUIRE_ALL:-0}" = 1 ]; then
        echo "FAIL: $* (HS_REQUIRE_ALL=1: nothing may be skipped)"
        exit 1
    fi
    echo "SKIP: $*"
    exit 77
}

# req_node: node and npm on PATH.
req_node() {
    command -v node >/dev/null 2>&1 || req_skip "node not found (the front-end tests need node and npm)"
    command -v npm >/dev/null 2>&1 || req_skip "npm not found (the front-end tests need node and npm)"
}

# req_chromium PATH: Debian's chromium.
req_chromium() {
    [ -x "$1" ] || req_skip "$1 not found (apt-get install chromium)"
}

# req_npm PACKAGE: the locked packages of web/ installed once (again only when the
# lockfile changes); PACKAGE is one the test needs.
req_npm() {
    if [ ! -d "web/node_modules/$1" ] ||
        [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
        (cd web && npm ci --no-audit --no-fund --loglevel=error) >/dev/null 2>&1 ||
            req_skip "'npm ci' in web/ failed (is the npm registry reachable?)"
    fi
}

# req_serve BIN: the humsec binary BIN was built with its HTTP server.
req_serve() {
    "$1" serve --help >/dev/null 2>&1 ||
        req_skip "humsec serve not available (built without libmicrohttpd or jansson)"
}
