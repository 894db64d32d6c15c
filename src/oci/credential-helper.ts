import { spawn } from 'node:child_process';
import { describeCause, VouchError } from '../errors.js';

/** What a docker credential helper answers to `get` (docker-credential-helpers, client/client.go). */
export interface HelperCredential {
  username: string;
  secret: string;
}

export interface CredentialHelperOptions {
  /** Environment for the helper; its PATH finds `docker-credential-<name>`. */
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs: number;
}

// A helper answers with one small JSON object; anything bigger is not a credential.
const OUTPUT_MAX_BYTES = 64 * 1024;
// docker-credential-helpers' credentials.ErrCredentialsNotFound text, printed with a non-zero exit.
const NOT_FOUND_TEXT = 'credentials not found in native keychain';

/**
 * Runs `docker-credential-<name> get` with the server URL on stdin, as the docker CLI does, and parses
 * its JSON answer. Resolves undefined when the helper has no credentials for that server.
 * @throws TOOL_MISSING (no such helper), AUTH_FAILED (helper failed or answered garbage), TIMEOUT
 */
export function runCredentialHelper(
  name: string,
  serverUrl: string,
  opts: CredentialHelperOptions,
): Promise<HelperCredential | undefined> {
  const program = `docker-credential-${name}`;
  // A helper name from a config file becomes part of a program name: keep it to what docker allows
  // in practice, so `../../bin/sh` cannot be smuggled in.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    return Promise.reject(
      new VouchError(
        'INPUT_MALFORMED',
        `docker config names credential helper "${name}", which is not a valid name`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: opts.timeoutMs });
    const out: Buffer[] = [];
    let outBytes = 0;
    let errText = '';
    let tooBig = false;
    child.stdout.on('data', (c: Buffer) => {
      outBytes += c.byteLength;
      if (outBytes > OUTPUT_MAX_BYTES) {
        tooBig = true;
        child.kill('SIGKILL');
        return;
      }
      out.push(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      if (errText.length < 4096) errText += c.toString('utf8');
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') {
        reject(
          new VouchError('TOOL_MISSING', `credential helper ${program} is not on PATH`, {
            cause: e,
            hint: `install ${program}, or remove it from credsStore/credHelpers in your docker config`,
          }),
        );
        return;
      }
      reject(
        new VouchError('AUTH_FAILED', `credential helper ${program} failed: ${e.message}`, { cause: e }),
      );
    });
    child.stdin.on('error', (e) => {
      // The helper may exit before reading stdin; its exit status tells what happened.
      errText += `\n(stdin: ${describeCause(e)})`;
    });
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (tooBig) {
        reject(
          new VouchError(
            'AUTH_FAILED',
            `credential helper ${program} printed more than ${OUTPUT_MAX_BYTES} bytes`,
          ),
        );
        return;
      }
      if (signal === 'SIGTERM') {
        reject(
          new VouchError(
            'TIMEOUT',
            `credential helper ${program} did not answer within ${opts.timeoutMs} ms`,
          ),
        );
        return;
      }
      if (code !== 0) {
        if (`${stdout}${errText}`.includes(NOT_FOUND_TEXT)) {
          resolve(undefined);
          return;
        }
        reject(
          new VouchError(
            'AUTH_FAILED',
            `credential helper ${program} exited with ${code ?? signal}: ${(errText || stdout).trim().slice(0, 300)}`,
            { hint: `run \`echo ${serverUrl} | ${program} get\` to see what it says` },
          ),
        );
        return;
      }
      try {
        resolve(parseHelperAnswer(stdout, program));
      } catch (e) {
        reject(e);
      }
    });
    child.stdin.end(serverUrl);
  });
}

function parseHelperAnswer(text: string, program: string): HelperCredential {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new VouchError('AUTH_FAILED', `credential helper ${program} did not print JSON`, { cause: e });
  }
  const rec = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>) : {};
  const username = rec['Username'];
  const secret = rec['Secret'];
  if (typeof username !== 'string' || typeof secret !== 'string') {
    throw new VouchError(
      'AUTH_FAILED',
      `credential helper ${program} answered without Username and Secret strings`,
    );
  }
  return { username, secret };
}
