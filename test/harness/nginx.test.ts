import * as fs from 'fs';
import { describeNginx, freeOffset, listenPorts, locateNginx, nginxBinaryVersion, startNginx } from './nginx';

/** Pids whose parent is `pid` (from /proc). */
function children(pid: number): number[] {
  try {
    const t = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return t ? t.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const savedBin = process.env.NGINX_BIN;
afterEach(() => {
  if (savedBin === undefined) delete process.env.NGINX_BIN;
  else process.env.NGINX_BIN = savedBin;
});

test('NGINX_BIN names the binary to run', () => {
  process.env.NGINX_BIN = process.execPath;
  expect(locateNginx()).toBe(process.execPath);
});

test('an NGINX_BIN that does not exist finds no nginx', () => {
  process.env.NGINX_BIN = '/nonexistent/nginx';
  expect(locateNginx()).toBeUndefined();
});

test('listenPorts reads TCP and UDP listen sockets and ignores unix sockets and comments', () => {
  const conf = 'stream { server { listen 127.0.0.1:9053 udp; } server { listen [::1]:9443; } }\n# listen 1;\nhttp { server { listen 8080; listen unix:/tmp/x.sock; } }';
  expect(listenPorts({ 'nginx.conf': conf })).toEqual([
    { port: 8080, protocol: 'tcp' },
    { port: 9053, protocol: 'udp' },
    { port: 9443, protocol: 'tcp' },
  ]);
});

test('freeOffset keeps a high declared port below 65536', async () => {
  const offset = await freeOffset([80, 50051]);
  expect(offset + 50051).toBeLessThanOrEqual(65535);
});

describeNginx('running nginx', () => {
  test('nginxBinaryVersion reads x.y.z', () => {
    expect(nginxBinaryVersion()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test('stop() kills the workers of a master that was killed on its own', async () => {
    const offset = await freeOffset([8080]);
    const port = 8080 + offset;
    const conf = `worker_processes 2;\npid nginx.pid;\nevents {}\nhttp { access_log off; server { listen 127.0.0.1:${port}; return 204; } }\n`;
    const ng = await startNginx({ 'nginx.conf': conf }, port);
    const master = Number(fs.readFileSync(`${ng.dir}/nginx.pid`, 'utf8').trim());
    const workers = children(master);
    expect(workers.length).toBe(2);
    process.kill(master, 'SIGKILL'); // a crashed master leaves its workers behind
    await ng.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(workers.filter(alive)).toEqual([]);
  });
});
