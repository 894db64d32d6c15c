import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/index.js';
import type { KubeClient } from './kube-client.js';
import { eventsFor } from './policy-event.js';
import { type PolicyReport, policyReportFor } from './policy-report.js';
import type { DecisionRecord } from './review.js';

export interface EvidenceRecorderOptions {
  /** PolicyReports are written here atomically, one file per resource. */
  readonly reportDir?: string;
  /** JSON-lines decision log, appended one object per decision. */
  readonly decisionLogPath?: string;
  /** When connected to a cluster: events and PolicyReports are written there too. */
  readonly kube?: KubeClient;
  /** Name of this replica, for Event.reportingInstance. */
  readonly instance: string;
  /** Reports kept in memory for GET /reports; the least recently updated go first (default 10,000). */
  readonly maxReports?: number;
  /** Evidence failures never change a verdict; they are reported here (the server logs them). */
  readonly onError: (what: string, e: unknown) => void;
}

/** One line of the decision log. */
export interface DecisionLogEntry {
  time: string;
  uid: string;
  endpoint: string;
  operation: string;
  resource: DecisionRecord['resource'];
  mode: string;
  allowed: boolean;
  message?: string;
  warnings: readonly string[];
  patched: readonly string[];
  images: Array<{ image: string; digest?: string; outcomes: DecisionRecord['images'][number]['outcomes'] }>;
}

/**
 * The evidence side of the webhook (the release-incident guide: "record both outcomes with policy report/event evidence"):
 * keeps the latest PolicyReport per resource in memory for GET /reports, writes it to --report-dir,
 * appends the decision log and, when connected, writes Events and PolicyReports to the cluster. Dry-run
 * requests leave no evidence: the API server promises dry runs have no side effects.
 */
export class EvidenceRecorder {
  readonly #reports = new Map<string, PolicyReport>();
  readonly #pending = new Set<Promise<void>>();
  #logChain: Promise<void> = Promise.resolve();
  // Writes of one report file, in decision order: two concurrent writes of the same file would otherwise
  // race, and an older decision could land last.
  readonly #reportChains = new Map<string, Promise<void>>();
  readonly #opts: EvidenceRecorderOptions;

  constructor(opts: EvidenceRecorderOptions) {
    this.#opts = opts;
  }

  /** The latest report of every resource decided so far. */
  reports(): PolicyReport[] {
    return [...this.#reports.values()];
  }

  /** Starts recording one decision; `flush()` waits for it. */
  record(d: DecisionRecord): void {
    if (d.dryRun) return;
    const report = policyReportFor(d);
    const key = `${report.kind}/${report.metadata.namespace ?? ''}/${report.metadata.name}`;
    this.#reports.delete(key);
    this.#reports.set(key, report);
    const max = this.#opts.maxReports ?? 10_000;
    while (this.#reports.size > max) {
      const oldest = this.#reports.keys().next();
      if (oldest.done) break;
      this.#reports.delete(oldest.value);
    }
    this.#track(this.#write(d, report, key));
  }

  /** Resolves when every write started so far has finished (or failed and been reported). */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  #track(p: Promise<void>): void {
    this.#pending.add(p);
    p.finally(() => this.#pending.delete(p));
  }

  async #write(d: DecisionRecord, report: PolicyReport, key: string): Promise<void> {
    const tasks: Array<Promise<void>> = [];
    const { reportDir, decisionLogPath, kube } = this.#opts;
    if (reportDir !== undefined) {
      const previous = this.#reportChains.get(key) ?? Promise.resolve();
      const next = previous.then(() => this.#guard('report file', writeReportFile(reportDir, report)));
      this.#reportChains.set(key, next);
      void next.then(() => {
        if (this.#reportChains.get(key) === next) this.#reportChains.delete(key);
      });
      tasks.push(next);
    }
    if (decisionLogPath !== undefined) {
      const line = `${JSON.stringify(logEntry(d))}\n`;
      // Appends are chained so lines never interleave, even when decisions finish together.
      this.#logChain = this.#logChain.then(() =>
        this.#guard('decision log', appendFile(decisionLogPath, line)),
      );
      tasks.push(this.#logChain);
    }
    if (kube !== undefined) {
      tasks.push(this.#guard('cluster PolicyReport', kube.applyPolicyReport(report)));
      for (const ev of eventsFor(d, this.#opts.instance))
        tasks.push(this.#guard('cluster Event', kube.createEvent(ev)));
    }
    await Promise.all(tasks);
  }

  async #guard(what: string, p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (e) {
      this.#opts.onError(what, e);
    }
  }
}

function logEntry(d: DecisionRecord): DecisionLogEntry {
  return {
    time: d.at.toISOString(),
    uid: d.uid,
    endpoint: d.endpoint,
    operation: d.operation,
    resource: d.resource,
    mode: d.mode,
    allowed: d.allowed,
    ...(d.message !== undefined ? { message: d.message } : {}),
    warnings: d.warnings,
    patched: d.patched,
    images: d.images.map((i) => ({
      image: i.image,
      ...(i.digest ? { digest: i.digest } : {}),
      outcomes: i.outcomes,
    })),
  };
}

/** Atomically (src/fs/atomic-file.ts): a reader never sees half a report. */
async function writeReportFile(dir: string, report: PolicyReport): Promise<void> {
  await mkdir(dir, { recursive: true });
  const ns = report.metadata.namespace ?? '_cluster';
  await writeFileAtomic(
    join(dir, `${ns}.${report.metadata.name}.json`),
    `${JSON.stringify(report, null, 2)}\n`,
  );
}
