import { createServer } from 'node:net';

/** A loopback port nothing listens on: bound, then closed, so a dial to it is refused at once. */
export async function closedLoopbackPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const address = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
