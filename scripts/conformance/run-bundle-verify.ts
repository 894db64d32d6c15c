// Runs the sigstore-conformance `bundle-verify` cases (test/test_bundle.py::test_verify) against vouch,
// offline, in-process, building exactly the command lines the suite's client (test/client.py
// build_verify_args) would pass to the adapter: once with the artifact path, once with its sha256 digest.
// A case directory whose name ends in `_fail` must fail verification; any other must pass.
// With `--via verify-blob` the same cases go through the vouch CLI as cosign's conformance adapter
// (sigstore/cosign cmd/conformance/main.go) invokes cosign:
//   verify-blob [--use-signed-timestamps] --bundle B --new-bundle-format [--certificate-identity ID
//   --certificate-oidc-issuer URL] [--trusted-root T] [--key K] FILE_OR_DIGEST
// and a `_fail` case must end with exit 1 (verification failed) or 2 (the bundle is malformed), never 0.
// Usage: npx tsx scripts/conformance/run-bundle-verify.ts <sigstore-conformance checkout> [--via verify-blob] [--verbose] [--only substring]
// Exit 0 when every case passes, 1 otherwise. Nothing from the checkout is copied into this repository.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { run } from '../../src/cli/main.js';
import { StringSink } from '../../src/cli/io.js';
import { runConformanceCli } from './vouch-conformance.js';

const DEFAULT_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

const args = process.argv.slice(2);
const checkout = args.find(
  (a) => !a.startsWith('--') && !['--only', '--via'].includes(args[args.indexOf(a) - 1] ?? ''),
);
const viaCli = args.includes('--via') && args[args.indexOf('--via') + 1] === 'verify-blob';
const verbose = args.includes('--verbose');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
if (!checkout) {
  process.stderr.write(
    'usage: npx tsx scripts/conformance/run-bundle-verify.ts <sigstore-conformance checkout>\n',
  );
  process.exit(2);
}
const root = join(checkout, 'test', 'assets', 'bundle-verify');
if (!existsSync(root)) {
  process.stderr.write(`${root} does not exist: is ${checkout} a sigstore-conformance checkout?\n`);
  process.exit(2);
}

const cases = readdirSync(root)
  .filter((d) => statSync(join(root, d)).isDirectory())
  .filter((d) => only === undefined || d.includes(only))
  .sort();
let passed = 0;
let total = 0;
const failures: string[] = [];
const now = new Date();
for (const name of cases) {
  const dir = join(root, name);
  const file = (f: string): string | undefined => (existsSync(join(dir, f)) ? join(dir, f) : undefined);
  const artifact = file('artifact') ?? join(root, 'a.txt');
  const identity = file('identity') ? readFileSync(join(dir, 'identity'), 'utf8').trim() : DEFAULT_IDENTITY;
  const issuer = file('issuer') ? readFileSync(join(dir, 'issuer'), 'utf8').trim() : DEFAULT_ISSUER;
  const key = file('key.pub');
  const trustedRoot = file('trusted_root.json');
  const expectFail = name.endsWith('_fail');
  for (const mode of ['path', 'digest'] as const) {
    const input =
      mode === 'path'
        ? artifact
        : `sha256:${createHash('sha256').update(readFileSync(artifact)).digest('hex')}`;
    const bundle = join(dir, 'bundle.sigstore.json');
    const err: string[] = [];
    let code: number;
    if (viaCli) {
      const argv = ['verify-blob', ...(hasTimestamps(bundle) ? ['--use-signed-timestamps'] : [])];
      argv.push('--bundle', bundle, '--new-bundle-format');
      if (!key) argv.push('--certificate-identity', identity, '--certificate-oidc-issuer', issuer);
      if (trustedRoot) argv.push('--trusted-root', trustedRoot);
      if (key) argv.push('--key', key);
      argv.push(input);
      code = await runVouch(argv, err);
    } else {
      const argv = ['verify-bundle', '--bundle', bundle];
      argv.push(
        ...(key ? ['--key', key] : ['--certificate-identity', identity, '--certificate-oidc-issuer', issuer]),
      );
      if (trustedRoot) argv.push('--trusted-root', trustedRoot);
      argv.push(input);
      code = runConformanceCli(argv, { stdout: () => {}, stderr: (l) => err.push(l), now });
    }
    const ok = expectFail
      ? code === 1 || (viaCli && code === 2 && !/unknown option|usage/i.test(err.join('')))
      : code === 0;
    total++;
    if (ok) passed++;
    const line = `${ok ? 'PASS' : 'FAIL'} ${name} [${mode}] exit ${code}${err.length ? `: ${err.join(' | ')}` : ''}`;
    if (!ok) failures.push(line);
    if (verbose || !ok) process.stdout.write(`${line}\n`);
  }
}
process.stdout.write(
  `\n${passed} of ${total} bundle-verify case runs pass (${cases.length} cases x path/digest)\n`,
);
process.exitCode = passed === total ? 0 : 1;

/** cosign's adapter adds --use-signed-timestamps when the bundle carries RFC 3161 timestamps. */
function hasTimestamps(bundle: string): boolean {
  let doc: { verificationMaterial?: { timestampVerificationData?: { rfc3161Timestamps?: unknown[] } } };
  try {
    doc = JSON.parse(readFileSync(bundle, 'utf8')) as typeof doc;
  } catch (e) {
    // A deliberately broken bundle (a `_fail` case): the adapter stops there; vouch gets it unflagged.
    if (e instanceof SyntaxError) return false;
    throw e;
  }
  return (doc.verificationMaterial?.timestampVerificationData?.rfc3161Timestamps?.length ?? 0) > 0;
}

/** The vouch CLI in-process, as a shell would run it; stderr lines go to `err`. */
async function runVouch(argv: string[], err: string[]): Promise<number> {
  const stderr = new StringSink();
  const code = await run({
    argv,
    env: {},
    cwd: process.cwd(),
    stdin: Readable.from([]),
    stdout: new StringSink(),
    stderr,
    isTTY: false,
  });
  const text = stderr.text().trim();
  if (text !== '') err.push(text.replace(/\n/g, ' | '));
  return code;
}
