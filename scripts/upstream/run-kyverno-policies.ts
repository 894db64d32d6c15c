// Loads and lints every Kyverno verifyImages policy in kyverno/kyverno's own tests (test/conformance/chainsaw
// and test/cli), offline, in-process.
// - A policy the chainsaw test applies expecting an error (`expect: [{check: {($error != null): true}}]`)
//   must be refused by vouch's loader or lint (error severity).
// - Every other policy must load and lint with no error; warnings are printed and counted.
// Only kyverno.io ClusterPolicy/Policy documents that have a verifyImages rule are judged; other documents
// in the same file (ConfigMaps, Secrets, validate-only policies) are skipped.
// Usage: npx tsx scripts/upstream/run-kyverno-policies.ts <kyverno checkout> [--verbose]
// A policy Kyverno accepts that vouch refuses naming a construct it documents as unsupported (fails closed)
// is counted as UNSUPPORTED; any other mismatch is a DIFF.
// Exit 0 when there is no DIFF, 1 otherwise. Nothing from the checkout is
// copied into this repository.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { VouchError } from '../../src/errors.js';
import { formatIssues, lintPolicies, type PolicyIssue } from '../../src/policy/index.js';

const args = process.argv.slice(2);
const checkout = args.find((a) => !a.startsWith('--'));
const verbose = args.includes('--verbose');
if (!checkout) {
  process.stderr.write('usage: npx tsx scripts/upstream/run-kyverno-policies.ts <kyverno checkout>\n');
  process.exit(2);
}
const roots = [join(checkout, 'test', 'conformance', 'chainsaw'), join(checkout, 'test', 'cli')];
if (!roots.every((r) => existsSync(r))) {
  process.stderr.write(`${roots.join(' and ')} must exist: is ${checkout} a kyverno checkout?\n`);
  process.exit(2);
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return walk(p);
      return /\.ya?ml$/.test(name) ? [p] : [];
    });
}

/** Files the directory's chainsaw-test.yaml applies expecting the API server to refuse them. */
function expectedRefusals(dir: string): Set<string> {
  const out = new Set<string>();
  const test = join(dir, 'chainsaw-test.yaml');
  if (!existsSync(test)) return out;
  for (const doc of parseAllDocuments(readFileSync(test, 'utf8'))) {
    const t: unknown = doc.toJS();
    const steps = isObj(t) && isObj(t['spec']) && Array.isArray(t['spec']['steps']) ? t['spec']['steps'] : [];
    for (const step of steps) {
      const ops = isObj(step) && Array.isArray(step['try']) ? step['try'] : [];
      for (const op of ops) {
        if (!isObj(op)) continue;
        for (const action of ['apply', 'create', 'update']) {
          const a = op[action];
          if (!isObj(a) || typeof a['file'] !== 'string' || !Array.isArray(a['expect'])) continue;
          const refuses = a['expect'].some(
            (e) => isObj(e) && isObj(e['check']) && e['check']['($error != null)'] === true,
          );
          if (refuses) out.add(a['file']);
        }
      }
    }
  }
  return out;
}

interface Policy {
  readonly label: string;
  readonly text: string;
}

/** The verifyImages policies of a file, each as its own YAML text. */
function verifyImagesPolicies(file: string, rel: string): Policy[] {
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(docs)) return [];
  const out: Policy[] = [];
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0) return;
    const v: unknown = doc.toJS();
    if (!isObj(v) || !String(v['apiVersion'] ?? '').startsWith('kyverno.io/')) return;
    if (v['kind'] !== 'ClusterPolicy' && v['kind'] !== 'Policy') return;
    const rules = isObj(v['spec']) && Array.isArray(v['spec']['rules']) ? v['spec']['rules'] : [];
    if (!rules.some((r) => isObj(r) && r['verifyImages'] !== undefined)) return;
    out.push({ label: docs.length > 1 ? `${rel}#${i + 1}` : rel, text: doc.toString() });
  });
  return out;
}

const out = (s: string): void => {
  process.stdout.write(`${s}\n`);
};

let total = 0;
let asExpected = 0;
let loaded = 0;
let expectLoad = 0;
let refusedAsExpected = 0;
let expectRefuse = 0;
let withWarnings = 0;
let unsupportedCount = 0;
let differences = 0;
for (const file of roots.flatMap(walk)) {
  const rel = relative(checkout, file);
  const policies = verifyImagesPolicies(file, rel);
  if (policies.length === 0) continue;
  const mustRefuse = expectedRefusals(dirname(file)).has(basename(file));
  for (const p of policies) {
    total++;
    let errors: PolicyIssue[] = [];
    let warnings: PolicyIssue[] = [];
    let thrown: string | undefined;
    try {
      const r = lintPolicies(p.text, p.label);
      errors = r.issues.filter((i) => i.severity === 'error');
      warnings = r.issues.filter((i) => i.severity === 'warning');
    } catch (e) {
      if (!(e instanceof VouchError)) throw e;
      thrown = `${e.code}: ${e.message}`;
    }
    const refused = thrown !== undefined || errors.length > 0;
    const ok = mustRefuse ? refused : !refused;
    // A refusal naming a construct vouch documents as unsupported (docs/policies.md, "What fails closed
    // as UNSUPPORTED") is a deliberate difference, not a bug: vouch cannot evaluate it, so it fails closed.
    const unsupported = !ok && !mustRefuse && errors.some((e) => /\bnot supported\b/.test(e.message));
    if (mustRefuse) expectRefuse++;
    else expectLoad++;
    if (ok) asExpected++;
    if (ok && mustRefuse) refusedAsExpected++;
    if (unsupported) unsupportedCount++;
    if (!ok && !unsupported) differences++;
    if (!refused) loaded++;
    if (warnings.length > 0) withWarnings++;
    const what = mustRefuse ? 'Kyverno refuses it' : 'Kyverno accepts it';
    const verdict = ok ? 'PASS' : unsupported ? 'UNSUPPORTED' : 'DIFF';
    out(`${verdict} ${p.label} (${what}; vouch ${refused ? 'refuses' : 'loads'} it)`);
    if (verbose || !ok || mustRefuse || warnings.length > 0) {
      if (thrown) out(`  vouch: ${thrown}`);
      for (const line of formatIssues([...errors, ...warnings])
        .split('\n')
        .filter(Boolean)) {
        out(`  vouch: ${line}`);
      }
    }
  }
}
out(
  `\n${asExpected}/${total} verifyImages policies as Kyverno's tests expect: ` +
    `${loaded}/${expectLoad} load and lint with no error, ${refusedAsExpected}/${expectRefuse} refused as Kyverno refuses them; ` +
    `${withWarnings} with lint warnings; ${unsupportedCount} refused for a documented unsupported construct; ` +
    `${differences} other difference(s)`,
);
process.exitCode = differences === 0 ? 0 : 1;
