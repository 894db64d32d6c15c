import { type Command, Option } from 'commander';
import { provenanceFromGitHubEnv } from '../../attest/index.js';
import { SLSA_PROVENANCE_V1 } from '../../attest/index.js';
import { buildStatement } from '../../crypto/index.js';
import { VouchError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { addImageFlags, type ImageFlags } from '../image-options.js';
import { resolveImage, writeOutputFile } from './signing-options.js';

interface ProvenanceFlags extends ImageFlags {
  subject?: string;
  startedOn?: string;
  outputFile?: string;
  output: 'json';
}

export function registerProvenance(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('provenance')
    .description('build a SLSA v1 provenance predicate from the GitHub Actions environment')
    .option('--subject <ref>', 'emit a full in-toto statement about this image (resolved to its digest)')
    .option('--started-on <time>', 'RFC 3339 time the build started')
    .option('--output-file <file>', 'write the document here (atomically) instead of stdout')
    .addOption(new Option('-o, --output <format>', 'json').choices(['json']).default('json'));
  addImageFlags(cmd).action(async (flags: ProvenanceFlags) => {
    let startedOn: Date | undefined;
    if (flags.startedOn !== undefined) {
      startedOn = new Date(flags.startedOn);
      if (Number.isNaN(startedOn.getTime()))
        throw new VouchError('USAGE', `--started-on ${flags.startedOn}: not a time`);
    }
    const predicate = provenanceFromGitHubEnv(ctx.io.env, new Date(), startedOn ? { startedOn } : {});
    let doc: unknown = predicate;
    if (flags.subject !== undefined) {
      const image = await resolveImage(ctx, flags.subject, flags);
      doc = buildStatement({
        subjectName: image.name,
        digest: image.digest,
        predicateType: SLSA_PROVENANCE_V1,
        predicate,
      });
    }
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    if (flags.outputFile !== undefined) await writeOutputFile(ctx, flags.outputFile, text);
    else ctx.io.stdout.write(text);
  });
}
