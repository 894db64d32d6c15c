#!/usr/bin/env bash
# Installs the Debian packages the test suite runs for real: the OCI registry (docker-registry), the
# image tools the tests build and cross-check images with (umoci, skopeo), openssl and zip, then the peer
# tools (scripts/install-peers.sh). Idempotent.
set -euo pipefail
need=()
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || need+=(skopeo)
command -v umoci >/dev/null 2>&1 || need+=(umoci)
# openssl mints test CAs and the webhook's self-signed certificate; zip builds OSV archives in tests.
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v zip >/dev/null 2>&1 || need+=(zip)
if [ "${#need[@]}" -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
# The peers (cosign, syft, grype, helm, actionlint, zizmor, in-toto, lockfile-lint, cdxgen, gpg) that the
# interoperability tests run for real; cached, so a rerun only checks versions.
bash "$(dirname "$0")/install-peers.sh"
