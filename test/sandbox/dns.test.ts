/**
 * The DNS stand-in on its own (loopback, no sandbox needed): answers, NXDOMAIN, NODATA for other
 * types of a known name, failure modes, stop/start.
 */
import * as dgram from 'dgram';
import { startDns, DnsServer } from './dns';

function query(port: number, name: string, type = 1, timeoutMs = 1000): Promise<{ rcode: number; answers: string[]; id: number; aa: boolean } | 'timeout' | 'error'> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const id = Math.floor(Math.random() * 65535);
    const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
    const header = Buffer.alloc(12);
    header.writeUInt16BE(id, 0);
    header.writeUInt16BE(0x0100, 2); // RD
    header.writeUInt16BE(1, 4);
    const q = Buffer.concat([header, ...labels, Buffer.from([0, type >> 8, type & 0xff, 0, 1])]);
    const t = setTimeout(() => {
      s.close();
      resolve('timeout');
    }, timeoutMs);
    s.on('error', () => {
      clearTimeout(t);
      s.close();
      resolve('error');
    });
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      const flags = m.readUInt16BE(2);
      const an = m.readUInt16BE(6);
      const answers: string[] = [];
      // answers follow the question; each A record is 16 bytes with a compressed name
      let off = q.length;
      for (let i = 0; i < an; i++, off += 16) answers.push([...m.subarray(off + 12, off + 16)].join('.'));
      resolve({ rcode: flags & 0xf, answers, id: m.readUInt16BE(0), aa: (flags & 0x0400) !== 0 });
    });
    s.send(q, port, '127.0.0.1');
  });
}

describe('DNS stand-in', () => {
  let dns: DnsServer;
  beforeAll(async () => {
    dns = await startDns({ address: '127.0.0.1', port: 0, records: { 'web.default.svc.cluster.local': '10.213.0.1', 'two.default.svc.cluster.local': ['10.0.0.1', '10.0.0.2'] } });
  });
  afterAll(() => dns.stop());

  test('A records of known names, case-insensitively; NXDOMAIN otherwise; NODATA for AAAA of a known name', async () => {
    expect(await query(dns.port, 'web.default.svc.cluster.local')).toMatchObject({ rcode: 0, answers: ['10.213.0.1'], aa: true });
    expect(await query(dns.port, 'WEB.Default.svc.cluster.local')).toMatchObject({ rcode: 0, answers: ['10.213.0.1'] });
    expect(await query(dns.port, 'two.default.svc.cluster.local')).toMatchObject({ rcode: 0, answers: ['10.0.0.1', '10.0.0.2'] });
    expect(await query(dns.port, 'nope.default.svc.cluster.local')).toMatchObject({ rcode: 3, answers: [] });
    expect(await query(dns.port, 'web.default.svc.cluster.local', 28)).toMatchObject({ rcode: 0, answers: [] });
    expect(dns.queries.map((q) => `${q.name} ${q.type} ${q.rcode}`)).toContain('nope.default.svc.cluster.local A NXDOMAIN');
  });

  test('records change at run time', async () => {
    dns.set('late.default.svc.cluster.local', '10.1.2.3');
    expect(await query(dns.port, 'late.default.svc.cluster.local')).toMatchObject({ rcode: 0, answers: ['10.1.2.3'] });
    dns.delete('late.default.svc.cluster.local');
    expect(await query(dns.port, 'late.default.svc.cluster.local')).toMatchObject({ rcode: 3 });
  });

  test('failure modes: SERVFAIL, dropped queries, down and up again', async () => {
    dns.mode = 'servfail';
    expect(await query(dns.port, 'web.default.svc.cluster.local')).toMatchObject({ rcode: 2, answers: [] });
    dns.mode = 'drop';
    expect(await query(dns.port, 'web.default.svc.cluster.local', 1, 300)).toBe('timeout');
    dns.mode = 'answer';
    await dns.stop();
    expect(dns.running).toBe(false);
    // ICMP port unreachable (an error) or, without it, no answer
    expect(['error', 'timeout']).toContain(await query(dns.port, 'web.default.svc.cluster.local', 1, 300));
    await dns.start();
    expect(await query(dns.port, 'web.default.svc.cluster.local')).toMatchObject({ rcode: 0, answers: ['10.213.0.1'] });
  });
});
