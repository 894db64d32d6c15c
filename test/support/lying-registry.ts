// A loopback registry that lies in the ways a hostile or broken one does: it drips, never ends a
// chunked body, answers 429 forever, redirects in a loop, or names a token realm on another host.
// Every route of the distribution API answers with the one lie it was started with; /v2/ (the ping)
// answers 200 unless the lie is about the ping. Intervals are short: tests set small limits to match.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Lie =
  /** Headers at once, then one byte every `intervalMs`; `contentLength` announced (absent: chunked). */
  | {
      readonly kind: 'drip';
      readonly intervalMs: number;
      readonly contentLength?: number;
      /** The ping (`/v2/`) drips too. */
      readonly ping?: boolean;
    }
  /**
   * A real image (manifest `v1`, config) whose one layer is announced at LAYER_BYTES and dripped one
   * byte every `intervalMs`: a copy gets as far as writing the layer, then waits.
   */
  | { readonly kind: 'slow-layer'; readonly intervalMs: number }
  /** A chunked body of 4 KiB chunks that never ends. */
  | { readonly kind: 'endless-chunked' }
  /** This status on every request (the ping too), with this Retry-After. */
  | { readonly kind: 'status'; readonly status: number; readonly retryAfter?: string }
  /** Every request redirects to another path of the same server, forever. */
  | { readonly kind: 'redirect-loop' }
  /** The ping asks for a Bearer token from `realm` (a function of this server's port). */
  | { readonly kind: 'realm'; readonly realm: (port: number) => string };

const LAYER_BYTES = 1_000_000;
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** The image a slow-layer registry serves as `app:v1`. */
export const SLOW_IMAGE = (() => {
  const config = Buffer.from(
    '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}',
  );
  const layerDigest = sha256(Buffer.alloc(LAYER_BYTES));
  const configDigest = sha256(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: config.byteLength,
      },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: LAYER_BYTES },
      ],
    }),
  );
  return { config, configDigest, layerDigest, manifest };
})();

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
  /** Set when the client closed the connection before the answer ended. */
  closedEarly: boolean;
}

export interface LyingRegistry {
  /** `127.0.0.1:PORT`, to name as an insecure registry. */
  readonly host: string;
  readonly port: number;
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

export async function startLyingRegistry(lie: Lie): Promise<LyingRegistry> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let port = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const seen: SeenRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      closedEarly: false,
    };
    requests.push(seen);
    res.on('close', () => {
      if (!res.writableFinished) seen.closedEarly = true;
    });
    const path = req.url ?? '';
    if (path.startsWith('/token')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"t"}');
      return;
    }
    switch (lie.kind) {
      case 'status':
        res.writeHead(lie.status, lie.retryAfter ? { 'retry-after': lie.retryAfter } : {}).end();
        return;
      case 'realm':
        if (req.headers.authorization?.startsWith('Bearer ')) {
          res.writeHead(404).end();
          return;
        }
        res
          .writeHead(401, {
            'www-authenticate': `Bearer realm="${lie.realm(port)}",service="lying"`,
          })
          .end();
        return;
      case 'redirect-loop':
        res.writeHead(302, { location: `${path.split('?')[0]}?hop=${requests.length}` }).end();
        return;
      default:
        break;
    }
    if (lie.kind === 'slow-layer' && !path.startsWith('/v2/app/blobs/' + SLOW_IMAGE.layerDigest)) {
      const body = path.includes('/manifests/')
        ? SLOW_IMAGE.manifest
        : path.includes(SLOW_IMAGE.configDigest)
          ? SLOW_IMAGE.config
          : path === '/v2/'
            ? Buffer.from('{}')
            : undefined;
      if (body === undefined) {
        res.writeHead(404).end();
        return;
      }
      res
        .writeHead(200, {
          'content-type': path.includes('/manifests/')
            ? 'application/vnd.oci.image.manifest.v1+json'
            : 'application/json',
          'content-length': body.byteLength,
        })
        .end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (lie.kind === 'slow-layer') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': LAYER_BYTES });
      const t = setInterval(() => {
        if (res.destroyed) {
          clearInterval(t);
          timers.delete(t);
          return;
        }
        res.write(Buffer.alloc(1));
      }, lie.intervalMs);
      timers.add(t);
      return;
    }
    if ((path === '/v2/' || path === '/v2') && !(lie.kind === 'drip' && lie.ping)) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    const headers: Record<string, string | number> = {
      'content-type': 'application/vnd.oci.image.manifest.v1+json',
    };
    if (lie.kind === 'drip') {
      if (lie.contentLength !== undefined) headers['content-length'] = lie.contentLength;
      res.writeHead(200, headers);
      const t = setInterval(() => {
        if (res.destroyed) {
          clearInterval(t);
          timers.delete(t);
          return;
        }
        res.write('{');
      }, lie.intervalMs);
      timers.add(t);
      return;
    }
    res.writeHead(200, headers);
    const chunk = Buffer.alloc(4096, 0x20);
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) {
        // keep writing while the socket takes it
      }
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    port,
    requests,
    close: async () => {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
