import { VouchError } from '../errors.js';
import { type Digest, isDigest } from './digest.js';
import { isImageManifestMediaType, isIndexMediaType, MediaType } from './media-types.js';

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
  urls?: string[];
  data?: string;
}

export interface ImageManifest {
  kind: 'manifest';
  schemaVersion: 2;
  mediaType: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  kind: 'index';
  schemaVersion: 2;
  mediaType: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export type Manifest = ImageManifest | ImageIndex;

/**
 * Parses manifest bytes that have already been digest-checked. `declaredMediaType` is the transport's
 * media type (Content-Type, descriptor); when the document carries its own mediaType they must agree.
 * Every bad field is listed by path.
 * @throws INPUT_MALFORMED, MEDIA_TYPE_UNSUPPORTED
 */
export function parseManifest(
  bytes: Uint8Array,
  declaredMediaType: string | undefined,
  what: string,
): Manifest {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new VouchError('INPUT_MALFORMED', `${what}: not valid JSON`, { cause: e });
  }
  if (!isRecord(doc)) throw new VouchError('INPUT_MALFORMED', `${what}: not a JSON object`);
  const bad: string[] = [];
  if (doc['schemaVersion'] !== 2) bad.push('schemaVersion (must be 2)');
  const docMt = typeof doc['mediaType'] === 'string' ? doc['mediaType'] : undefined;
  const declared = declaredMediaType?.split(';')[0]?.trim();
  let mediaType = docMt ?? declared;
  if (docMt && declared && docMt !== declared && declared !== 'application/json') {
    bad.push(`mediaType (document says ${docMt}, transport says ${declared})`);
  }
  if (!mediaType) {
    // OCI allows mediaType to be absent; infer from shape as containerd does.
    mediaType = Array.isArray(doc['manifests']) ? MediaType.ociIndex : MediaType.ociManifest;
  }
  if (isIndexMediaType(mediaType)) {
    const manifests = descriptorList(doc['manifests'], 'manifests', bad);
    const subject = doc['subject'] === undefined ? undefined : descriptor(doc['subject'], 'subject', bad);
    failIf(bad, what);
    return {
      kind: 'index',
      schemaVersion: 2,
      mediaType,
      manifests,
      ...optionalString(doc, 'artifactType'),
      ...(subject ? { subject } : {}),
      ...annotations(doc, 'annotations', bad),
    };
  }
  if (isImageManifestMediaType(mediaType)) {
    const config = descriptor(doc['config'], 'config', bad);
    const layers = descriptorList(doc['layers'], 'layers', bad);
    const subject = doc['subject'] === undefined ? undefined : descriptor(doc['subject'], 'subject', bad);
    failIf(bad, what);
    return {
      kind: 'manifest',
      schemaVersion: 2,
      mediaType,
      config: config as Descriptor,
      layers,
      ...optionalString(doc, 'artifactType'),
      ...(subject ? { subject } : {}),
      ...annotations(doc, 'annotations', bad),
    };
  }
  throw new VouchError('MEDIA_TYPE_UNSUPPORTED', `${what}: unsupported manifest media type "${mediaType}"`, {
    hint: 'vouch reads OCI image manifests and indexes, and Docker v2 schema 2 manifests and lists',
  });
}

function failIf(bad: string[], what: string): void {
  if (bad.length > 0) {
    throw new VouchError('INPUT_MALFORMED', `${what}: invalid manifest: ${bad.join('; ')}`, { fields: bad });
  }
}

function descriptorList(v: unknown, path: string, bad: string[]): Descriptor[] {
  if (!Array.isArray(v)) {
    bad.push(`${path} (must be an array)`);
    return [];
  }
  const out: Descriptor[] = [];
  v.forEach((d, i) => {
    const parsed = descriptor(d, `${path}[${i}]`, bad);
    if (parsed) out.push(parsed);
  });
  return out;
}

/** Validates one descriptor (image-spec descriptor.md), recording bad fields by path. */
export function descriptor(v: unknown, path: string, bad: string[]): Descriptor | undefined {
  if (!isRecord(v)) {
    bad.push(`${path} (must be an object)`);
    return undefined;
  }
  const before = bad.length;
  const mediaType = v['mediaType'];
  const digest = v['digest'];
  const size = v['size'];
  if (
    typeof mediaType !== 'string' ||
    !/^[A-Za-z0-9][\w!#$&^.+-]*\/[A-Za-z0-9][\w!#$&^.+-]*$/.test(mediaType)
  ) {
    bad.push(`${path}.mediaType`);
  }
  if (typeof digest !== 'string' || !isDigest(digest)) bad.push(`${path}.digest`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) bad.push(`${path}.size`);
  let platform: Platform | undefined;
  if (v['platform'] !== undefined) {
    const p = v['platform'];
    if (!isRecord(p) || typeof p['os'] !== 'string' || typeof p['architecture'] !== 'string') {
      bad.push(`${path}.platform`);
    } else {
      platform = {
        os: p['os'],
        architecture: p['architecture'],
        ...(typeof p['variant'] === 'string' ? { variant: p['variant'] } : {}),
        ...(typeof p['os.version'] === 'string' ? { 'os.version': p['os.version'] } : {}),
      };
    }
  }
  const ann = annotations(v, `${path}.annotations`, bad);
  if (bad.length > before) return undefined;
  return {
    mediaType: mediaType as string,
    digest: digest as Digest,
    size: size as number,
    ...(platform ? { platform } : {}),
    ...ann,
    ...optionalString(v, 'artifactType'),
    ...(typeof v['data'] === 'string' ? { data: v['data'] } : {}),
    ...(Array.isArray(v['urls']) && v['urls'].every((u) => typeof u === 'string') ? { urls: v['urls'] } : {}),
  };
}

function annotations(
  v: Record<string, unknown>,
  path: string,
  bad: string[],
): { annotations?: Record<string, string> } {
  const a = v['annotations'];
  if (a === undefined) return {};
  if (!isRecord(a) || !Object.values(a).every((x) => typeof x === 'string')) {
    bad.push(`${path} (must map strings to strings)`);
    return {};
  }
  return { annotations: a as Record<string, string> };
}

function optionalString(v: Record<string, unknown>, key: string): Record<string, string> {
  const x = v[key];
  return typeof x === 'string' ? { [key]: x } : {};
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `linux/amd64`, `linux/arm/v7`. */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/**
 * Parses `os/arch[/variant]` as `--platform` takes it.
 * @throws USAGE
 */
export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p.length === 0 || !/^[\w.-]+$/.test(p))) {
    throw new VouchError('USAGE', `invalid platform "${s}"`, {
      hint: 'use os/arch[/variant], e.g. linux/amd64',
    });
  }
  return {
    os: parts[0] as string,
    architecture: parts[1] as string,
    ...(parts[2] ? { variant: parts[2] } : {}),
  };
}

/** Platform match as containerd does it: os and architecture equal; variant equal when asked for. */
export function platformMatches(want: Platform, have: Platform | undefined): boolean {
  if (!have) return false;
  if (want.os !== have.os || want.architecture !== have.architecture) return false;
  if (want.variant !== undefined)
    return want.variant === (have.variant ?? (have.architecture === 'arm64' ? 'v8' : undefined));
  return true;
}
