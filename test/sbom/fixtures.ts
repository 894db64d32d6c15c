// Shared by the SBOM tests: fixture paths, running one cataloger over a fixture file, and validating
// documents against the official CycloneDX and SPDX JSON schemas (local copies, never the network).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import type { Cataloger, CatalogResult } from '../../src/sbom/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'sbom');

export function fixture(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

/** Runs `cataloger` over a fixture file as the generator would, with the path it would see. */
export function catalogFixture(cataloger: Cataloger, rel: string, treePath = rel): CatalogResult {
  return cataloger.catalog(
    { path: treePath, bytes: readFileSync(fixture(rel)) },
    { maxBytes: 64 * 1024 * 1024 },
  );
}

export function catalogText(
  cataloger: Cataloger,
  path: string,
  text: string,
  maxBytes = 1024 * 1024,
): CatalogResult {
  return cataloger.catalog({ path, bytes: Buffer.from(text) }, { maxBytes });
}

export function purls(r: CatalogResult): string[] {
  return r.components.map((c) => c.purl).sort();
}

// ajv-formats is CommonJS with a default export; under NodeNext its namespace import is the function.
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

const require = createRequire(import.meta.url);
const cdxSchemaDir = join(
  dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')),
  'res',
  'schema',
);

function loadJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

let validators: { cdx16: ValidateFunction; cdx17: ValidateFunction; spdx23: ValidateFunction } | undefined;

function compile(): NonNullable<typeof validators> {
  if (validators) return validators;
  // The library's SNAPSHOT schemas $ref their siblings by file name (spdx.SNAPSHOT.schema.json...):
  // register each under that name, relative to the CycloneDX schema base URL.
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  ajv.addFormat('iri-reference', true);
  ajv.addFormat('idn-email', true);
  for (const name of ['spdx', 'jsf-0.82', 'cryptography-defs']) {
    const schema = loadJson(join(cdxSchemaDir, `${name}.SNAPSHOT.schema.json`));
    schema['$id'] = `http://cyclonedx.org/schema/${name}.SNAPSHOT.schema.json`;
    ajv.addSchema(schema);
  }
  const cdx16 = ajv.compile(loadJson(join(cdxSchemaDir, 'bom-1.6.SNAPSHOT.schema.json')));
  const cdx17 = ajv.compile(loadJson(join(cdxSchemaDir, 'bom-1.7.SNAPSHOT.schema.json')));
  const spdxAjv = new Ajv({ strict: false, allErrors: true });
  addFormats(spdxAjv);
  const spdx23 = spdxAjv.compile(loadJson(fixture('schemas', 'spdx-2.3.schema.json')));
  validators = { cdx16, cdx17, spdx23 };
  return validators;
}

/** Schema errors of a document, as readable strings; empty when valid. */
export function schemaErrors(kind: 'cdx16' | 'cdx17' | 'spdx23', doc: unknown): string[] {
  const v = compile()[kind];
  if (v(doc)) return [];
  return (v.errors ?? [])
    .slice(0, 10)
    .map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
