import { withOwnAbortSignal } from '../abort-scope.js';
import { describeCause, isVouchError, VouchError } from '../errors.js';
import {
  ADMISSION_API_VERSION,
  type AdmissionRequest,
  type AdmissionResponse,
  type AdmissionReviewResponse,
  type JsonPatchOp,
  parseAdmissionReview,
  salvageUid,
} from './admission-review.js';
import {
  type EnforcementMode,
  type ImageCheckRequest,
  type ImageDecider,
  type ImageDecision,
  isVerified,
  type ResourceRef,
  type RuleOutcome,
  type RuleOwner,
  type VulnerabilityFact,
  verdictOf,
} from './decider.js';
import { workloadImageFields } from '../policy/index.js';

/** What the webhook is serving: `/validate` only decides, `/mutate` also pins verified images. */
export type ReviewEndpoint = 'validate' | 'mutate';

export interface ReviewDeps {
  readonly decider: ImageDecider;
  /** Mode for failures no policy owns: malformed requests, deadline, decider errors. */
  readonly mode: EnforcementMode;
  readonly endpoint: ReviewEndpoint;
  /** Read once per request by the caller and used for every check in it. */
  readonly now: Date;
  /** Below the webhook's timeoutSeconds, so vouch answers before the API server gives up on it. */
  readonly deadlineMs: number;
  /** Labels of a namespace; absent means "no labels known". */
  readonly namespaceLabels?: (namespace: string) => Promise<Readonly<Record<string, string>>>;
}

/** One distinct image of the request, with every field it appears in. */
export interface ReviewedImage {
  readonly image: string;
  readonly pointers: readonly string[];
  readonly containers: readonly string[];
  readonly digest?: string;
  readonly sbomCreatedAt?: Date;
  readonly vulnerabilities?: readonly VulnerabilityFact[];
  /** `repo@sha256:…` when the image verified and a policy asked for digest pinning. */
  readonly pinned?: string;
  readonly outcomes: readonly RuleOutcome[];
}

/** What was decided, for the evidence side of the webhook (metrics, reports, events, decision log). */
export interface DecisionRecord {
  readonly uid: string;
  readonly at: Date;
  readonly endpoint: ReviewEndpoint;
  readonly operation: string;
  readonly dryRun: boolean;
  readonly resource: ResourceRef;
  readonly mode: EnforcementMode;
  readonly allowed: boolean;
  readonly images: readonly ReviewedImage[];
  readonly message?: string;
  readonly warnings: readonly string[];
  /** JSON pointers the mutate patch rewrote. */
  readonly patched: readonly string[];
}

export interface ReviewResult {
  readonly review: AdmissionReviewResponse;
  /** Undefined when nothing was decided (malformed request, skipped operation, no images). */
  readonly decision?: DecisionRecord;
}

/** The owner of outcomes vouch itself produces (deadline, decider errors, bad image fields). */
export const VOUCH_POLICY = 'vouch';

// Kubernetes admission docs ("Response" / warnings): warnings over 256 characters may be truncated and
// more than 4096 characters in total are dropped; no "Warning:" prefix.
const WARNING_MAX_CHARS = 256;
const WARNINGS_TOTAL_MAX_CHARS = 4096;
const STATUS_MESSAGE_MAX_CHARS = 4096;

/**
 * Reviews one AdmissionReview: decides every image of the object and answers with an AdmissionReview
 * that echoes the request uid. Total: every failure becomes an explicit response (deny in Enforce,
 * warning in Audit), never a throw.
 */
export async function review(body: unknown, deps: ReviewDeps): Promise<ReviewResult> {
  let req: AdmissionRequest;
  try {
    req = parseAdmissionReview(body);
  } catch (e) {
    return { review: failureReview(salvageUid(body), deps.mode, errorText(e)) };
  }
  try {
    return await reviewRequest(req, deps);
  } catch (e) {
    // reviewRequest handles decider errors itself; reaching here is a bug, still answered explicitly.
    return { review: failureReview(req.uid, deps.mode, errorText(e)) };
  }
}

