import type { IncomingMessage } from 'node:http';
import { VouchError } from '../errors.js';

/**
 * Reads a request body whole, refusing it past `maxBytes` before any parsing. Content-Length is trusted
 * for an early refusal only when there is no Transfer-Encoding (RFC 9112 section 6.3: Transfer-Encoding
 * overrides Content-Length, so a smuggled length must not be believed); otherwise the streamed bytes
 * are counted and reading stops at the limit.
 * @throws INPUT_TOO_LARGE, INPUT_MALFORMED (client aborted)
 */
export function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (req.headers['transfer-encoding'] === undefined && declared !== undefined) {
    const n = Number(declared);
    if (Number.isFinite(n) && n > maxBytes) {
      return Promise.reject(tooLarge(maxBytes));
    }
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let seen = 0;
    let done = false;
    const onData = (c: Buffer): void => {
      if (done) return;
      seen += c.byteLength;
      if (seen > maxBytes) {
        done = true;
        chunks.length = 0;
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (done) return;
      done = true;
      reject(new VouchError('INPUT_MALFORMED', 'request body: client aborted', { cause: e }));
    });
  });
}

function tooLarge(maxBytes: number): VouchError {
  return new VouchError('INPUT_TOO_LARGE', `request body: more than ${maxBytes} bytes`, {
    hint: 'the API server sends AdmissionReviews well under this; a larger body is not from it',
  });
}
