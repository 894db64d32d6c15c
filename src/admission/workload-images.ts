/** One image field of a workload, with the RFC 6901 JSON pointer of that field in the object. */
export interface ImageField {
  readonly image: string;
  readonly pointer: string;
  /** `containers` | `initContainers` | `ephemeralContainers` */
  readonly list: ContainerList;
  readonly container: string;
}

export type ContainerList = 'containers' | 'initContainers' | 'ephemeralContainers';

const LISTS: readonly ContainerList[] = ['containers', 'initContainers', 'ephemeralContainers'];

/**
 * Where each kind keeps its pod spec. Pods carry it at /spec; pod-template workloads at
 * /spec/template/spec; CronJob one level deeper, in its job template.
 */
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

/** The kinds whose images vouch checks. */
export const WORKLOAD_KINDS: readonly string[] = Object.keys(POD_SPEC_PATH);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 6901 section 3: `~` is written `~0` and `/` is written `~1`. */
function escapePointer(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * Every container, initContainer and ephemeralContainer image of a Pod or pod-template workload, with the
 * JSON pointer of each image field. A container whose `image` is not a string is reported with an empty
 * image so the caller can deny it rather than skip it silently. Unknown kinds have no images.
 */
export function extractImages(kind: string, object: Readonly<Record<string, unknown>>): ImageField[] {
  const path = POD_SPEC_PATH[kind];
  if (path === undefined) return [];
  let node: unknown = object;
  for (const seg of path) {
    if (!isRecord(node)) return [];
    node = node[seg];
  }
  if (!isRecord(node)) return [];
  const base = `/${path.map(escapePointer).join('/')}`;
  const out: ImageField[] = [];
  for (const list of LISTS) {
    const containers = node[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((c: unknown, i) => {
      const rec = isRecord(c) ? c : {};
      const name = typeof rec.name === 'string' ? rec.name : `#${i}`;
      out.push({
        image: typeof rec.image === 'string' ? rec.image : '',
        pointer: `${base}/${list}/${i}/image`,
        list,
        container: name,
      });
    });
  }
  return out;
}