async function reviewRequest(req: AdmissionRequest, deps: ReviewDeps): Promise<ReviewResult> {
  if ((req.operation !== 'CREATE' && req.operation !== 'UPDATE') || req.object === undefined) {
    return { review: wrap({ uid: req.uid, allowed: true }) };
  }
  const kind = req.kind.kind;
  // The decider knows the active policies, whose Kyverno imageExtractors may find images in any kind.
  const fields = deps.decider.images
    ? deps.decider.images(kind, req.object)
    : workloadImageFields(kind, req.object);
  if (fields.length === 0) return { review: wrap({ uid: req.uid, allowed: true }) };

  const metadata = req.object.metadata;
  const meta = typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>) : {};
  const resource: ResourceRef = {
    apiVersion: req.kind.group ? `${req.kind.group}/${req.kind.version}` : req.kind.version,
    kind,
    name: req.name || (typeof meta.name === 'string' ? meta.name : '') || str(meta.generateName),
    namespace: req.namespace || str(meta.namespace),
    uid: str(meta.uid),
  };

  const byImage = new Map<string, { pointers: string[]; containers: string[] }>();
  for (const f of fields) {
    const entry = byImage.get(f.image) ?? { pointers: [], containers: [] };
    entry.pointers.push(f.pointer);
    entry.containers.push(f.container);
    byImage.set(f.image, entry);
  }

  // Policies select on the object's labels, annotations, name and operation (Kyverno match/exclude,
  // CIP match[].selector, preconditions): every decision gets them, not just the image.
  const facts: ObjectFacts = {
    labels: stringMap(meta.labels),
    annotations: stringMap(meta.annotations),
    operation: req.operation,
    object: req.object,
  };
  const images = await decideAll(byImage, resource, facts, deps);
  return respond(req, resource, images, deps);
}

type ObjectFacts = Required<Pick<ImageCheckRequest, 'labels' | 'annotations' | 'operation' | 'object'>>;

async function decideAll(
  byImage: Map<string, { pointers: string[]; containers: string[] }>,
  resource: ResourceRef,
  facts: ObjectFacts,
  deps: ReviewDeps,
): Promise<ReviewedImage[]> {
  const started = Date.now();
  const limit = deps.deadlineMs >= 1000 ? `${deps.deadlineMs / 1000}s` : `${deps.deadlineMs}ms`;
  // Namespace labels are shared by every image; they get the request's deadline like everything else.
  const nsLabels = deps.namespaceLabels;
  const labels: Settled<Readonly<Record<string, string>>> = nsLabels
    ? await withDeadline(() => nsLabels(resource.namespace), deps.deadlineMs)
    : { kind: 'done', value: {} };
  const images = [...byImage.entries()];
  // Every image is settled on its own, with its own deadline (what is left of the request's) and its own
  // abort signal: one image that errors or hangs never decides, explains or times out another.
  const decided = await Promise.all(
    images.map(async ([image]): Promise<ImageDecision> => {
      if (image === '') return { outcomes: [missingImageOutcome(deps.mode)] };
      const req: ImageCheckRequest = {
        image,
        namespace: resource.namespace,
        namespaceLabels: labels.kind === 'done' ? labels.value : {},
        resource,
        ...facts,
      };
      if (labels.kind !== 'done') return failedDecision(req, labels, limit, deps);
      const left = Math.max(0, deps.deadlineMs - (Date.now() - started));
      const settled = await withDeadline(
        (signal) => deps.decider.decide(req, { now: deps.now, signal }),
        left,
      );
      return settled.kind === 'done' ? settled.value : failedDecision(req, settled, limit, deps);
    }),
  );
  return images.map(([image, where], i): ReviewedImage => {
    const decision = decided[i] ?? { outcomes: [] };
    return {
      image,
      pointers: where.pointers,
      containers: where.containers,
      outcomes: decision.outcomes,
      ...(decision.digest ? { digest: decision.digest } : {}),
      ...(decision.sbomCreatedAt ? { sbomCreatedAt: decision.sbomCreatedAt } : {}),
      ...(decision.vulnerabilities ? { vulnerabilities: decision.vulnerabilities } : {}),
      ...(decision.pinnedReference &&
      isVerified(decision) &&
      decision.pinnedReference.endsWith(`@${decision.digest}`)
        ? { pinned: decision.pinnedReference }
        : {}),
    };
  });
}

