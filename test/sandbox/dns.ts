/**
 * A stand-in for the cluster DNS (kube-dns / CoreDNS): UDP, authoritative for the names it is
 * given. A queries of a known name are answered with its addresses; other types of a known name
 * get an empty NOERROR answer (as CoreDNS does for a Service without IPv6); unknown names get
 * NXDOMAIN. `stop()` closes the socket (queries then meet ICMP port unreachable), `mode = 'drop'`
 * swallows queries (resolver timeouts), `mode = 'servfail'` answers SERVFAIL.
 */
import * as dgram from 'dgram';

export type DnsMode = 'answer' | 'drop' | 'servfail';

export interface DnsQueryRecord {
  readonly name: string;
  readonly type: string;
  readonly rcode: string;
  readonly answers: readonly string[];
  readonly at: number;
}

export interface DnsServer {
  readonly address: string;
  readonly port: number;
  /** Answer mode (failure injection). @default 'answer' */
  mode: DnsMode;
  /** Every query received, in order. */
  readonly queries: DnsQueryRecord[];
  /** Sets the A records of a name (replacing earlier ones). */
  set(name: string, addresses: string | readonly string[]): void;
  delete(name: string): void;
  lookup(name: string): readonly string[] | undefined;
  /** Closes the socket: the DNS is down. */
  stop(): Promise<void>;
  /** Opens it again on the same address and port. */
  start(): Promise<void>;
  readonly running: boolean;
}

export interface DnsOptions {
  /** Address to listen on (the host side of a pod's veth). */
  readonly address: string;
  /** @default 53 (0: any free port, then kept across stop/start) */
  readonly port?: number;
  /** Initial A records: name -> address(es). */
  readonly records?: Readonly<Record<string, string | readonly string[]>>;
  /** TTL of answers in seconds (CoreDNS's kubernetes plugin answers with 5). @default 5 */
  readonly ttl?: number;
  /**
   * The socket's receive buffer (SO_RCVBUF; the kernel caps it at net.core.rmem_max). nginx asks
   * for every upstream name at once when a worker starts: at the default (about 200 KiB, a few
   * hundred queries) a burst of a thousand names overflows it and the lost names stay unresolved
   * for nginx's resolver_timeout (the proxy sets 5 s; nginx's default is 30). @default the system's
   */
  readonly receiveBufferBytes?: number;
}

const TYPES: Record<number, string> = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 65: 'HTTPS', 255: 'ANY' };
const RCODES: Record<number, string> = { 0: 'NOERROR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP' };

function norm(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** Reads a (possibly compressed) name at `off`; returns it and the offset after it. */
function readName(msg: Buffer, off: number): { name: string; next: number } {
  const labels: string[] = [];
  let next = -1;
  for (let hops = 0; hops < 64; hops++) {
    if (off >= msg.length) throw new Error('truncated name');
    const len = msg[off];
    if (len === 0) {
      if (next < 0) next = off + 1;
      return { name: labels.join('.'), next };
    }
    if ((len & 0xc0) === 0xc0) {
      if (next < 0) next = off + 2;
      off = ((len & 0x3f) << 8) | msg[off + 1];
      continue;
    }
    labels.push(msg.subarray(off + 1, off + 1 + len).toString('latin1'));
    off += 1 + len;
  }
  throw new Error('name loop');
}

function ipv4(address: string): Buffer {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${address}`);
  return Buffer.from(parts);
}

export async function startDns(options: DnsOptions): Promise<DnsServer> {
  const records = new Map<string, string[]>();
  for (const [n, a] of Object.entries(options.records ?? {})) records.set(norm(n), typeof a === 'string' ? [a] : [...a]);
  const ttl = options.ttl ?? 5;
  const port = options.port ?? 53;
  let socket: dgram.Socket | undefined;

  const answer = (msg: Buffer): Buffer | undefined => {
    if (msg.length < 12) return undefined;
    const id = msg.readUInt16BE(0);
    const flags = msg.readUInt16BE(2);
    if (flags & 0x8000) return undefined; // a response
    const opcode = (flags >> 11) & 0xf;
    const qd = msg.readUInt16BE(4);
    let q: { name: string; next: number };
    try {
      q = readName(msg, 12);
    } catch {
      return undefined;
    }
    if (q.next + 4 > msg.length) return undefined;
    const qtype = msg.readUInt16BE(q.next);
    const qclass = msg.readUInt16BE(q.next + 2);
    const question = msg.subarray(12, q.next + 4);
    const name = norm(q.name);
    const known = records.get(name);
    let rcode = 0;
    let addresses: string[] = [];
    if (server.mode === 'servfail') rcode = 2;
    else if (opcode !== 0 || qd !== 1) rcode = 4;
    else if (!known) rcode = 3;
    else if ((qtype === 1 || qtype === 255) && qclass === 1) addresses = known;
    server.queries.push({ name, type: TYPES[qtype] ?? String(qtype), rcode: RCODES[rcode] ?? String(rcode), answers: addresses, at: Date.now() });
    const header = Buffer.alloc(12);
    header.writeUInt16BE(id, 0);
    // QR, the query's opcode, AA, the query's RD, RA, rcode
    header.writeUInt16BE(0x8000 | (opcode << 11) | 0x0400 | (flags & 0x0100) | 0x0080 | rcode, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(addresses.length, 6);
    const rrs = addresses.map((a) => {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0); // the question's name
      rr.writeUInt16BE(1, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(ttl, 6);
      rr.writeUInt16BE(4, 10);
      ipv4(a).copy(rr, 12);
      return rr;
    });
    return Buffer.concat([header, question, ...rrs]);
  };

  const open = () =>
    new Promise<void>((resolve, reject) => {
      const s = dgram.createSocket({ type: 'udp4', reuseAddr: true, ...(options.receiveBufferBytes ? { recvBufferSize: options.receiveBufferBytes } : {}) });
      s.once('error', reject);
      s.on('message', (msg, rinfo) => {
        if (server.mode === 'drop') return;
        const reply = answer(msg);
        if (reply) s.send(reply, rinfo.port, rinfo.address);
      });
      s.bind(boundPort, options.address, () => {
        s.removeListener('error', reject);
        boundPort = s.address().port;
        s.on('error', () => undefined);
        socket = s;
        resolve();
      });
    });

  let boundPort = port;
  const server: DnsServer = {
    address: options.address,
    get port() {
      return boundPort;
    },
    mode: 'answer',
    queries: [],
    set: (n, a) => {
      const list = typeof a === 'string' ? [a] : [...a];
      list.forEach(ipv4);
      records.set(norm(n), list);
    },
    delete: (n) => void records.delete(norm(n)),
    lookup: (n) => records.get(norm(n)),
    stop: () =>
      new Promise<void>((resolve) => {
        const s = socket;
        socket = undefined;
        if (!s) return resolve();
        s.close(() => resolve());
      }),
    start: async () => {
      if (!socket) await open();
    },
    get running() {
      return socket !== undefined;
    },
  };
  await open();
  return server;
}
