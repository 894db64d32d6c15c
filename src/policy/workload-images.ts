import jmespath from 'jmespath';
import { VouchError } from '../errors.js';

/**
 * The one place vouch finds the images of a Kubernetes object: the built-in pod-spec kinds (Pod and
 * every kind with a pod template), and Kyverno `imageExtractors` for any kind. Pure: object in, image
 * fields out, each with the RFC 6901 pointer of its field so a digest pin can be patched in.
 */

export type ContainerList = 'containers' | 'initContainers' | 'ephemeralContainers';

/** Where each built-in kind keeps its pod spec (path segments from the object's root). */
const POD_SPEC_PATH: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** The kinds whose images vouch finds without any extractor. */
export const WORKLOAD_KINDS: readonly string[] = Object.keys(POD_SPEC_PATH);

/** The built-in kinds other than Pod: Kyverno autogen extends Pod rules to these. */
export const POD_TEMPLATE_KINDS: readonly string[] = WORKLOAD_KINDS.filter((k) => k !== 'Pod');

export function isWorkloadKind(kind: string): boolean {
  return Object.hasOwn(POD_SPEC_PATH, kind);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 6901 section 3: `~` is written `~0` and `/` is written `~1`. */
export function escapePointer(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** One container slot of a pod spec, before either caller's rules for bad entries apply. */
interface ContainerSlot {
  readonly list: ContainerList;
  readonly index: number;
  readonly entry: unknown;
  readonly pointer: string;
}

type PodSpecWalk =
  | { readonly kind: 'unsupported' }
  | { readonly kind: 'no-spec'; readonly at: string }
  | {
      readonly kind: 'ok';
      readonly at: string;
      /** Per list: its slots, `undefined` when absent, `not-a-list` when the field holds something else. */
      readonly lists: ReadonlyMap<ContainerList, readonly ContainerSlot[] | 'not-a-list'>;
    };

function walkPodSpec(kind: string, object: unknown): PodSpecWalk {
  const path = isWorkloadKind(kind) ? POD_SPEC_PATH[kind] : undefined;
  if (path === undefined) return { kind: 'unsupported' };
  const at = `/${path.map(escapePointer).join('/')}`;
  let node: unknown = object;
  for (const seg of path) node = isRecord(node) ? node[seg] : undefined;
  if (!isRecord(node)) return { kind: 'no-spec', at };
  const lists = new Map<ContainerList, readonly ContainerSlot[] | 'not-a-list'>();
  for (const list of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    const v = node[list];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v)) {
      lists.set(list, 'not-a-list');
      continue;
    }
    lists.set(
      list,
      v.map((entry: unknown, index) => ({ list, index, entry, pointer: `${at}/${list}/${index}/image` })),
    );
  }
  return { kind: 'ok', at, lists };
}

/** One image field of a workload as the webhook sees it (lenient: never throws). */
export interface ImageField {
  readonly image: string;
  readonly pointer: string;
  readonly list: ContainerList;
  readonly container: string;
}

/**
 * Every container, initContainer and ephemeralContainer image of a Pod or pod-template workload, for
 * the webhook: a container whose `image` is not a string is reported with an empty image so the caller
 * can deny it rather than skip it silently. Unknown kinds and wrong shapes have no images.
 */
export function workloadImageFields(kind: string, object: unknown): ImageField[] {
  const walk = walkPodSpec(kind, object);
  if (walk.kind !== 'ok') return [];
  const out: ImageField[] = [];
  // The webhook reports regular containers first: they are what a denial usually names.
  for (const list of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
    const slots = walk.lists.get(list);
    if (slots === undefined || slots === 'not-a-list') continue;
    for (const s of slots) {
      const rec = isRecord(s.entry) ? s.entry : {};
      out.push({
        image: typeof rec['image'] === 'string' ? rec['image'] : '',
        pointer: s.pointer,
        list,
        container: typeof rec['name'] === 'string' ? rec['name'] : `#${s.index}`,
      });
    }
  }
  return out;
}

/** One container image in a workload, with the JSON pointer of its `image` field for a JSONPatch. */
export interface WorkloadImage {
  readonly image: string;
  readonly container: string;
  readonly containerType: ContainerList;
  /** RFC 6901 pointer to the `image` string, e.g. `/spec/template/spec/containers/0/image`. */
  readonly pointer: string;
}

