/**
 * CycloneDX 1.6 / 1.7 JSON (cyclonedx.org/docs/1.6/json). Emitted directly as plain objects rather than
 * through @cyclonedx/cyclonedx-library's models and normaliser: for a 2,000-component lockfile the
 * library's per-component class construction, SortableSet bookkeeping and normaliser passes cost more
 * than the whole scan, and our model is already sorted and deduplicated. The library still supplies the
 * schemas the tests validate every document against.
 */
import { jsonChunks, uuidOfChunks } from './json-chunks.js';
import { VERSION } from '../../version.js';
import type { SbomResult } from '../generate.js';
import type { Component, Scope } from '../model.js';
import { documentUuid, isoSeconds } from './document-id.js';
import { looksLikeSpdxExpression } from './license-expression.js';

export type CycloneDxVersion = '1.6' | '1.7';

export interface DocumentOptions {
  /** The document timestamp (the CLI passes SOURCE_DATE_EPOCH when set). */
  now: Date;
  /** Serial number / namespace derived from the content instead of random. */
  deterministic?: boolean;
}

export interface CycloneDxOptions extends DocumentOptions {
  specVersion?: CycloneDxVersion;
}

const SCOPE: Record<Scope, 'required' | 'optional' | 'excluded'> = {
  required: 'required',
  optional: 'optional',
  // CycloneDX 1.6 `excluded`: "component usage for test and other non-runtime purposes".
  dev: 'excluded',
};

function licenses(license: string | undefined): object[] | undefined {
  if (!license) return undefined;
  return looksLikeSpdxExpression(license) ? [{ expression: license }] : [{ license: { name: license } }];
}

function component(c: Component): Record<string, unknown> {
  const lic = licenses(c.license);
  const properties = [
    ...c.foundBy.map((f) => ({ name: 'vouch:cataloger', value: f })),
    ...c.locations.flatMap((l) => (l.layer ? [{ name: 'vouch:layer', value: `${l.layer} ${l.path}` }] : [])),
    ...(c.origin ? [{ name: 'vouch:origin', value: c.origin }] : []),
  ];
  return {
    'bom-ref': c.purl,
    type: c.type,
    name: c.name,
    version: c.version,
    scope: SCOPE[c.scope],
    ...(c.hashes.length > 0 ? { hashes: c.hashes.map((h) => ({ alg: h.alg, content: h.content })) } : {}),
    ...(lic ? { licenses: lic } : {}),
    purl: c.purl,
    evidence: { occurrences: c.locations.map((l) => ({ location: l.path })) },
    ...(properties.length > 0 ? { properties } : {}),
  };
}

function withoutSerial(result: SbomResult, opts: CycloneDxOptions): Record<string, unknown> {
  const specVersion = opts.specVersion ?? '1.6';
  const rootRef = result.image ? `image:${result.image.digest}` : `source:${result.source}`;
  const root = result.image
    ? {
        'bom-ref': rootRef,
        type: 'container',
        name: result.image.name,
        version: result.image.digest,
        hashes: [{ alg: 'SHA-256', content: result.image.digest.replace(/^sha256:/, '') }].filter(
          (h) => h.content.length === 64,
        ),
      }
    : { 'bom-ref': rootRef, type: 'application', name: result.source.replace(/^dir:/, '') };
  const components = result.components.map(component);
  const deps: Array<{ ref: string; dependsOn: string[] }> = [];
  const osRef = result.os ? `os:${result.os.distro}` : undefined;
  if (result.os && osRef) {
    components.unshift({
      'bom-ref': osRef,
      type: 'operating-system',
      name: result.os.id,
      version: result.os.versionId,
      ...(result.os.prettyName ? { description: result.os.prettyName } : {}),
    });
  }
  // The root depends on what nothing else depends on: the direct dependencies, as far as we can tell.
  const reached = new Set(result.components.flatMap((c) => c.dependsOn));
  const top = result.components.filter((c) => !reached.has(c.purl)).map((c) => c.purl);
  deps.push({ ref: rootRef, dependsOn: [...(osRef ? [osRef] : []), ...top] });
  if (osRef) deps.push({ ref: osRef, dependsOn: [] });
  for (const c of result.components) deps.push({ ref: c.purl, dependsOn: c.dependsOn });

  const bom: Record<string, unknown> = {
    $schema: `http://cyclonedx.org/schema/bom-${specVersion}.schema.json`,
    bomFormat: 'CycloneDX',
    specVersion,
    serialNumber: '',
    version: 1,
    metadata: {
      timestamp: isoSeconds(opts.now),
      tools: { components: [{ type: 'application', name: 'vouch', version: VERSION }] },
      component: root,
      // Warnings travel with the document: a reader of the SBOM alone can tell it may be incomplete.
      ...(result.warnings.length > 0
        ? {
            properties: result.warnings.map((w) => ({
              name: 'vouch:warning',
              value: `${w.path}: ${w.message}`,
            })),
          }
        : {}),
    },
    components,
    dependencies: deps,
  };
  return bom;
}

/** Builds a CycloneDX BOM object for `result`, serial number included. */
export function toCycloneDx(result: SbomResult, opts: CycloneDxOptions): Record<string, unknown> {
  const bom = withoutSerial(result, opts);
  bom['serialNumber'] =
    `urn:uuid:${documentUuid(opts.deterministic ? JSON.stringify(bom, null, 2) : undefined)}`;
  return bom;
}

/**
 * CycloneDX JSON text, with a trailing newline. Stringified once: the content-derived serial number is
 * the hash of the text with an empty serial, patched in afterwards (same value as toCycloneDx gives).
 */
export function* cycloneDxChunks(result: SbomResult, opts: CycloneDxOptions): Generator<string> {
  const bom = withoutSerial(result, opts);
  // Deterministic: the serial is the hash of the text with an empty serial, as serializeCycloneDx gives,
  // computed over the chunks in a first pass.
  bom['serialNumber'] =
    `urn:uuid:${opts.deterministic ? uuidOfChunks(jsonChunks(bom)) : documentUuid(undefined)}`;
  yield* jsonChunks(bom);
  yield '\n';
}

export function serializeCycloneDx(result: SbomResult, opts: CycloneDxOptions): string {
  const bom = withoutSerial(result, opts);
  const text = JSON.stringify(bom, null, 2);
  const serial = `urn:uuid:${documentUuid(opts.deterministic ? text : undefined)}`;
  return `${text.replace('"serialNumber": ""', `"serialNumber": "${serial}"`)}\n`;
}
