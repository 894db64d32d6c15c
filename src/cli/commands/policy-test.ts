import { type Command, Option } from 'commander';
import { configMapLookup } from '../../admission/index.js';
import { TagResolver } from '../../admission/index.js';
import { VouchError } from '../../errors.js';
import { parseReference } from '../../oci/index.js';
import {
  type ConfigMapLookup,
  type CueMode,
  evidenceRequirements,
  type ImageUnderReview,
  needsDigest,
  type PolicySet,
  type ResourceContext,
} from '../../policy/index.js';
import { CosignEvidenceCollector, decide } from '../../evidence/index.js';
import { type CommandContext, type OutputFormat, writeJson } from '../context.js';
import { cueOption, withCue } from '../cue-option.js';
import {
  KeyRefCollector,
  parseLabels,
  readConfigMapsFile,
  readKeyRefs,
  readPolicyFiles,
  readResource,
  registriesOf,
  repositoryOpener,
} from './policy-inputs.js';
import { loadTrustedRoot } from '../trusted-root.js';
import { renderDecision, type ResolvedImage } from './policy-render.js';
import { collect } from './signing-options.js';

interface PolicyTestFlags {
  file: string[];
  resource?: string;
  keyRef?: string[];
  configMaps?: string;
  /** commander files `--no-match-policy <action>` under `matchPolicy` (a `--no-` prefix); `true` when absent. */
  matchPolicy?: 'allow' | 'warn' | 'deny' | boolean;
  namespace?: string;
  namespaceLabels?: string[];
  ociDir?: string;
  insecureRegistry?: boolean;
  trustedRoot?: string;
  cue: CueMode;
  output: OutputFormat;
}

/** Every repository a run may read signatures from besides the images' own (CIP source.oci, Kyverno repository). */
function signatureRepositories(
  policies: PolicySet,
  images: readonly ImageUnderReview[],
  resource: ResourceContext | undefined,
  configMaps: ConfigMapLookup | undefined,
): string[] {
  return images.flatMap((im) => {
    try {
      return evidenceRequirements(policies, im, resource, configMaps ? { configMaps } : {}).flatMap(
        (r) => r.signatureRepositories,
      );
    } catch {
      // An unparseable reference has no requirements; evaluation denies it with the parse error.
      return [];
    }
  });
}

