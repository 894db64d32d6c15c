/**
 * Kubernetes objects read out of manifest files: every YAML/JSON document, with `kind: List` (and the
 * `…List` kinds `kubectl get -o yaml` prints) expanded into its items, each object remembering its file,
 * its document and its path inside it so findings point at the line and column of the offending field.
 * A document that is not an object with apiVersion, kind and metadata.name cannot be audited; it is
 * reported as "not evaluated", never counted as a pass.
 */
import type { Finding, InputProblem, ObjectRef, Severity } from '../finding.js';
import type { SourceDocument } from '../yaml-source.js';
import { type FieldPath, formatPath } from './pss/pod-view.js';

export type Obj = Readonly<Record<string, unknown>>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface KubeObject {
  readonly file: string;
  readonly doc: SourceDocument;
  /** Path of the object inside its document ([] or ['items', 3]). */
  readonly path: FieldPath;
  readonly value: Obj;
  readonly ref: ObjectRef;
  /** `# Source: chart/templates/x.yaml` above the document in `helm template` output. */
  readonly renderedFrom?: string;
}

/** A file as given: its name for findings and its parsed documents. */
export interface ManifestFile {
  readonly file: string;
  readonly documents: readonly SourceDocument[];
  /** The file's text, to find `# Source:` comments of `helm template`. */
  readonly text: string;
}

export interface ObjectSet {
  readonly objects: readonly KubeObject[];
  readonly problems: readonly InputProblem[];
}

/** Position of a field of an object, 1-based. */
export function positionOf(
  o: KubeObject,
  field: FieldPath,
  opts?: { key?: boolean },
): { line: number; column: number; endLine: number; endColumn: number } {
  const at = o.doc.locate([...o.path, ...field], opts);
  return { line: at.start.line, column: at.start.column, endLine: at.end.line, endColumn: at.end.column };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** `# Source: x` comments with the 1-based line they are on, from `helm template` output. */
function sourceComments(text: string): { line: number; source: string }[] {
  const out: { line: number; source: string }[] = [];
  const lines = text.split('\n');
  for (const [i, l] of lines.entries()) {
    const m = /^# Source: (.+?)\s*$/.exec(l);
    if (m?.[1]) out.push({ line: i + 1, source: m[1] });
  }
  return out;
}

/**
 * Collects the objects of parsed manifest files.
 * Documents that are not objects, or lack apiVersion, kind or metadata.name, become problems.
 */
export function collectObjects(files: readonly ManifestFile[]): ObjectSet {
  const objects: KubeObject[] = [];
  const problems: InputProblem[] = [];
  for (const f of files) {
    const sources = f.text.includes('# Source: ') ? sourceComments(f.text) : [];
    for (const doc of f.documents) {
      const start = doc.locate([]).start;
      let renderedFrom: string | undefined;
      for (const s of sources) if (s.line <= start.line) renderedFrom = s.source;
      const add = (value: unknown, path: FieldPath) => {
        const where = doc.locate(path).start;
        const problem = (message: string) =>
          problems.push({
            file: f.file,
            line: where.line,
            column: where.column,
            code: 'INPUT_MALFORMED',
            message,
          });
        if (!isObj(value)) {
          problem(`${formatPath(path) || 'document'} is not a Kubernetes object (not a map); not evaluated`);
          return;
        }
        const kind = str(value.kind);
        const apiVersion = str(value.apiVersion);
        if (!kind || !apiVersion) {
          problem(
            `${formatPath(path) || 'document'} has no ${kind ? 'apiVersion' : 'kind'}; not a Kubernetes object, not evaluated`,
          );
          return;
        }
        if ((kind === 'List' || kind.endsWith('List')) && Array.isArray(value.items)) {
          for (const [i, item] of value.items.entries()) add(item, [...path, 'items', i]);
          return;
        }
        const metadata = isObj(value.metadata) ? value.metadata : undefined;
        const name = str(metadata?.name) ?? str(metadata?.generateName);
        if (!name) {
          problem(`${kind} ${formatPath(path) || ''} has no metadata.name; not evaluated`.replace('  ', ' '));
          return;
        }
        const namespace = str(metadata?.namespace);
        objects.push({
          file: f.file,
          doc,
          path,
          value,
          ref: { apiVersion, kind, name, ...(namespace ? { namespace } : {}) },
          ...(renderedFrom ? { renderedFrom } : {}),
        });
      };
      add(doc.value, []);
    }
  }
  return { objects, problems };
}

/** `apps/v1` → `apps`, `v1` → "" (the core group). */
export function apiGroup(apiVersion: string | undefined): string {
  if (!apiVersion) return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * A finding about a field of an object, at that field's position; objects rendered by `helm template`
 * name their template in `properties.renderedFrom`.
 */
export function objectFinding(
  o: KubeObject,
  rule: string,
  severity: Severity,
  field: FieldPath,
  message: string,
  properties?: Readonly<Record<string, unknown>>,
): Finding {
  const props = { ...properties, ...(o.renderedFrom ? { renderedFrom: o.renderedFrom } : {}) };
  return {
    rule,
    severity,
    confidence: 'high',
    file: o.file,
    ...positionOf(o, field),
    message,
    object: o.ref,
    ...(Object.keys(props).length > 0 ? { properties: props } : {}),
  };
}

/** The value at a path of keys and indexes, or undefined when the path does not exist. */
export function valueAt(value: unknown, path: FieldPath): unknown {
  let v: unknown = value;
  for (const step of path) {
    if (Array.isArray(v) && typeof step === 'number') v = v[step];
    else if (isObj(v) && typeof step === 'string') v = v[step];
    else return undefined;
  }
  return v;
}
