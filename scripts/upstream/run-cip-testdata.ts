// Runs the sigstore/policy-controller ClusterImagePolicy test data (test/testdata/policy-controller/valid
// and invalid) through vouch's policy loader, offline, in-process.
// - valid/*: must load with no error-severity issue.
// - e2e/*: the policies policy-controller's e2e tests apply; each must load too.
// - invalid/*: must be refused (at least one error issue, or a thrown VouchError). The file's `# ERROR:`
//   line(s) state the webhook's message; vouch's issues are printed beside it and judged "equivalent" by
//   field-path overlap (see `equivalent` below).
// Usage: npx tsx scripts/upstream/run-cip-testdata.ts <policy-controller checkout> [--verbose]
// Exit 0 when every valid file loads and every invalid file is refused, 1 otherwise. Nothing from the
// checkout is copied into this repository.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VouchError } from '../../src/errors.js';
import { formatIssues, type PolicyIssue, readPolicies } from '../../src/policy/index.js';

const args = process.argv.slice(2);
const checkout = args.find((a) => !a.startsWith('--'));
const verbose = args.includes('--verbose');
if (!checkout) {
  process.stderr.write('usage: npx tsx scripts/upstream/run-cip-testdata.ts <policy-controller checkout>\n');
  process.exit(2);
}
const root = join(checkout, 'test', 'testdata', 'policy-controller');
if (!existsSync(join(root, 'valid')) || !existsSync(join(root, 'invalid'))) {
  process.stderr.write(
    `${root}/{valid,invalid} do not exist: is ${checkout} a policy-controller checkout?\n`,
  );
  process.exit(2);
}

interface Outcome {
  readonly errors: readonly PolicyIssue[];
  /** A VouchError thrown before any document was read (YAML that cannot be parsed at all). */
  readonly thrown?: string;
  readonly loaded: number;
}

function run(file: string): Outcome {
  try {
    const r = readPolicies(readFileSync(file), file);
    const loaded = r.policies.cips.length + r.policies.kyverno.length + r.policies.trustRoots.length;
    return { errors: r.issues.filter((i) => i.severity === 'error'), loaded };
  } catch (e) {
    if (e instanceof VouchError) return { errors: [], thrown: `${e.code}: ${e.message}`, loaded: 0 };
    throw e;
  }
}

// Field paths in an `# ERROR:` line: dotted identifiers with optional [n] indexes, e.g.
// `spec.authorities[0].key.kms` or the fragment `keyless.identities`.
const PATH_RE = /[A-Za-z][\w-]*(?:\[\d+\])?(?:\.[A-Za-z][\w-]*(?:\[\d+\])?)+/g;

const segments = (p: string): string[] => p.split('.').filter((s) => s !== '');

/** True when one path's segments are a prefix of the other's, or `fragment` is a suffix/infix run of `full`. */
function related(expected: string, actual: string): boolean {
  const e = segments(expected);
  const a = segments(actual);
  const n = Math.min(e.length, a.length);
  if (n > 0 && e.slice(0, n).join('.') === a.slice(0, n).join('.')) return true;
  // A fragment such as `keyless.identities` (no `spec.` root): match it anywhere in the actual path,
  // ignoring list indexes so `keyless.identities` matches `spec.authorities[0].keyless.identities`.
  const strip = (s: string): string => s.replace(/\[\d+\]/g, '');
  if (e[0] !== 'spec') return strip(actual).includes(strip(expected));
  return false;
}

/**
 * The equivalence rule: every `# ERROR:` line names at least one field path, and for each line some vouch
 * error issue has a path related to one of that line's paths (equal, one a segment-prefix of the other,
 * or, for a fragment without `spec.`, contained in it). Wording is not compared: the webhook's Go
 * messages ("expected exactly one, got both") and vouch's differ in words but agree on the field.
 */
function equivalent(expectedLines: readonly string[], errors: readonly PolicyIssue[]): boolean {
  if (expectedLines.length === 0 || errors.length === 0) return false;
  return expectedLines.every((line) => {
    const paths = line.match(PATH_RE) ?? [];
    return paths.some((p) => errors.some((i) => related(p, i.path)));
  });
}

const list = (dir: string): string[] =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();

const out = (s: string): void => {
  process.stdout.write(`${s}\n`);
};

let validOk = 0;
const validFiles = list('valid');
out('== valid: each must load with no error ==');
for (const f of validFiles) {
  const r = run(join(root, 'valid', f));
  const ok = r.thrown === undefined && r.errors.length === 0 && r.loaded > 0;
  if (ok) validOk++;
  out(`${ok ? 'PASS' : 'FAIL'} valid/${f}${ok ? '' : ` (loaded ${r.loaded})`}`);
  if (!ok) {
    if (r.thrown) out(`  vouch: ${r.thrown}`);
    for (const line of formatIssues(r.errors).split('\n').filter(Boolean)) out(`  vouch: ${line}`);
  }
}

// The e2e policies are applied to a live cluster by policy-controller's e2e tests, so each must load too;
// files without a policy.sigstore.dev document (the test Deployment) are skipped.
let e2eOk = 0;
const e2eFiles = existsSync(join(root, 'e2e'))
  ? list('e2e').filter((f) => readFileSync(join(root, 'e2e', f), 'utf8').includes('policy.sigstore.dev/'))
  : [];
out('\n== e2e: each must load with no error ==');
for (const f of e2eFiles) {
  const r = run(join(root, 'e2e', f));
  const ok = r.thrown === undefined && r.errors.length === 0 && r.loaded > 0;
  if (ok) e2eOk++;
  out(`${ok ? 'PASS' : 'FAIL'} e2e/${f}`);
  if (!ok) {
    if (r.thrown) out(`  vouch: ${r.thrown}`);
    for (const line of formatIssues(r.errors).split('\n').filter(Boolean)) out(`  vouch: ${line}`);
  }
}

let refused = 0;
let equivalentCount = 0;
const invalidFiles = list('invalid');
out('\n== invalid: each must be refused; message compared with its # ERROR: line(s) ==');
for (const f of invalidFiles) {
  const file = join(root, 'invalid', f);
  const expected = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('# ERROR:'))
    .map((l) => l.slice('# ERROR:'.length).trim());
  const r = run(file);
  const wasRefused = r.thrown !== undefined || r.errors.length > 0;
  const eq = wasRefused && equivalent(expected, r.errors);
  if (wasRefused) refused++;
  if (eq) equivalentCount++;
  const verdict = !wasRefused
    ? 'FAIL (loaded)'
    : eq
      ? 'PASS (equivalent)'
      : 'PASS (refused, different message)';
  out(`${verdict} invalid/${f}`);
  if (verbose || !eq) {
    for (const e of expected) out(`  expected: ${e}`);
    if (r.thrown) out(`  vouch:    ${r.thrown}`);
    for (const line of formatIssues(r.errors).split('\n').filter(Boolean)) out(`  vouch:    ${line}`);
  }
}

out(
  `\nvalid ${validOk}/${validFiles.length} load, e2e ${e2eOk}/${e2eFiles.length} load, ` +
    `invalid ${refused}/${invalidFiles.length} refused, ` +
    `${equivalentCount}/${invalidFiles.length} with an equivalent message`,
);
process.exitCode =
  validOk === validFiles.length && e2eOk === e2eFiles.length && refused === invalidFiles.length ? 0 : 1;
