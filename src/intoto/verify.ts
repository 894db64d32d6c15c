import { VouchError } from '../errors.js';
import { checkItemRules, parseRule, type RuleFailure, sameHashes } from './artifact-rules.js';
import type { PublicKeyDict } from './keys.js';
import { type Metadata, verifyMetadataSignature } from './metadata.js';
import {
  INTOTO_LIMITS,
  type Inspection,
  type Layout,
  type LayoutKey,
  type Link,
  type Step,
} from './model.js';

/**
 * Final product verification, in the reference implementation's order (in_toto_verify): layout
 * signatures (every given layout key must have signed), expiry, links per step (`STEP.KEYID8.link`),
 * link signatures by authorized functionaries and step thresholds, sublayouts (verified recursively
 * into a summary link), command alignment (a warning only), agreement of threshold links, artifact
 * rules of every step, then inspections run and their rules. The first failure is the answer, with
 * the step, rule and artifacts that caused it. The caller supplies I/O: loading links, running inspections.
 */
export type FailureKind =
  | 'layout-signature'
  | 'layout-expired'
  | 'layout-invalid'
  | 'link-not-found'
  | 'threshold'
  | 'artifact-rule'
  | 'inspection-failed'
  | 'inspections-disabled';

export interface VerifyFailure {
  readonly kind: FailureKind;
  readonly message: string;
  /** The step or inspection (with its sublayout path, `outer/inner`). */
  readonly item?: string;
  readonly rule?: RuleFailure;
}

export type VerifyResult =
  | { readonly ok: true; readonly summary: Link; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly failure: VerifyFailure; readonly warnings: readonly string[] };

/** Where link metadata comes from: the files of one link directory, and its sublayout directories. */
export interface LinkSource {
  /** `STEP.KEYID8.link` in this directory, or undefined when there is none. */
  load(step: string, keyid: string): Promise<Metadata | undefined>;
  /** The directory of a sublayout's links: `STEP.KEYID8/`. */
  sublayout(step: string, keyid: string): LinkSource;
}

export interface VerifyDeps {
  readonly links: LinkSource;
  readonly now: Date;
  /** Runs an inspection's command and records its link; undefined when inspections are disabled. */
  readonly runInspection?: (inspection: Inspection) => Promise<Link>;
}

class Failed extends Error {
  constructor(readonly failure: VerifyFailure) {
    super(failure.message);
  }
}

function fail(kind: FailureKind, message: string, item?: string, rule?: RuleFailure): never {
  throw new Failed({ kind, message, ...(item !== undefined ? { item } : {}), ...(rule ? { rule } : {}) });
}

/** Verifies a signed root layout against the given layout keys. Never throws for a failing chain. */
export async function verifyLayout(
  layoutMeta: Metadata,
  layoutKeys: readonly PublicKeyDict[],
  deps: VerifyDeps,
): Promise<VerifyResult> {
  const warnings: string[] = [];
  try {
    const summary = await verifyOne(layoutMeta, layoutKeys, deps.links, deps, warnings, '', 0);
    return { ok: true, summary, warnings };
  } catch (e) {
    if (e instanceof Failed) return { ok: false, failure: e.failure, warnings };
    throw e;
  }
}

