import { basename, resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { VouchError } from '../../errors.js';
import { writeFileAtomic } from '../../fs/index.js';
import {
  CHART_EXPANDED_MAX_BYTES,
  readKeyring,
  renderVerification,
  signChart,
  verifyChart,
} from '../../helm/index.js';
import { readSmallFile } from '../../sign/index.js';
import type { CommandContext } from '../context.js';

/** Keyrings and provenance files are small; a chart archive is capped like helm's loader caps it. */
const KEYRING_MAX_BYTES = 16 * 1024 * 1024;
const PROV_MAX_BYTES = 1024 * 1024;

interface SignFlags {
  keyring: string;
  key: string;
  passphraseFile?: string;
}

async function runSign(ctx: CommandContext, chart: string, flags: SignFlags): Promise<void> {
  const archive = await readSmallFile(chart, ctx.io.cwd, CHART_EXPANDED_MAX_BYTES, 'chart');
  const keyring = await readKeyring(
    await readSmallFile(flags.keyring, ctx.io.cwd, KEYRING_MAX_BYTES, 'keyring'),
    flags.keyring,
  );
  // helm reads the passphrase from HELM_KEY_PASSPHRASE; a file keeps it out of the environment.
  const passphrase = flags.passphraseFile
    ? (await readSmallFile(flags.passphraseFile, ctx.io.cwd, 4096, 'passphrase file'))
        .toString('utf8')
        .replace(/\r?\n$/, '')
    : ctx.io.env.HELM_KEY_PASSPHRASE;
  const prov = await signChart(archive, basename(chart), keyring, flags.key, passphrase, new Date());
  const out = `${resolvePath(ctx.io.cwd, chart)}.prov`;
  await writeFileAtomic(out, prov);
  ctx.io.stderr.write(`Signed ${chart}: ${chart}.prov\n`);
}

interface VerifyFlags {
  keyring: string;
}

async function runVerify(ctx: CommandContext, chart: string, flags: VerifyFlags): Promise<void> {
  const archive = await readSmallFile(chart, ctx.io.cwd, CHART_EXPANDED_MAX_BYTES, 'chart');
  const provName = `${chart}.prov`;
  let prov: Buffer;
  try {
    prov = await readSmallFile(provName, ctx.io.cwd, PROV_MAX_BYTES, 'provenance file');
  } catch (e) {
    if (e instanceof VouchError && e.code === 'FILE_NOT_FOUND')
      throw new VouchError('NO_SIGNATURES', `${provName}: no provenance file next to the chart`, {
        cause: e,
        hint: 'helm fetches CHART.tgz.prov with `helm pull --prov`; without it the chart is unsigned',
      });
    throw e;
  }
  const keyring = await readKeyring(
    await readSmallFile(flags.keyring, ctx.io.cwd, KEYRING_MAX_BYTES, 'keyring'),
    flags.keyring,
  );
  const v = await verifyChart(archive, basename(chart), prov.toString('utf8'), provName, keyring);
  ctx.io.stdout.write(renderVerification(v));
}

export function registerHelm(program: Command, ctx: CommandContext): void {
  const helm = program
    .command('helm')
    .description('Helm charts: sign and verify provenance files (CHART.tgz.prov) as helm does');
  helm
    .command('sign')
    .description(
      'write CHART.tgz.prov: the chart metadata and archive digest, clearsigned with an OpenPGP key',
    )
    .argument('<chart>', 'a packaged chart (helm package output)')
    .requiredOption('--keyring <file>', 'secret keyring (gpg --export-secret-keys, binary or armored)')
    .requiredOption('--key <name>', 'the signing identity, or a unique part of it')
    .option('--passphrase-file <file>', 'the key passphrase (default: $HELM_KEY_PASSPHRASE)')
    .action(async (chart: string, flags: SignFlags) => {
      await runSign(ctx, chart, flags);
    });
  helm
    .command('verify')
    .description('verify CHART.tgz against CHART.tgz.prov and a public keyring; exit 1 if it does not verify')
    .argument('<chart>', 'a packaged chart with its .prov next to it')
    .requiredOption('--keyring <file>', 'public keyring (gpg --export, binary or armored)')
    .action(async (chart: string, flags: VerifyFlags) => {
      await runVerify(ctx, chart, flags);
    });
}
