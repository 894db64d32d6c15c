import { VouchError } from '../errors.js';

/** SLSA Provenance v1 ResourceDescriptor (in-toto attestation v1 resource_descriptor.md). */
export interface ResourceDescriptor {
  uri?: string;
  digest?: Record<string, string>;
  name?: string;
  downloadLocation?: string;
  mediaType?: string;
  content?: string;
  annotations?: Record<string, unknown>;
}

/** SLSA Provenance v1 predicate (https://slsa.dev/spec/v1.0/provenance). */
export interface SlsaProvenanceV1 {
  buildDefinition: {
    buildType: string;
    externalParameters: Record<string, unknown>;
    internalParameters?: Record<string, unknown>;
    resolvedDependencies?: ResourceDescriptor[];
  };
  runDetails: {
    builder: { id: string; builderDependencies?: ResourceDescriptor[]; version?: Record<string, string> };
    metadata?: { invocationId?: string; startedOn?: string; finishedOn?: string };
    byproducts?: ResourceDescriptor[];
  };
}

// RFC 3339 date-time as the SLSA spec's Timestamp type requires.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Checks a predicate against the SLSA Provenance v1 field rules and returns every violation as a
 * path (empty when valid): buildDefinition.buildType (URI), buildDefinition.externalParameters
 * (object), runDetails.builder.id (URI) are REQUIRED; ResourceDescriptors need one of uri / digest /
 * content; metadata timestamps are RFC 3339; finishedOn is not before startedOn.
 */
export function slsaProvenanceV1Problems(predicate: unknown): string[] {
  const bad: string[] = [];
  if (!isRecord(predicate)) return ['predicate (must be an object)'];
  const bd = predicate['buildDefinition'];
  if (!isRecord(bd)) bad.push('buildDefinition (required object)');
  else {
    if (!isUri(bd['buildType'])) bad.push('buildDefinition.buildType (required URI)');
    if (!isRecord(bd['externalParameters'])) bad.push('buildDefinition.externalParameters (required object)');
    if (bd['internalParameters'] !== undefined && !isRecord(bd['internalParameters'])) {
      bad.push('buildDefinition.internalParameters (must be an object)');
    }
    descriptors(bd['resolvedDependencies'], 'buildDefinition.resolvedDependencies', bad);
  }
  const rd = predicate['runDetails'];
  if (!isRecord(rd)) bad.push('runDetails (required object)');
  else {
    const builder = rd['builder'];
    if (!isRecord(builder)) bad.push('runDetails.builder (required object)');
    else {
      if (!isUri(builder['id'])) bad.push('runDetails.builder.id (required URI)');
      descriptors(builder['builderDependencies'], 'runDetails.builder.builderDependencies', bad);
      const v = builder['version'];
      if (v !== undefined && (!isRecord(v) || !Object.values(v).every((x) => typeof x === 'string'))) {
        bad.push('runDetails.builder.version (must map strings to strings)');
      }
    }
    const md = rd['metadata'];
    if (md !== undefined) {
      if (!isRecord(md)) bad.push('runDetails.metadata (must be an object)');
      else {
        if (md['invocationId'] !== undefined && typeof md['invocationId'] !== 'string') {
          bad.push('runDetails.metadata.invocationId (must be a string)');
        }
        for (const k of ['startedOn', 'finishedOn'] as const) {
          const t = md[k];
          if (t !== undefined && (typeof t !== 'string' || !RFC3339.test(t) || Number.isNaN(Date.parse(t)))) {
            bad.push(`runDetails.metadata.${k} (must be an RFC 3339 timestamp)`);
          }
        }
        const s = md['startedOn'];
        const f = md['finishedOn'];
        if (typeof s === 'string' && typeof f === 'string' && Date.parse(f) < Date.parse(s)) {
          bad.push('runDetails.metadata.finishedOn (before startedOn)');
        }
      }
    }
    descriptors(rd['byproducts'], 'runDetails.byproducts', bad);
  }
  return bad;
}

/**
 * Validates a SLSA Provenance v1 predicate, narrowing its type.
 * @throws ATTESTATION_INVALID
 */
export function assertSlsaProvenanceV1(
  predicate: unknown,
  what: string,
): asserts predicate is SlsaProvenanceV1 {
  const bad = slsaProvenanceV1Problems(predicate);
  if (bad.length > 0) {
    throw new VouchError('ATTESTATION_INVALID', `${what}: not valid SLSA provenance v1: ${bad.join('; ')}`, {
      fields: bad,
    });
  }
}

function descriptors(v: unknown, path: string, bad: string[]): void {
  if (v === undefined) return;
  if (!Array.isArray(v)) {
    bad.push(`${path} (must be an array)`);
    return;
  }
  v.forEach((d, i) => {
    const p = `${path}[${i}]`;
    if (!isRecord(d)) {
      bad.push(`${p} (must be an object)`);
      return;
    }
    if (d['uri'] === undefined && d['digest'] === undefined && d['content'] === undefined) {
      bad.push(`${p} (needs one of uri, digest, content)`);
    }
    if (d['uri'] !== undefined && !isUri(d['uri'])) bad.push(`${p}.uri (must be a URI)`);
    const digest = d['digest'];
    if (
      digest !== undefined &&
      (!isRecord(digest) ||
        !Object.values(digest).every((x) => typeof x === 'string' && /^[0-9a-fA-F]+$/.test(x)))
    ) {
      bad.push(`${p}.digest (must map algorithms to hex)`);
    }
  });
}

function isUri(v: unknown): boolean {
  if (typeof v !== 'string' || !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(v)) return false;
  try {
    new URL(v);
    return true;
  } catch {
    return false;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