async function verifyOne(
  meta: Metadata,
  keys: readonly PublicKeyDict[],
  source: LinkSource,
  deps: VerifyDeps,
  warnings: string[],
  name: string,
  depth: number,
): Promise<Link> {
  const where = (item: string) => (name ? `${name}/${item}` : item);
  if (meta.payload.kind !== 'layout') fail('layout-invalid', 'the root metadata is a link, not a layout');
  const layout = meta.payload.layout;
  if (keys.length === 0) fail('layout-signature', 'layout signature verification requires at least one key');
  for (const key of keys) {
    if (!verifyMetadataSignature(meta, key)) {
      fail(
        'layout-signature',
        `${name ? `sublayout '${name}'` : 'the layout'} has no valid signature by key ${key.keyid}`,
      );
    }
  }
  if (Date.parse(layout.expires) <= deps.now.getTime()) {
    fail('layout-expired', `${name ? `sublayout '${name}'` : 'the layout'} expired at ${layout.expires}`);
  }
  for (const item of [...layout.steps, ...layout.inspect]) {
    for (const r of [...item.expected_materials, ...item.expected_products]) {
      try {
        parseRule(r);
      } catch (e) {
        fail('layout-invalid', `${where(item.name)}: ${(e as Error).message}`, where(item.name));
      }
    }
  }

  // load_links_for_layout + verify_link_signature_thresholds
  const verified = new Map<string, Map<string, Metadata>>();
  for (const step of layout.steps) {
    const found = await loadStepLinks(step, layout, source);
    if (found.size < step.threshold) {
      fail(
        'link-not-found',
        `step '${where(step.name)}' requires ${step.threshold} link metadata file(s), found ${found.size}`,
        where(step.name),
      );
    }
    verified.set(step.name, checkLinkSignatures(step, layout, found, warnings, where(step.name)));
  }

  // verify_sublayouts: a "link" that is a layout is verified in its own directory, into a summary link.
  const chain = new Map<string, Map<string, Link>>();
  for (const step of layout.steps) {
    const byKey = new Map<string, Link>();
    for (const [keyid, m] of verified.get(step.name) ?? new Map<string, Metadata>()) {
      if (m.payload.kind === 'layout') {
        if (depth + 1 > INTOTO_LIMITS.sublayoutDepthMax) {
          fail(
            'layout-invalid',
            `sublayouts nest more than ${INTOTO_LIMITS.sublayoutDepthMax} deep at '${where(step.name)}'`,
            where(step.name),
          );
        }
        const key = layout.keys.get(keyid);
        byKey.set(
          keyid,
          await verifyOne(
            m,
            key ? [key] : [],
            source.sublayout(step.name, keyid),
            deps,
            warnings,
            where(step.name),
            depth + 1,
          ),
        );
      } else byKey.set(keyid, m.payload.link);
    }
    chain.set(step.name, byKey);
  }

  // verify_all_steps_command_alignment: a mismatch is only a warning in the reference.
  for (const step of layout.steps) {
    for (const link of chain.get(step.name)?.values() ?? []) {
      if (JSON.stringify(link.command) !== JSON.stringify(step.expected_command)) {
        warnings.push(
          `step '${where(step.name)}': command ${JSON.stringify(link.command)} differs from the expected ${JSON.stringify(step.expected_command)}`,
        );
      }
    }
  }

  // verify_threshold_constraints: links counted toward a threshold must agree on every artifact.
  for (const step of layout.steps) {
    if (step.threshold <= 1) continue;
    const links = [...(chain.get(step.name)?.entries() ?? [])];
    if (links.length < step.threshold)
      fail(
        'threshold',
        `step '${where(step.name)}' was not performed by enough functionaries`,
        where(step.name),
      );
    const [refId, ref] = links[0] ?? ['', undefined];
    for (const [id, link] of links) {
      if (
        ref &&
        !(sameArtifacts(ref.materials, link.materials) && sameArtifacts(ref.products, link.products))
      ) {
        fail(
          'threshold',
          `links '${step.name}.${refId.slice(0, 8)}.link' and '${step.name}.${id.slice(0, 8)}.link' have different artifacts`,
          where(step.name),
        );
      }
    }
  }

  const reduced = new Map<string, Link>();
  for (const step of layout.steps) {
    const first = chain.get(step.name)?.values().next().value;
    if (first) reduced.set(step.name, first);
  }
  for (const step of layout.steps) checkRules(step, reduced, where);

  if (layout.inspect.length > 0) {
    if (!deps.runInspection) {
      fail(
        'inspections-disabled',
        `the layout has ${layout.inspect.length} inspection(s) and inspections are disabled`,
        where(layout.inspect[0]?.name ?? ''),
      );
    }
    const combined = new Map(reduced);
    for (const inspection of layout.inspect) {
      let link: Link;
      try {
        link = await deps.runInspection(inspection);
      } catch (e) {
        // A hung inspection is stopped at its time limit; the chain is then not verified (exit 1).
        if (e instanceof VouchError && e.code === 'TIMEOUT')
          fail(
            'inspection-failed',
            `inspection '${where(inspection.name)}': ${e.message}`,
            where(inspection.name),
          );
        throw e;
      }
      const rv = link.byproducts['return-value'];
      if (rv !== 0) {
        fail(
          'inspection-failed',
          `inspection '${where(inspection.name)}' (${inspection.run.join(' ')}) exited with ${String(rv)}`,
          where(inspection.name),
        );
      }
      combined.set(inspection.name, link);
    }
    for (const inspection of layout.inspect) checkRules(inspection, combined, where);
  }

  // get_summary_link: materials of the first step, products (and command, byproducts) of the last.
  const first = layout.steps[0] ? reduced.get(layout.steps[0].name) : undefined;
  const last = layout.steps.at(-1) ? reduced.get(layout.steps.at(-1)?.name ?? '') : undefined;
  return {
    _type: 'link',
    name,
    materials: first?.materials ?? new Map(),
    products: last?.products ?? new Map(),
    byproducts: last?.byproducts ?? {},
    command: last?.command ?? [],
    environment: {},
  };
}

