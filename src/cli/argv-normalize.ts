import type { Command, Option } from 'commander';
import { VouchError } from '../errors.js';

/**
 * cosign, syft and grype parse flags with Go's pflag/cobra, where every boolean flag also takes an
 * explicit value: `--insecure-ignore-tlog=true`, `--tlog-upload=false`. commander knows only the bare
 * form, so scripts written for those tools failed with "unknown option". This rewrites the `=value`
 * form of a boolean flag of the command being run into what commander understands: `=true` becomes the
 * bare flag, `=false` becomes its `--no-` form when the command defines one, else it is dropped (a
 * boolean flag is off unless given). Any other value is a usage error, as pflag's strconv.ParseBool
 * makes it (it also accepts 1/0, t/f and the capitalised spellings). It also takes out cosign's global
 * `--output-file FILE` ("log output to a file") unless the command defines its own.
 * @throws USAGE
 */
export function normalizeArgv(
  program: Command,
  argv: readonly string[],
): { argv: string[]; outputFile?: string } {
  const out: string[] = [];
  let outputFile: string | undefined;
  let cmd = program;
  let positionalSeen = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (token === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (token.startsWith('--')) {
      const eq = token.indexOf('=');
      const name = eq < 0 ? token : token.slice(0, eq);
      const opt = findOption(cmd, name);
      if (name === '--output-file' && opt === undefined) {
        // cosign's global `--output-file FILE` ("log output to a file"): stdout goes to FILE instead.
        const value = eq >= 0 ? token.slice(eq + 1) : argv[++i];
        if (value === undefined || value === '' || outputFile !== undefined) {
          throw new VouchError('USAGE', '--output-file takes one non-empty file name');
        }
        outputFile = value;
        continue;
      }
      if (eq >= 0 && opt !== undefined && isBooleanOption(opt)) {
        const value = parseGoBool(token.slice(eq + 1), name);
        if (value) out.push(name);
        else if (findOption(cmd, `--no-${name.slice(2)}`) !== undefined) out.push(`--no-${name.slice(2)}`);
        continue;
      }
      out.push(token);
      if (eq < 0 && opt?.required === true) {
        const next = argv[i + 1];
        if (next !== undefined) out.push(next);
        i++;
      }
      continue;
    }
    if (token.startsWith('-') && token.length > 1) {
      out.push(token);
      // `-o json`: a short flag that takes a value swallows the next token.
      const opt = token.length === 2 ? findOption(cmd, token) : undefined;
      if (opt?.required === true) {
        const next = argv[i + 1];
        if (next !== undefined) out.push(next);
        i++;
      }
      continue;
    }
    out.push(token);
    if (!positionalSeen) {
      const sub = cmd.commands.find((c) => c.name() === token || c.aliases().includes(token));
      if (sub !== undefined) cmd = sub;
      else positionalSeen = true;
    }
  }
  return outputFile !== undefined ? { argv: out, outputFile } : { argv: out };
}

function findOption(cmd: Command, flag: string): Option | undefined {
  for (let c: Command | null = cmd; c !== null; c = c.parent) {
    const found = c.options.find((o) => o.long === flag || o.short === flag);
    if (found !== undefined) return found;
  }
  return undefined;
}

function isBooleanOption(opt: Option): boolean {
  return !opt.required && !opt.optional && !opt.negate;
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function parseGoBool(text: string, flag: string): boolean {
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  throw new VouchError('USAGE', `${flag}=${text}: a boolean flag takes true or false`);
}
