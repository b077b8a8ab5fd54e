/**
 * Loopback ports for nginx under test: free ports, a free port offset (retried at random), the
 * listen sockets of a rendered config, and readiness probes. 127.0.0.1 only.
 */
import * as dgram from 'dgram';
import * as net from 'net';

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** Whether TCP `port` can be bound on 127.0.0.1. */
export function tcpFree(port: number): Promise<boolean> {
  if (port > 65535) return Promise.resolve(false);
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** Whether UDP `port` can be bound on 127.0.0.1. */
export function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind({ port, address: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/**
 * A port offset such that every `port + offset` (for the given declared ports) is free on
 * 127.0.0.1: from 20000 on, or from 10000 when a high declared port (gRPC's 50051) leaves no room.
 * Tries up to 50 random offsets.
 */
export async function freeOffset(ports: readonly number[]): Promise<number> {
  const top = 65535 - Math.max(...ports);
  const low = top >= 25000 ? 20000 : 10000;
  if (top < low) throw new Error(`no port offset ≥ ${low} keeps port ${Math.max(...ports)} below 65536`);
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = low + Math.floor(Math.random() * Math.min(30000, top - low + 1));
    const ok = await Promise.all(ports.map((p) => tcpFree(p + offset)));
    if (ok.every(Boolean)) return offset;
  }
  throw new Error('no free port offset');
}

/** A listen socket of a rendered config. */
export interface ListenPort {
  readonly port: number;
  readonly protocol: 'tcp' | 'udp';
}

/** The TCP/UDP ports the config listens on (unix sockets ignored). */
export function listenPorts(files: Record<string, string>): ListenPort[] {
  const seen = new Map<string, ListenPort>();
  for (const [name, text] of Object.entries(files)) {
    if (!/\.conf$/.test(name) && name !== 'nginx.conf') continue;
    const noComments = text.replace(/#[^\n]*/g, '');
    for (const m of noComments.matchAll(/(?:^|[;{}\s])listen\s+([^;]+);/g)) {
      const parts = m[1].trim().split(/\s+/);
      const addr = parts[0];
      if (addr.startsWith('unix:')) continue;
      const pm = /(?:^|:|\])(\d+)$/.exec(addr);
      if (!pm) continue;
      const protocol = parts.includes('udp') ? 'udp' : 'tcp';
      const lp: ListenPort = { port: Number(pm[1]), protocol };
      seen.set(`${protocol}/${lp.port}`, lp);
    }
  }
  return [...seen.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}

/** Whether every port is free on 127.0.0.1 (and above 1024, so tests pass as non-root). */
export async function portsFree(ports: readonly ListenPort[]): Promise<boolean> {
  for (const p of ports) {
    if (p.port <= 1024 || p.port > 65535) return false;
    if (!(await (p.protocol === 'udp' ? udpFree(p.port) : tcpFree(p.port)))) return false;
  }
  return true;
}

/** Whether 127.0.0.1:`port` accepts a TCP connection (within 500 ms). */
export function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.setTimeout(500, () => {
      s.destroy();
      resolve(false);
    });
  });
}