function checkRules(
  item: Step | Inspection,
  links: ReadonlyMap<string, Link>,
  where: (s: string) => string,
): void {
  for (const side of ['materials', 'products'] as const) {
    const failure = checkItemRules(item, side, links);
    if (failure) fail('artifact-rule', `${where(item.name)}: ${failure.message}`, where(item.name), failure);
  }
}

function sameArtifacts(
  a: ReadonlyMap<string, Readonly<Record<string, string>>>,
  b: ReadonlyMap<string, Readonly<Record<string, string>>>,
): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!sameHashes(v, w)) return false;
  }
  return true;
}

async function loadStepLinks(step: Step, layout: Layout, source: LinkSource): Promise<Map<string, Metadata>> {
  const out = new Map<string, Metadata>();
  for (const authorized of step.pubkeys) {
    const subkeys = Object.keys(layout.keys.get(authorized)?.subkeys ?? {});
    for (const keyid of [authorized, ...subkeys]) {
      const m = await source.load(step.name, keyid);
      if (m) out.set(keyid, m);
    }
  }
  return out;
}

/** verify_link_signature_thresholds for one step: links by authorized keys with valid signatures. */
function checkLinkSignatures(
  step: Step,
  layout: Layout,
  links: Map<string, Metadata>,
  warnings: string[],
  where: string,
): Map<string, Metadata> {
  const mainForSub = new Map<string, LayoutKey>();
  for (const main of layout.keys.values())
    for (const sub of Object.keys(main.subkeys ?? {})) mainForSub.set(sub, main);
  const verified = new Map<string, Metadata>();
  const usedMain = new Set<string>();
  for (const [linkKeyid, link] of links) {
    let key: LayoutKey | undefined;
    for (const authorized of step.pubkeys) {
      const k = layout.keys.get(authorized);
      if (k && linkKeyid === authorized) key = k;
      else if (mainForSub.has(authorized) && linkKeyid === authorized) key = mainForSub.get(authorized);
      else if (k?.subkeys && Object.hasOwn(k.subkeys, linkKeyid)) key = k;
      if (key) break;
    }
    if (!key) {
      warnings.push(
        `step '${where}': skipped a link by key ${linkKeyid}, which is not authorized for this step`,
      );
      continue;
    }
    if (!verifyMetadataSignature(link, key)) {
      warnings.push(`step '${where}': skipped the link by key ${linkKeyid}: its signature is not valid`);
      continue;
    }
    if (usedMain.has(key.keyid))
      warnings.push(`step '${where}': links by several subkeys of key ${key.keyid} count once`);
    usedMain.add(key.keyid);
    verified.set(linkKeyid, link);
  }
  if (usedMain.size < step.threshold) {
    fail(
      'threshold',
      `step '${where}' requires at least ${step.threshold} link(s) validly signed by different authorized functionaries; found ${usedMain.size}`,
      where,
    );
  }
  return verified;
}
