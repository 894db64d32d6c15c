import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';

/**
 * An ajv validator for a CRD's openAPIV3Schema. The API server prunes fields a structural schema does
 * not list, so the test version is closed (additionalProperties: false wherever `properties` is given):
 * a field vouch writes that the cluster would silently drop fails the test instead.
 */
export function crdValidator(schemaFile: string): ValidateFunction {
  const schema = close(JSON.parse(readFileSync(schemaFile, 'utf8')) as unknown);
  const ajv = new Ajv({ allErrors: true, strict: false });
  // OpenAPI formats the Kubernetes CRD uses for integers.
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
  });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  return ajv.compile(schema as object);
}

function close(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(close);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'properties' ? closeProps(v) : close(v);
  if ('properties' in out && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

function closeProps(props: unknown): unknown {
  if (props === null || typeof props !== 'object') return props;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) out[k] = close(v);
  return out;
}
