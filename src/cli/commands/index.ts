import type { CommandRegistration } from '../context.js';

/**
 * Every command vouch has, in the order `vouch --help` lists them, each loaded only when needed: a
 * command's module pulls in its area (Sigstore, schemas, the vulnerability matcher…), and loading all of
 * them cost every invocation about 0.25 s of startup. main.ts loads the one command named on the
 * command line, or all of them for help and for an unknown name.
 */
export const commandLoaders: ReadonlyArray<{ name: string; load: () => Promise<CommandRegistration> }> = [
  { name: 'demo', load: async () => (await import('./demo.js')).registerDemo },
  { name: 'digest', load: async () => (await import('./digest.js')).registerDigest },
  { name: 'copy', load: async () => (await import('./copy.js')).registerCopy },
  { name: 'inspect', load: async () => (await import('./inspect.js')).registerInspect },
  {
    name: 'generate-key-pair',
    load: async () => (await import('./generate-key-pair.js')).registerGenerateKeyPair,
  },
  {
    name: 'import-key-pair',
    load: async () => (await import('./import-key-pair.js')).registerImportKeyPair,
  },
  { name: 'sign', load: async () => (await import('./sign.js')).registerSign },
  { name: 'verify', load: async () => (await import('./verify.js')).registerVerify },
  { name: 'attest', load: async () => (await import('./attest.js')).registerAttest },
  {
    name: 'verify-attestation',
    load: async () => (await import('./verify-attestation.js')).registerVerifyAttestation,
  },
  { name: 'sign-blob', load: async () => (await import('./sign-blob.js')).registerSignBlob },
  { name: 'verify-blob', load: async () => (await import('./verify-blob.js')).registerVerifyBlob },
  { name: 'tree', load: async () => (await import('./tree.js')).registerTree },
  { name: 'triangulate', load: async () => (await import('./triangulate.js')).registerTriangulate },
  { name: 'public-key', load: async () => (await import('./public-key.js')).registerPublicKey },
  { name: 'attach', load: async () => (await import('./attach.js')).registerAttach },
  { name: 'login', load: async () => (await import('./login.js')).registerLogin },
  { name: 'attest-blob', load: async () => (await import('./attest-blob.js')).registerAttestBlob },
  {
    name: 'verify-blob-attestation',
    load: async () => (await import('./verify-blob-attestation.js')).registerVerifyBlobAttestation,
  },
  { name: 'clean', load: async () => (await import('./clean.js')).registerClean },
  { name: 'save', load: async () => (await import('./save-load.js')).registerSave },
  { name: 'load', load: async () => (await import('./save-load.js')).registerLoad },
  { name: 'download', load: async () => (await import('./download.js')).registerDownload },
  { name: 'provenance', load: async () => (await import('./provenance.js')).registerProvenance },
  { name: 'sbom', load: async () => (await import('./sbom.js')).registerSbom },
  { name: 'policy', load: async () => (await import('./policy.js')).registerPolicy },
  { name: 'scan', load: async () => (await import('./scan.js')).registerScan },
  { name: 'db', load: async () => (await import('./db.js')).registerDb },
  { name: 'vex', load: async () => (await import('./vex.js')).registerVex },
  { name: 'in-toto', load: async () => (await import('./in-toto.js')).registerInToto },
  { name: 'audit', load: async () => (await import('./audit.js')).registerAudit },
  { name: 'helm', load: async () => (await import('./helm.js')).registerHelm },
  {
    name: 'completion',
    load: async () => (await import('./completion.js')).completionRegistration(commandLoaders),
  },
  { name: 'admission', load: async () => (await import('./admission.js')).registerAdmission },
];

/** The registrations a command line needs: the named command's alone, or every one. */
export async function commandsFor(argv: readonly string[]): Promise<CommandRegistration[]> {
  const first = argv.find((a) => !a.startsWith('-'));
  const named = commandLoaders.find((c) => c.name === first);
  if (named && first !== 'help') return [await named.load()];
  // `vouch --version` needs no command at all.
  if (first === undefined && (argv.includes('--version') || argv.includes('-V'))) return [];
  return Promise.all(commandLoaders.map((c) => c.load()));
}
