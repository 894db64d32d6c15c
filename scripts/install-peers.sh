#!/usr/bin/env bash
# Installs the real tools vouch is measured against and interoperates with (the "peers"), each with its
# ordinary client and a pinned version that builds here. Binaries land in $VOUCH_PEERS_DIR/bin (default
# ~/.cache/vouch-peers/bin); Go and pip keep their own caches, so a rerun only checks versions.
# Tests find peers through test/support/peers.ts, which looks in that directory and then on PATH.
set -euo pipefail
peers_dir="${VOUCH_PEERS_DIR:-$HOME/.cache/vouch-peers}"
bin="$peers_dir/bin"
mkdir -p "$bin"
log() { printf 'install-peers: %s\n' "$*" >&2; }

# Go peers. `go install module@version` builds in the Go build cache; a stamp file per version skips the
# rebuild when the binary is already there. slsa-verifier and kube-linter are not served by this
# machine's Go module proxy, so they are not installed (docs/benchmarks.md says which comparisons that
# leaves out).
go_peer() { # name module@version
  local name=$1 spec=$2 stamp="$bin/.$1.version"
  if [ -x "$bin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$spec" ]; then return 0; fi
  log "go install $spec"
  GOBIN="$bin" GOFLAGS=-mod=mod CGO_ENABLED=0 go install "$spec"
  printf '%s' "$spec" >"$stamp"
}
if command -v go >/dev/null 2>&1; then
  go_peer cosign github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5
  go_peer actionlint github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
  go_peer helm helm.sh/helm/v3/cmd/helm@v3.21.4
  go_peer syft github.com/anchore/syft/cmd/syft@v1.57.2
  go_peer grype github.com/anchore/grype/cmd/grype@v0.121.3
else
  log "go not found: Go peers skipped"
fi

# Python peers in their own virtualenv, so they do not disturb the system Python.
venv="$peers_dir/venv"
if command -v python3 >/dev/null 2>&1; then
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'zizmor==1.32.0' 'in-toto==3.1.0'
  for tool in zizmor in-toto-run in-toto-record in-toto-sign in-toto-verify in-toto-keygen; do
    [ -x "$venv/bin/$tool" ] && ln -sf "$venv/bin/$tool" "$bin/$tool"
  done
  # The venv's interpreter, for tests that build layouts with the reference implementation's API. A
  # wrapper, not a link: Python finds its venv from the path it was started by.
  printf '#!/bin/sh\nexec "%s/bin/python" "$@"\n' "$venv" >"$bin/in-toto-python"
  chmod +x "$bin/in-toto-python"
fi

# npm peers in their own prefix, so the project's lockfile is untouched.
npm_prefix="$peers_dir/npm"
npm_peer() { # package@version bin-name
  local spec=$1 name=$2 stamp="$bin/.$2.version"
  if [ -x "$bin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$spec" ]; then return 0; fi
  log "npm install $spec"
  npm install -g --prefix "$npm_prefix" --no-fund --no-audit --ignore-scripts "$spec" >/dev/null
  ln -sf "$npm_prefix/bin/$name" "$bin/$name"
  printf '%s' "$spec" >"$stamp"
}
npm_peer lockfile-lint@5.0.1 lockfile-lint
npm_peer @cyclonedx/cdxgen@12.8.4 cdxgen

# Debian peers: GnuPG (helm provenance cross-checks).
if ! command -v gpg >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq gnupg
fi
log "peers in $bin: $(ls "$bin" | tr '\n' ' ')"
