import { VouchError } from '../errors.js';
import { fnmatchFilter } from './fnmatch.js';
import type { ArtifactMap, Link, RuleText, SupplyChainItem } from './model.js';

/**
 * Artifact rules, exactly as the reference implementation's verifylib applies them: each item's
 * materials (then products) form a queue; rules run in order, and each consumes what it matches —
 * MATCH (same path and hashes in another step's materials or products, with optional prefixes), CREATE
 * (a product not among the materials), DELETE (a material not among the products), MODIFY (in both,
 * with other hashes), ALLOW; DISALLOW fails if anything left in the queue matches, REQUIRE fails if a
 * path is not in the queue. Patterns are Python fnmatch patterns (`*` crosses `/`).
 */
export type Rule =
  | {
      readonly type: 'create' | 'delete' | 'modify' | 'allow' | 'disallow' | 'require';
      readonly pattern: string;
    }
  | {
      readonly type: 'match';
      readonly pattern: string;
      readonly sourcePrefix: string;
      readonly destType: 'materials' | 'products';
      readonly destPrefix: string;
      readonly destName: string;
    };

const GENERIC = new Set(['create', 'modify', 'delete', 'allow', 'disallow', 'require']);

/** rulelib.unpack_rule. @throws POLICY_INVALID naming the rule */
export function parseRule(rule: RuleText): Rule {
  const lower = rule.map((r) => r.toLowerCase());
  const type = lower[0] ?? '';
  const pattern = rule[1];
  const wrong = (why: string) =>
    new VouchError('INPUT_MALFORMED', `artifact rule ${JSON.stringify(rule)}: ${why}`, {
      hint: 'rules are CREATE|DELETE|MODIFY|ALLOW|DISALLOW|REQUIRE <pattern> or MATCH <pattern> [IN <prefix>] WITH (MATERIALS|PRODUCTS) [IN <prefix>] FROM <step>',
    });
  if (rule.length < 2 || pattern === undefined || !(GENERIC.has(type) || type === 'match')) {
    throw wrong('a rule starts with its type and a pattern');
  }
  if (GENERIC.has(type)) {
    if (rule.length !== 2) throw wrong(`a ${type.toUpperCase()} rule has exactly one pattern`);
    return { type: type as 'create', pattern };
  }
  let sourcePrefix = '';
  let destPrefix = '';
  let destType: string | undefined;
  let destName: string | undefined;
  if (
    rule.length === 10 &&
    lower[2] === 'in' &&
    lower[4] === 'with' &&
    lower[6] === 'in' &&
    lower[8] === 'from'
  ) {
    sourcePrefix = rule[3] ?? '';
    destType = lower[5];
    destPrefix = rule[7] ?? '';
    destName = rule[9];
  } else if (rule.length === 8 && lower[2] === 'in' && lower[4] === 'with' && lower[6] === 'from') {
    sourcePrefix = rule[3] ?? '';
    destType = lower[5];
    destName = rule[7];
  } else if (rule.length === 8 && lower[2] === 'with' && lower[4] === 'in' && lower[6] === 'from') {
    destType = lower[3];
    destPrefix = rule[5] ?? '';
    destName = rule[7];
  } else if (rule.length === 6 && lower[2] === 'with' && lower[4] === 'from') {
    destType = lower[3];
    destName = rule[5];
  } else throw wrong('MATCH <pattern> [IN <prefix>] WITH (MATERIALS|PRODUCTS) [IN <prefix>] FROM <step>');
  if (destType !== 'materials' && destType !== 'products')
    throw wrong('MATCH needs MATERIALS or PRODUCTS after WITH');
  return { type: 'match', pattern, sourcePrefix, destType, destPrefix, destName: destName ?? '' };
}

/** Python's os.path.join(prefix, path) with forward slashes, as verify_match_rule builds paths. */
function joinPrefix(prefix: string, path: string): string {
  if (path.startsWith('/')) return path;
  if (prefix === '' || prefix.endsWith('/')) return `${prefix}${path}`;
  return `${prefix}/${path}`;
}

