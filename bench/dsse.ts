// DSSE verify throughput: envelopes/s for one ECDSA P-256 signed in-toto statement of a typical size.
// Run through bench/run.ts (`npm run bench`); no assertions here, figures go to docs/benchmarks.md.
import { generateKeyPairSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  buildStatement,
  IN_TOTO_PAYLOAD_TYPE,
  parseEnvelope,
  signEnvelope,
  verifyEnvelope,
} from '../src/attest/index.js';
import { sha256Digest } from '../src/oci/digest.js';
import { privateKeyFromKeyObject } from '../src/sign/index.js';

/** Parses and verifies the same envelope for about `durationMs`, returning envelopes per second. */
export async function benchDsse(durationMs = 2000): Promise<{ name: string; opsPerSec: number }> {
  const key = privateKeyFromKeyObject(
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    'bench key',
  );
  const statement = buildStatement({
    subjectName: 'registry.example/app',
    digest: sha256Digest('bench image'),
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {
      buildDefinition: { buildType: 'https://example.com/b', externalParameters: { x: 'y'.repeat(2000) } },
    },
  });
  const bytes = Buffer.from(
    JSON.stringify(signEnvelope(Buffer.from(JSON.stringify(statement)), IN_TOTO_PAYLOAD_TYPE, key)),
  );
  const keys = [key.publicKey];
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < 100; i++) {
      verifyEnvelope(parseEnvelope(bytes, 'bench'), keys, { expectedPayloadType: IN_TOTO_PAYLOAD_TYPE });
    }
    ops += 100;
    elapsed = performance.now() - start;
    // Yield between batches so a combined bench runner stays responsive.
    await new Promise((r) => setImmediate(r));
  }
  return {
    name: 'DSSE verify (ECDSA P-256, ~2 KiB statement)',
    opsPerSec: Math.round((ops * 1000) / elapsed),
  };
}
