/**
 * YAML lockfiles (pnpm-lock.yaml, yarn berry's yarn.lock) parsed defensively: size capped, alias
 * expansion capped (`maxAliasCount`, the alias-bomb defence), and flow-collection nesting capped
 * before the parser sees the text, because deeply nested `[[[[...` makes the yaml package's lexer
 * spend seconds and then exhaust memory. Real lockfiles never nest flow collections beyond a few levels.
 */
import { parse as parseYaml } from 'yaml';
import { VouchError } from '../../errors.js';
import { defaultLimits } from '../../limits.js';
import { lineAt } from '../parse-json.js';

const FLOW_DEPTH_MAX = 64;

/** Parses lockfile YAML. @throws INPUT_MALFORMED (naming the line when known), INPUT_TOO_LARGE */
export function parseLockfileYaml(source: string, path: string): unknown {
  if (source.length > defaultLimits.yamlMaxBytes * 4) {
    throw new VouchError('INPUT_TOO_LARGE', `${path}: ${source.length} characters of YAML is over the limit`);
  }
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > FLOW_DEPTH_MAX) {
        throw new VouchError(
          'INPUT_MALFORMED',
          `${path}:${lineAt(source, i)}: flow collections nested deeper than ${FLOW_DEPTH_MAX}`,
        );
      }
    } else if (c === 0x5d || c === 0x7d) depth = Math.max(0, depth - 1);
    else if (c === 0x0a) depth = Math.min(depth, FLOW_DEPTH_MAX);
  }
  try {
    return parseYaml(source, { maxAliasCount: defaultLimits.yamlMaxAliasCount, prettyErrors: true });
  } catch (e) {
    throw new VouchError(
      'INPUT_MALFORMED',
      `${path}: invalid YAML (${e instanceof Error ? e.message : String(e)})`,
      {
        cause: e,
      },
    );
  }
}