export function registerPolicyTest(policy: Command, ctx: CommandContext): void {
  policy
    .command('test')
    .description('evaluate ClusterImagePolicy / Kyverno policies against images with evidence read now')
    .argument('[image-ref...]', 'image references (tag or digest); or use --resource')
    .requiredOption('-f, --file <policy.yaml>', 'policy file (repeatable)', collect)
    .option('--resource <pod.yaml>', 'judge every container image of this Pod or workload')
    .option(
      '--key-ref <ref=file>',
      "public key for a policy's key reference, e.g. k8s://ns/key=cosign.pub",
      collect,
    )
    .option(
      '--config-maps <file>',
      'ConfigMaps for Kyverno configMap context (kubectl get configmap -o yaml, or ConfigMap documents)',
    )
    .addOption(
      new Option('--no-match-policy <action>', 'what an image no policy selects gets').choices([
        'allow',
        'warn',
        'deny',
      ]),
    )
    .option('--namespace <ns>', 'namespace of the workload (default: its metadata.namespace)')
    .option('--namespace-labels <k=v,…>', 'labels of the namespace (repeatable)', collect)
    .option(
      '--trusted-root <file>',
      'Sigstore trusted_root.json for keyless authorities (default: the public-good root, offline)',
    )
    .option('--oci-dir <path>', 'read images and signatures from this OCI layout instead of registries')
    .option('--insecure-registry', 'speak plain HTTP to the registries this run reads (loopback tests)')
    .addOption(cueOption())
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    )
    .action((refs: string[], flags: PolicyTestFlags) =>
      withCue(flags.cue, async (cue) => {
        if (refs.length > 0 === (flags.resource !== undefined)) {
          throw new VouchError('USAGE', 'give image references or --resource, not both and not neither', {
            hint: 'vouch policy test -f policy.yaml ghcr.io/org/app:1.0',
          });
        }
        const now = new Date();
        const noMatchPolicy = typeof flags.matchPolicy === 'string' ? flags.matchPolicy : undefined;
        // Every local input is read and checked before the first network request.
        const configMapSet =
          flags.configMaps === undefined ? undefined : await readConfigMapsFile(ctx, flags.configMaps);
        const configMaps = configMapSet === undefined ? undefined : configMapLookup(configMapSet);
        const policies = await readPolicyFiles(ctx, flags.file, cue, configMapSet);
        const namespaceLabels = parseLabels(flags.namespaceLabels ?? []);
        const keyRefs = await readKeyRefs(ctx, flags.keyRef ?? []);
        let images: ImageUnderReview[];
        let resource: ResourceContext | undefined;
        if (flags.resource !== undefined) {
          ({ images, resource } = await readResource(ctx, flags.resource, {
            ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
            namespaceLabels,
            policies,
          }));
        } else {
          // A bare reference is the whole document: RFC 6901 pointer "" names it, so a mutateDigest
          // pin of it is printed as the pinned reference.
          images = refs.map((ref) => ({ ref, pointer: '' }));
        }
        const insecure = flags.insecureRegistry
          ? registriesOf(
              images.map((i) => i.ref),
              signatureRepositories(policies, images, resource, configMaps),
            )
          : [];
        const open = await repositoryOpener(ctx, {
          ...(flags.ociDir !== undefined ? { ociDir: flags.ociDir } : {}),
          insecureRegistries: insecure,
          now,
        });
        // Identity is a digest: each distinct reference is resolved once, and every later read (signatures,
        // attestations) and the verdict speak that digest.
        const resolver = new TagResolver(open, {
          ttlMs: 60_000,
          maxEntries: 1024,
          clock: () => now.getTime(),
        });
        const cipNamespaceOptIn = resource !== undefined && flags.namespaceLabels !== undefined;
        const resolved = new Map<string, ResolvedImage>();
        // Images only static authorities judge, or no policy selects, are decided from the reference:
        // no registry round trip, so an unreachable registry cannot fail them.
        const toResolve = images
          .map((i) => i.ref)
          .filter((ref) => needsDigest(policies, ref, resource, { cipNamespaceOptIn }));
        await Promise.all(
          [...new Set(toResolve)].map(async (ref) => {
            const digest = await resolver.resolve(ref);
            resolved.set(ref, { ref, digest, resolvedFrom: parseReference(ref).digest ? 'digest' : 'tag' });
          }),
        );
        const withDigests = images.map((i) => {
          const digest = resolved.get(i.ref)?.digest;
          return digest === undefined ? i : { ...i, digest };
        });
        const cosign = new CosignEvidenceCollector({
          openRepository: (repository) => open(parseReference(repository)),
          now: () => now,
          trustedRoot: await loadTrustedRoot(flags.trustedRoot, ctx.io.cwd),
        });
        const collector = new KeyRefCollector(cosign, keyRefs);
        const decision = await decide(
          {
            policies,
            images: withDigests,
            ...(resource ? { resource } : {}),
            ...(configMaps ? { configMaps } : {}),
          },
          collector,
          {
            now,
            ...(noMatchPolicy ? { noMatchPolicy } : {}),
            // Bare images have no namespace; with --resource the policy-controller opt-in label applies.
            cipNamespaceOptIn,
            cue: cue.engine,
            ...(cue.answer ? { answerCue: cue.answer } : {}),
          },
        );
        if (flags.output === 'json') writeJson(ctx, { ...decision, resolved: [...resolved.values()] });
        else ctx.io.stdout.write(renderDecision(decision, resolved));
        if (!decision.allowed) ctx.setExitCode(1);
      }),
    );
}
