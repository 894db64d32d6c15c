import { VouchError } from '../errors.js';
import type { HttpResponse } from './http-transport.js';
import { readBounded } from './verified-read.js';

// Error bodies are read for their message only; a registry has no reason to send more.
const ERROR_BODY_MAX_BYTES = 64 * 1024;

/** The absolute URL of an upload session from a 202's `Location` (relative ones resolve against the request). */
export function uploadLocation(res: HttpResponse, what: string): string {
  const loc = res.headers.get('location');
  if (!loc) throw new VouchError('REGISTRY_ERROR', `${what}: registry started an upload without a Location`);
  try {
    return new URL(loc, res.url).toString();
  } catch (e) {
    throw new VouchError('REGISTRY_ERROR', `${what}: registry gave an unusable upload Location`, {
      cause: e,
    });
  }
}

/** Content-Length when present and well formed. */
export function contentLength(res: HttpResponse): number | undefined {
  const v = res.headers.get('content-length');
  if (v === null || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v);
}

/** The media type of Content-Type, without parameters. */
export function contentType(res: HttpResponse): string | undefined {
  const v = res.headers.get('content-type');
  const mt = v?.split(';')[0]?.trim();
  return mt ? mt : undefined;
}

/** The registry's error document (distribution-spec "Error Codes"), as `CODE: message; ...`. */
async function errorSummary(res: HttpResponse, what: string): Promise<string> {
  let body: Buffer;
  try {
    body = await readBounded(res.body(), ERROR_BODY_MAX_BYTES, what);
  } catch (e) {
    return `(error body unreadable: ${(e as Error).message})`;
  }
  try {
    const doc: unknown = JSON.parse(body.toString('utf8'));
    const errors =
      typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)['errors'] : undefined;
    if (Array.isArray(errors)) {
      const parts = errors.map((e: unknown) => {
        const r = typeof e === 'object' && e !== null ? (e as Record<string, unknown>) : {};
        return [r['code'], r['message']].filter((x) => typeof x === 'string').join(': ');
      });
      const text = parts.filter(Boolean).join('; ');
      if (text) return text.slice(0, 500);
    }
  } catch {
    // Not the JSON error format: fall through to the raw text.
  }
  return body.toString('utf8').replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** REGISTRY_ERROR for an unexpected status, with the registry's own error codes and messages. */
export async function registryError(res: HttpResponse, what: string): Promise<VouchError> {
  const summary = await errorSummary(res, what);
  return new VouchError(
    'REGISTRY_ERROR',
    `${what}: registry answered HTTP ${res.status}${summary ? `: ${summary}` : ''}`,
  );
}

/** NOT_FOUND naming what was asked for, with the registry's error code (MANIFEST_UNKNOWN, BLOB_UNKNOWN...). */
export async function notFound(res: HttpResponse, what: string): Promise<VouchError> {
  const summary = await errorSummary(res, what);
  return new VouchError('NOT_FOUND', `${what}: not found${summary ? ` (${summary})` : ''}`, {
    hint: 'check the repository name, tag and digest, and that you may pull from it',
  });
}

/** REGISTRY_ERROR for an unexpected status of a response without a body to read (HEAD). */
export function statusError(res: HttpResponse, what: string): VouchError {
  return new VouchError('REGISTRY_ERROR', `${what}: registry answered HTTP ${res.status}`);
}
