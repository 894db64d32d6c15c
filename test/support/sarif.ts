import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

const SCHEMA = join(import.meta.dirname, '..', 'fixtures', 'vuln', 'schemas', 'sarif-schema-2.1.0.json');

/**
 * A validator for the OASIS SARIF 2.1.0 schema (errata01), failing the test with the first errors. The
 * schema is draft-04: ajv 8 reads it once `id` is spelled `$id` and the draft-04 meta-schema reference
 * is dropped (the schema uses no other draft-04-only keyword).
 */
export async function sarifValidator(): Promise<(v: unknown) => void> {
  const schema = JSON.parse(await readFile(SCHEMA, 'utf8')) as Record<string, unknown>;
  const { $schema: _meta, id, ...rest } = schema;
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  (addFormatsModule as unknown as (a: Ajv) => void)(ajv);
  const validate = ajv.compile({ ...rest, $id: String(id) });
  return (v) => {
    if (!validate(v)) assert.fail(JSON.stringify(validate.errors?.slice(0, 5), null, 2));
  };
}