type Settled<T> = { kind: 'done'; value: T } | { kind: 'deadline' } | { kind: 'error'; error: unknown };

/**
 * Runs `work` against its own timer: past `ms` its signal is aborted (so every request it has in flight
 * is cancelled) and the answer is `deadline`, whatever the work does later.
 */
async function withDeadline<T>(work: (signal: AbortSignal) => Promise<T>, ms: number): Promise<Settled<T>> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new VouchError('TIMEOUT', 'verification deadline passed'));
      resolve({ kind: 'deadline' });
    }, ms);
  });
  let running: Promise<T>;
  try {
    // Every request the work starts, however deep, reads this signal (src/abort-scope.ts).
    running = withOwnAbortSignal(controller.signal, () => work(controller.signal));
  } catch (e) {
    clearTimeout(timer);
    return { kind: 'error', error: e };
  }
  // A late rejection of abandoned work must not become an unhandled rejection.
  running.catch(() => undefined);
  try {
    return await Promise.race([running.then((value): Settled<T> => ({ kind: 'done', value })), deadline]);
  } catch (e) {
    return { kind: 'error', error: e };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The decision for an image whose rules never got to judge it: each policy rule that selects it gets an
 * `error` outcome in its own mode (an Enforce policy denies even when the server runs in Audit); an
 * image no policy owns gets vouch's own outcome in the server's mode.
 */
function failedDecision(
  req: ImageCheckRequest,
  failure: { kind: 'deadline' } | { kind: 'error'; error: unknown },
  limit: string,
  deps: ReviewDeps,
): ImageDecision {
  let owners: readonly RuleOwner[] = [];
  try {
    owners = deps.decider.owners?.(req) ?? [];
  } catch {
    // owners() never throws by contract; if it does, no policy can be named and the server's mode applies.
    owners = [];
  }
  const what: Omit<RuleOutcome, 'policy' | 'rule' | 'mode'> =
    failure.kind === 'deadline'
      ? {
          result: 'error',
          reason: 'timeout',
          message: `verification did not finish in ${limit}`,
          fix: 'retry; if it persists check registry reachability and the vouch_verifications_in_flight metric',
        }
      : errorOutcome(failure.error);
  if (owners.length === 0) {
    const rule = failure.kind === 'deadline' ? 'verification-deadline' : 'verification';
    return { outcomes: [{ policy: VOUCH_POLICY, rule, mode: deps.mode, ...what }] };
  }
  return { outcomes: owners.map((o) => ({ policy: o.policy, rule: o.rule, mode: o.mode, ...what })) };
}

function respond(
  req: AdmissionRequest,
  resource: ResourceRef,
  images: ReviewedImage[],
  deps: ReviewDeps,
): ReviewResult {
  const denials: string[] = [];
  const warnings: string[] = [];
  for (const img of images) {
    for (const o of img.outcomes) {
      const v = verdictOf(o);
      if (v === 'denied') denials.push(explain(img, o));
      else if (v === 'warned')
        warnings.push(
          clip(`vouch audit: ${o.policy}/${o.rule}: ${img.image}: ${o.message}`, WARNING_MAX_CHARS),
        );
    }
  }
  const allowed = denials.length === 0;
  const response: AdmissionResponse = { uid: req.uid, allowed };
  let message: string | undefined;
  if (!allowed) {
    const what = `${resource.kind} ${resource.namespace ? `${resource.namespace}/` : ''}${resource.name}`;
    message = clip(
      `vouch denied ${what}: ${denials.length} check(s) failed. ${denials.map((d, i) => `[${i + 1}] ${d}`).join(' ')}`,
      STATUS_MESSAGE_MAX_CHARS,
    );
    response.status = { code: 403, reason: 'Forbidden', message };
  }
  const kept = capTotal(warnings);
  if (kept.length > 0) response.warnings = kept;

  const patched: string[] = [];
  if (deps.endpoint === 'mutate' && allowed) {
    const ops: JsonPatchOp[] = [];
    for (const img of images) {
      const pinned = img.pinned;
      if (pinned === undefined || pinned === img.image) continue;
      for (const p of img.pointers) {
        ops.push({ op: 'replace', path: p, value: pinned });
        patched.push(p);
      }
    }
    if (ops.length > 0) {
      response.patchType = 'JSONPatch';
      response.patch = Buffer.from(JSON.stringify(ops)).toString('base64');
    }
  }
  return {
    review: wrap(response),
    decision: {
      uid: req.uid,
      at: deps.now,
      endpoint: deps.endpoint,
      operation: req.operation,
      dryRun: req.dryRun,
      resource,
      mode: deps.mode,
      allowed,
      images,
      ...(message ? { message } : {}),
      warnings: kept,
      patched,
    },
  };
}

/** A denial a developer can act on: which image, which policy and rule, expected vs found, the fix. */
function explain(img: ReviewedImage, o: RuleOutcome): string {
  const parts = [
    `image "${img.image}" (container ${img.containers.join(', ')}): policy "${o.policy}" rule "${o.rule}": ${o.message}`,
  ];
  if (o.expected !== undefined) parts.push(`expected ${o.expected}`);
  if (o.found !== undefined) parts.push(`found ${o.found}`);
  if (o.fix !== undefined) parts.push(`fix: ${o.fix}`);
  return `${parts.join('; ')}.`;
}

function errorOutcome(e: unknown): Omit<RuleOutcome, 'policy' | 'rule' | 'mode'> {
  const vouch = isVouchError(e);
  return {
    result: 'error',
    reason: vouch ? e.code.toLowerCase().replaceAll('_', '-') : 'internal',
    message: vouch
      ? `${e.code}: ${e.message}`
      : `INTERNAL: internal error, please report (${describeCause(e)})`,
    ...(vouch && e.hint ? { fix: e.hint } : {}),
  };
}

function missingImageOutcome(mode: EnforcementMode): RuleOutcome {
  return {
    policy: VOUCH_POLICY,
    rule: 'image-reference',
    result: 'fail',
    mode,
    reason: 'no-image',
    message: 'container has no image',
    expected: 'an image reference string',
    found: 'none',
  };
}

function failureReview(uid: string, mode: EnforcementMode, why: string): AdmissionReviewResponse {
  if (mode === 'audit') {
    return wrap({
      uid,
      allowed: true,
      warnings: [clip(`vouch audit: request not reviewed: ${why}`, WARNING_MAX_CHARS)],
    });
  }
  return wrap({
    uid,
    allowed: false,
    status: {
      code: 400,
      reason: 'BadRequest',
      message: clip(`vouch denied the request: ${why}`, STATUS_MESSAGE_MAX_CHARS),
    },
  });
}

function errorText(e: unknown): string {
  if (isVouchError(e)) return `${e.message}${e.hint ? ` (hint: ${e.hint})` : ''}`;
  return `internal error, please report (${describeCause(e)})`;
}

function wrap(response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response };
}

function capTotal(warnings: string[]): string[] {
  const out: string[] = [];
  let total = 0;
  for (const w of warnings) {
    if (total + w.length > WARNINGS_TOTAL_MAX_CHARS) break;
    total += w.length;
    out.push(w);
  }
  return out;
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 3)}...`;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The string-valued entries of a labels/annotations map; anything else in it is ignored. */
function stringMap(v: unknown): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