/** Python's dict equality of two {algorithm: digest} maps. */
export function sameHashes(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  if (a === undefined || b === undefined) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/** Why an item's artifacts broke its rules, for a person: the item, the rule, the artifacts. */
export interface RuleFailure {
  readonly item: string;
  readonly sourceType: 'materials' | 'products';
  readonly rule: RuleText;
  readonly artifacts: readonly string[];
  readonly message: string;
  /** The queue after each rule before the failing one, as the reference's trace prints it. */
  readonly trace: ReadonlyArray<{ rule: RuleText; queue: readonly string[] }>;
}

function matchRule(
  rule: Extract<Rule, { type: 'match' }>,
  queue: ReadonlySet<string>,
  source: ArtifactMap,
  links: ReadonlyMap<string, Link>,
): Set<string> {
  const consumed = new Set<string>();
  const dest = links.get(rule.destName);
  if (!dest) return consumed;
  const destArtifacts = rule.destType === 'materials' ? dest.materials : dest.products;
  let candidates: string[];
  if (rule.sourcePrefix) {
    const prefix = joinPrefix(rule.sourcePrefix, '');
    candidates = [...queue].filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length));
  } else candidates = [...queue];
  for (const path of fnmatchFilter(candidates, rule.pattern)) {
    const full = rule.sourcePrefix ? joinPrefix(rule.sourcePrefix, path) : path;
    const destPath = rule.destPrefix ? joinPrefix(rule.destPrefix, path) : path;
    if (!destArtifacts.has(destPath)) continue;
    if (!sameHashes(source.get(full), destArtifacts.get(destPath))) continue;
    consumed.add(full);
  }
  return consumed;
}

/**
 * verify_item_rules for one item and one side. `links` holds the (reduced) link of every step and
 * inspection by name. Returns undefined when the rules hold, or the first failure.
 */
export function checkItemRules(
  item: SupplyChainItem,
  sourceType: 'materials' | 'products',
  links: ReadonlyMap<string, Link>,
): RuleFailure | undefined {
  const link = links.get(item.name);
  if (!link) {
    return {
      item: item.name,
      sourceType,
      rule: [],
      artifacts: [],
      message: `no link for '${item.name}'`,
      trace: [],
    };
  }
  const materials = link.materials;
  const products = link.products;
  const source = sourceType === 'materials' ? materials : products;
  const queue = new Set(source.keys());
  const trace: Array<{ rule: RuleText; queue: string[] }> = [];
  const rulesText = sourceType === 'materials' ? item.expected_materials : item.expected_products;
  for (const text of rulesText) {
    const rule = parseRule(text);
    let consumed = new Set<string>();
    switch (rule.type) {
      case 'match':
        consumed = matchRule(rule, queue, source, links);
        break;
      case 'create':
        for (const p of fnmatchFilter(queue, rule.pattern))
          if (products.has(p) && !materials.has(p)) consumed.add(p);
        break;
      case 'delete':
        for (const p of fnmatchFilter(queue, rule.pattern))
          if (materials.has(p) && !products.has(p)) consumed.add(p);
        break;
      case 'modify':
        for (const p of fnmatchFilter(queue, rule.pattern)) {
          if (materials.has(p) && products.has(p) && !sameHashes(materials.get(p), products.get(p)))
            consumed.add(p);
        }
        break;
      case 'allow':
        consumed = new Set(fnmatchFilter(queue, rule.pattern));
        break;
      case 'disallow': {
        const hit = fnmatchFilter(queue, rule.pattern).sort();
        if (hit.length > 0) {
          return {
            item: item.name,
            sourceType,
            rule: text,
            artifacts: hit,
            message: `'DISALLOW ${rule.pattern}' matched ${hit.map((h) => `'${h}'`).join(', ')} in the ${sourceType} of '${item.name}'`,
            trace,
          };
        }
        break;
      }
      case 'require':
        if (!queue.has(rule.pattern)) {
          return {
            item: item.name,
            sourceType,
            rule: text,
            artifacts: [rule.pattern],
            message: `'REQUIRE ${rule.pattern}' did not find '${rule.pattern}' in the ${sourceType} of '${item.name}'`,
            trace,
          };
        }
        break;
    }
    for (const c of consumed) queue.delete(c);
    trace.push({ rule: text, queue: [...queue].sort() });
  }
  return undefined;
}
