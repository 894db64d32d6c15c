/**
 * The in-toto statement inside one line of `verify-attestation` output, which is a DSSE envelope as
 * cosign prints it: the shell equivalent is `jq -r .payload | base64 -d`.
 */
export function statementOfLine(line: string | undefined): unknown {
  const envelope = JSON.parse(line ?? '') as { payloadType: string; payload: string };
  if (envelope.payloadType !== 'application/vnd.in-toto+json') {
    throw new Error(`not an in-toto DSSE envelope: payloadType ${envelope.payloadType}`);
  }
  return JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
}
