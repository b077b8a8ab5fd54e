/**
 * What every echo server knows about the "pod" it plays, and the pod log the runner reads for
 * mirror checks (echo-basic prints `Echoing back request made to <RequestURI> to client (<addr>)`).
 */
import * as net from 'net';

export interface PodContext {
  readonly namespace: string;
  readonly ingress: string;
  readonly service: string;
  readonly pod: string;
}

/** A pod's log, shared by all its servers. */
export class PodLog {
  readonly lines: string[] = [];

  write(line: string): void {
    this.lines.push(line);
    if (this.lines.length > 20000) this.lines.splice(0, 10000);
  }

  /** Number of lines equal to `line`. */
  count(line: string): number {
    let n = 0;
    for (const l of this.lines) if (l === line) n++;
    return n;
  }

  /** Whether a line starts with `prefix`. */
  has(prefix: string): boolean {
    return this.lines.some((l) => l.startsWith(prefix));
  }
}

/** A started server: its loopback port and how to stop it. */
export interface Listening {
  readonly port: number;
  readonly protocol: 'tcp' | 'udp';
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 with a random port; tracks sockets so `close` is immediate. */
export async function listenTcp(server: net.Server): Promise<Listening> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // TLS servers emit `connection` for the raw socket too; secure sockets are tracked through it.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    protocol: 'tcp',
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Go's `time.ParseDuration` for the forms echo-basic's `?delay=` accepts. */
export function parseGoDuration(s: string): number | undefined {
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(s)) !== null) {
    total += parseFloat(m[1]) * unit[m[2]];
    end = re.lastIndex;
  }
  return end === s.length && end > 0 ? total : undefined;
}

/** Go's `http.CanonicalHeaderKey`. */
export function canonicalHeaderKey(k: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/.test(k)) return k;
  return k.toLowerCase().replace(/(^|-)([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase());
}
