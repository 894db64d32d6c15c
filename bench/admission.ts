// Admission webhook load generator: the real HTTPS server on loopback, a keep-alive client trusting its
// self-signed certificate, requests at a fixed rate. Bounded in count and time; numbers, never assertions.
// Run alone with `node --import tsx bench/admission.ts`.
import { Agent, request } from 'node:https';
import { performance } from 'node:perf_hooks';
import { generateSelfSignedCertificate, startAdmissionServer } from '../src/admission/index.js';
import type { Digest } from '../src/oci/digest.js';
import { admissionReviewFor, loadWorkload } from '../test/support/admission.js';
import { TableDecider } from '../test/support/table-decider.js';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

const IMAGE = 'registry.example.com/team/app:1.0.0';
const DIGEST = `sha256:${'a1'.repeat(32)}` as Digest;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Warm p50/p99 at a fixed rate, max sustained rps, cold decision latency and coalescing of 1,000 cold requests. */
export async function benchAdmission(
  opts: { rates?: number[]; warmRequests?: number; timeBudgetMs?: number } = {},
): Promise<BenchResult[]> {
  const rates = opts.rates ?? [200, 1000];
  const warmRequests = opts.warmRequests ?? 3000;
  const budgetMs = opts.timeBudgetMs ?? 30_000;
  const pair = await generateSelfSignedCertificate(['localhost', '127.0.0.1']);
  const decider = new TableDecider(new Map([[IMAGE, { digest: DIGEST, signed: true }]]), {
    mode: 'enforce',
    mutateDigest: true,
  });
  const server = await startAdmissionServer({
    tls: { kind: 'pem', certPem: pair.certPem, keyPem: pair.keyPem },
    decider,
    mode: 'enforce',
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 32, ca: pair.certPem });
  const url = new URL('/validate', server.url);
  const post = (body: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(performance.now() - t0)
              : reject(new Error(`HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const results: BenchResult[] = [];
  const deadline = performance.now() + budgetMs;
  try {
    const pod = loadWorkload('pod.json');
    // Cold: first decision of an image (in-process table decider: measures the webhook path, not a registry).
    const cold = await post(JSON.stringify(admissionReviewFor(pod)));
    results.push({
      name: 'admission cold decision (table decider, TLS handshake included)',
      value: cold,
      unit: 'ms',
    });

    // Warm at fixed rates: one request every 1000/rate ms, latency measured per request (an open loop,
    // so a server slower than the rate shows up as queueing in p99, not as a lower request rate).
    const body = JSON.stringify(admissionReviewFor(pod));
    // Open every keep-alive connection first, so TLS handshakes are not counted as warm latency.
    for (let round = 0; round < 5; round++) await Promise.all(Array.from({ length: 32 }, () => post(body)));
    for (const r of rates) {
      const latencies: number[] = [];
      const pending: Array<Promise<void>> = [];
      const count = Math.min(warmRequests, r * 3);
      const start = performance.now();
      for (let i = 0; i < count && performance.now() < deadline; i++) {
        const wait = start + (i * 1000) / r - performance.now();
        if (wait > 1) await new Promise((res) => setTimeout(res, wait));
        pending.push(post(body).then((ms) => void latencies.push(ms)));
      }
      await Promise.all(pending);
      const elapsed = (performance.now() - start) / 1000;
      latencies.sort((a, b) => a - b);
      results.push({ name: `admission warm p50 at ${r} rps`, value: percentile(latencies, 50), unit: 'ms' });
      results.push({ name: `admission warm p99 at ${r} rps`, value: percentile(latencies, 99), unit: 'ms' });
      results.push({
        name: `admission warm achieved rate (target ${r} rps)`,
        value: latencies.length / elapsed,
        unit: 'rps',
      });
    }

    // Max sustained: closed loop, 32 in flight, bounded count.
    let done = 0;
    const total = Math.min(5000, warmRequests * 2);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (done < total && performance.now() < deadline) {
          done += 1;
          await post(body);
        }
      }),
    );
    results.push({
      name: 'admission max sustained (32 in flight)',
      value: done / ((performance.now() - t0) / 1000),
      unit: 'rps',
    });

    // 1,000 concurrent identical cold requests for a new image: one underlying decision.
    const before = decider.calls;
    const coldImage = 'registry.example.com/team/app:2.0.0';
    const coldBody = JSON.stringify(
      admissionReviewFor({ ...pod, spec: { containers: [{ name: 'web', image: coldImage }] } }),
    );
    await Promise.all(Array.from({ length: 1000 }, () => post(coldBody)));
    results.push({
      name: 'decider calls for 1,000 concurrent identical cold requests',
      value: decider.calls - before,
      unit: 'calls',
    });
  } finally {
    agent.destroy();
    await server.close();
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchAdmission())
    console.log(`${r.name}: ${r.value.toFixed(r.unit === 'calls' ? 0 : 3)} ${r.unit}`);
}
