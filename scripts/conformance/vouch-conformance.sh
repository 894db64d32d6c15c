#!/usr/bin/env sh
# Entry point for the sigstore-conformance suite (`--entrypoint scripts/conformance/vouch-conformance.sh`):
# forwards the suite's CLI protocol to vouch's keyless library via tsx. See docs/keyless.md.
here="$(cd "$(dirname "$0")" && pwd)"
exec node --import tsx "$here/vouch-conformance.ts" "$@"
