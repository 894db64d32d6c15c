import { VouchError } from '../errors.js';

/** The only AdmissionReview version vouch speaks (the API server sends v1 when the webhook lists it). */
export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** The fields of `request` vouch uses, narrowed; everything else is ignored. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: { readonly group: string; readonly version: string; readonly kind: string };
  readonly namespace: string;
  readonly name: string;
  readonly operation: AdmissionOperation;
  readonly dryRun: boolean;
  readonly subResource: string;
  /** The object as the API server sends it; `undefined` only for DELETE and CONNECT. */
  readonly object: Readonly<Record<string, unknown>> | undefined;
}

export interface JsonPatchOp {
  readonly op: 'replace';
  readonly path: string;
  readonly value: string;
}

/** `response` of an `admission.k8s.io/v1` AdmissionReview, as the API server reads it. */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; message: string; reason?: string };
  warnings?: string[];
  patchType?: 'JSONPatch';
  /** base64 of the JSON Patch document (RFC 6902). */
  patch?: string;
  auditAnnotations?: Record<string, string>;
}

export interface AdmissionReviewResponse {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

const OPERATIONS: readonly string[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The request uid if one can be found, even in an otherwise malformed review, so a deny can echo it. */
export function salvageUid(body: unknown): string {
  if (!isRecord(body) || !isRecord(body.request)) return '';
  const uid = body.request.uid;
  return typeof uid === 'string' && uid.length <= 128 ? uid : '';
}

/**
 * Parses an AdmissionReview request as the API server sends it (admission.k8s.io/v1), listing every bad
 * field. The body is attacker-reachable (anyone who can reach the Service can POST), so nothing is
 * trusted before it is checked here.
 * @throws INPUT_MALFORMED with `fields` naming each bad path
 */
export function parseAdmissionReview(body: unknown): AdmissionRequest {
  const bad: string[] = [];
  if (!isRecord(body)) {
    throw new VouchError('INPUT_MALFORMED', 'AdmissionReview: body is not a JSON object', {
      hint: 'POST an admission.k8s.io/v1 AdmissionReview, as the API server does',
    });
  }
  if (body.apiVersion !== ADMISSION_API_VERSION) bad.push('apiVersion');
  if (body.kind !== 'AdmissionReview') bad.push('kind');
  const req = body.request;
  if (!isRecord(req)) {
    bad.push('request');
    throw malformed(bad, body);
  }
  const uid = req.uid;
  if (typeof uid !== 'string' || uid.length === 0 || uid.length > 128) bad.push('request.uid');
  const kind = req.kind;
  if (!isRecord(kind) || typeof kind.kind !== 'string' || typeof kind.version !== 'string')
    bad.push('request.kind');
  const op = req.operation;
  if (typeof op !== 'string' || !OPERATIONS.includes(op)) bad.push('request.operation');
  for (const f of ['namespace', 'name', 'subResource'] as const) {
    if (req[f] !== undefined && typeof req[f] !== 'string') bad.push(`request.${f}`);
  }
  if (req.dryRun !== undefined && typeof req.dryRun !== 'boolean') bad.push('request.dryRun');
  const object = req.object;
  const needsObject = op === 'CREATE' || op === 'UPDATE';
  if (needsObject && !isRecord(object)) bad.push('request.object');
  if (bad.length > 0) throw malformed(bad, body);
  const k = kind as Record<string, unknown>;
  return {
    uid: uid as string,
    kind: {
      group: typeof k.group === 'string' ? k.group : '',
      version: k.version as string,
      kind: k.kind as string,
    },
    namespace: typeof req.namespace === 'string' ? req.namespace : '',
    name: typeof req.name === 'string' ? req.name : '',
    operation: op as AdmissionOperation,
    dryRun: req.dryRun === true,
    subResource: typeof req.subResource === 'string' ? req.subResource : '',
    object: isRecord(object) ? object : undefined,
  };
}

function malformed(fields: string[], body: Record<string, unknown>): VouchError {
  const version =
    typeof body.apiVersion === 'string' ? body.apiVersion.slice(0, 60) : String(body.apiVersion);
  const why = fields.includes('apiVersion') ? ` (got apiVersion "${version}")` : '';
  return new VouchError('INPUT_MALFORMED', `AdmissionReview: missing or invalid ${fields.join(', ')}${why}`, {
    fields,
    hint: `the webhook accepts ${ADMISSION_API_VERSION} AdmissionReview requests; list only "v1" in admissionReviewVersions`,
  });
}