/**
 * Lists every container image of a Pod or pod-template workload, strictly (for `policy test
 * --resource`, where a malformed file is the user's to fix), in Kyverno's order: init, regular,
 * ephemeral.
 * @throws INPUT_MALFORMED when the object has no kind or its containers are not a list of objects
 * @throws UNSUPPORTED for a kind without a pod template
 */
export function workloadImages(object: unknown): WorkloadImage[] {
  if (!isRecord(object) || typeof object['kind'] !== 'string') {
    throw new VouchError('INPUT_MALFORMED', 'resource has no kind', {
      hint: 'give a Kubernetes object with apiVersion and kind',
    });
  }
  const kind = object['kind'];
  const walk = walkPodSpec(kind, object);
  if (walk.kind === 'unsupported') {
    throw new VouchError('UNSUPPORTED', `resource kind ${kind} has no pod template`, {
      hint: `supported kinds: ${WORKLOAD_KINDS.join(', ')}; other kinds need a Kyverno rule with imageExtractors`,
    });
  }
  if (walk.kind === 'no-spec') throw new VouchError('INPUT_MALFORMED', `${kind}: no pod spec at ${walk.at}`);
  const out: WorkloadImage[] = [];
  for (const [containerType, slots] of walk.lists) {
    if (slots === 'not-a-list')
      throw new VouchError('INPUT_MALFORMED', `${kind}: ${walk.at}/${containerType} is not a list`);
    for (const s of slots) {
      const c = s.entry;
      if (!isRecord(c) || typeof c['image'] !== 'string' || c['image'] === '') {
        throw new VouchError(
          'INPUT_MALFORMED',
          `${kind}: ${walk.at}/${containerType}/${s.index} has no image`,
        );
      }
      out.push({
        image: c['image'],
        container: typeof c['name'] === 'string' ? c['name'] : `${containerType}[${s.index}]`,
        containerType,
        pointer: s.pointer,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Kyverno imageExtractors

/**
 * One Kyverno `imageExtractors` entry, normalised as Kyverno's lookup does: `path` split on `/` with
 * empty segments dropped; without `value`, the last segment names the image field.
 */
export interface ImageExtractor {
  /** The path as written, for messages. */
  readonly path: string;
  /** Segments leading to the object holding the image field; `*` expands a list or a map. */
  readonly fields: readonly string[];
  /** The field of that object holding the image. */
  readonly value: string;
  /** The `images.<name>` group (Kyverno default `custom`). */
  readonly name: string;
  /** The field of that object naming the entry; absent: the entry is named by its pointer. */
  readonly key?: string;
  /** Applied to the extracted string; must give a string. */
  readonly jmesPath?: string;
}

/** Extractors by kind, as a rule's `imageExtractors` maps them. */
export type ImageExtractorConfigs = Readonly<Record<string, readonly ImageExtractor[]>>;

/** Deepest `path` accepted: the walk recurses once per segment. */
export const EXTRACTOR_PATH_SEGMENTS_MAX = 32;

/** An image found by an extractor. */
export interface ExtractedImage {
  readonly image: string;
  /** RFC 6901 pointer of the field the image was read from. */
  readonly pointer: string;
  /** The extractor's `name` (Kyverno's `images.<name>` group). */
  readonly name: string;
  /** The `key` field's value, or the pointer when the extractor has no key. */
  readonly key: string;
}

/** Why an extractor path is unusable, or undefined. Mirrors Kyverno's normalisation of `path`. */
export function extractorPathProblem(path: string, value: string | undefined): string | undefined {
  const fields = path
    .split('/')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (fields.length === 0) return 'path names no field';
  if (fields.length > EXTRACTOR_PATH_SEGMENTS_MAX)
    return `path has ${fields.length} segments; at most ${EXTRACTOR_PATH_SEGMENTS_MAX} are accepted`;
  const partial = fields.find((f) => f !== '*' && f.includes('*'));
  if (partial !== undefined)
    return `segment "${partial}" mixes * with other characters; only a whole-segment * wildcard expands`;
  if (value === undefined && fields[fields.length - 1] === '*')
    return 'the last segment names the image field and cannot be *; end the path at the list and set value';
  return undefined;
}

/** Builds an extractor from a checked config entry (see extractorPathProblem). */
export function imageExtractor(cfg: {
  path: string;
  value?: string;
  name?: string;
  key?: string;
  jmesPath?: string;
}): ImageExtractor {
  const fields = cfg.path
    .split('/')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const value = cfg.value === undefined || cfg.value === '' ? fields.pop() : cfg.value;
  if (value === undefined)
    throw new VouchError('POLICY_INVALID', `imageExtractors path "${cfg.path}" names no field`);
  return {
    path: cfg.path,
    fields,
    value,
    name: cfg.name || 'custom',
    ...(cfg.key ? { key: cfg.key } : {}),
    ...(cfg.jmesPath ? { jmesPath: cfg.jmesPath } : {}),
  };
}

function malformed(e: ImageExtractor, pointer: string, what: string): VouchError {
  return new VouchError(
    'INPUT_MALFORMED',
    `imageExtractors path "${e.path}": ${what} at "${pointer || '/'}"`,
    {
      hint: 'fix the object, or the rule’s imageExtractors path',
    },
  );
}

/**
 * The images `extractors` find in `object`, as Kyverno extracts them: `*` expands every element of a
 * list or every entry of a map; a missing field yields nothing; an object field whose `value` is not a
 * non-empty string is "no image there" and skipped. Entries with the same key keep the last one.
 * Iterative, so a deep object cannot exhaust the stack; the work is bounded by the object's size.
 * @throws INPUT_MALFORMED where the object's shape contradicts the path (a wildcard over a scalar, a
 *   named field of a non-object, a key that is not a string) or jmesPath does not give a string
 */
export function extractWithExtractors(
  object: unknown,
  extractors: readonly ImageExtractor[],
): ExtractedImage[] {
  const byKey = new Map<string, ExtractedImage>();
  for (const e of extractors) {
    // Depth-first, in document order, as Kyverno's recursion visits it.
    const stack: { node: unknown; pointer: string; depth: number }[] = [
      { node: object, pointer: '', depth: 0 },
    ];
    while (stack.length > 0) {
      const { node, pointer, depth } = stack.pop() as { node: unknown; pointer: string; depth: number };
      if (node === undefined || node === null) continue;
      const field = e.fields[depth];
      if (field === '*') {
        const children: { node: unknown; pointer: string; depth: number }[] = [];
        if (Array.isArray(node)) {
          node.forEach((v: unknown, i) => {
            children.push({ node: v, pointer: `${pointer}/${i}`, depth: depth + 1 });
          });
        } else if (isRecord(node)) {
          for (const [k, v] of Object.entries(node))
            children.push({ node: v, pointer: `${pointer}/${escapePointer(k)}`, depth: depth + 1 });
        } else throw malformed(e, pointer, 'wildcard over a scalar');
        for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as (typeof children)[number]);
        continue;
      }
      if (!isRecord(node)) throw malformed(e, pointer, 'expected an object');
      if (field !== undefined) {
        stack.push({
          node: Object.hasOwn(node, field) ? node[field] : undefined,
          pointer: `${pointer}/${escapePointer(field)}`,
          depth: depth + 1,
        });
        continue;
      }
      const at = `${pointer}/${escapePointer(e.value)}`;
      let key = at;
      if (e.key !== undefined) {
        const k = Object.hasOwn(node, e.key) ? node[e.key] : undefined;
        if (typeof k !== 'string') throw malformed(e, pointer, `key field "${e.key}" is not a string`);
        key = k;
      }
      const raw = Object.hasOwn(node, e.value) ? node[e.value] : undefined;
      if (typeof raw !== 'string' || raw.trim() === '') continue;
      let image = raw;
      if (e.jmesPath !== undefined) {
        let r: unknown;
        try {
          r = jmespath.search(raw, e.jmesPath);
        } catch (err) {
          throw malformed(
            e,
            at,
            `jmesPath "${e.jmesPath}" failed: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
        if (typeof r !== 'string') throw malformed(e, at, `jmesPath "${e.jmesPath}" must produce a string`);
        image = r;
      }
      byKey.set(key, { image, pointer: at, name: e.name, key });
    }
  }
  return [...byKey.values()];
}

/** The extractors `configs` holds for `kind`, or undefined when it has none (Kyverno's defaults apply). */
export function extractorsFor(
  configs: ImageExtractorConfigs | undefined,
  kind: string,
): readonly ImageExtractor[] | undefined {
  return configs !== undefined && Object.hasOwn(configs, kind) ? configs[kind] : undefined;
}
