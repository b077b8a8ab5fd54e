/**
 * Traffic and probe steps of the conformance catalog, with the semantics of its README
 * (test/data/upstream/conformance/README.md, which mirrors the Go suite's CompareRoundTrip and
 * probes).
 *
 * Retry budgets are short: the configuration is static once nginx runs, so `eventuallyConsistent`
 * needs {@link REQUIRED_SUCCESSES} consecutive good answers within {@link MAX_ATTEMPTS} tries.
 */
import * as crypto from 'crypto';
import { grpcCall, HttpProtocol, HttpResponse, httpRoundTrip, LineConn, serverRequestsClientCert, tcpConnect, tlsHandshakeOutcome, TlsClientOptions, udpRequest, wsExchange, dnsQuery, WsMessage } from './client';
import type { CaseRun } from './runner';

type J = Record<string, any>;

/** A step that does not hold; the message says what differed. */
export class StepFail extends Error {}

/** Consecutive successes `eventuallyConsistent` requires (the suite's RequiredConsecutiveSuccesses). */
export const REQUIRED_SUCCESSES = 3;
/** Attempts before an `eventuallyConsistent` expectation fails. */
export const MAX_ATTEMPTS = 6;
/** Pause after a failed attempt. */
export const RETRY_DELAY_MS = 150;
/** Attempts for probes that need one success (`eventually`). */
const PROBE_ATTEMPTS = 4;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Go's CalculateHost: the address, with the port unless it is the scheme's default. */
export function calculateHost(port: number, scheme: string): string {
  return (scheme === 'http' && port === 80) || (scheme === 'https' && port === 443) ? '127.0.0.1' : `127.0.0.1:${port}`;
}

/** Runs `attempt` until it succeeds `required` times in a row; throws the last failure reason. */
async function converge(required: number, maxAttempts: number, attempt: () => Promise<string | undefined>): Promise<void> {
  let streak = 0;
  let last = '';
  for (let i = 0; i < maxAttempts + required - 1; i++) {
    const why = await attempt();
    if (why === undefined) {
      streak++;
      if (streak >= required) return;
      continue;
    }
    last = why;
    if (streak > 0) last += ` (after ${streak} good answer${streak > 1 ? 's' : ''})`;
    streak = 0;
    if (i + 1 >= maxAttempts) break;
    await sleep(RETRY_DELAY_MS);
  }
  throw new StepFail(last);
}

function errText(e: unknown): string {
  const x = e as NodeJS.ErrnoException;
  return `${x.code ? `${x.code} ` : ''}${x.message ?? String(e)}`;
}

function snippet(b: Buffer): string {
  const text = b.toString('utf8');
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1];
  if (title) return `HTML "${title.trim()}"`;
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length > 160 ? `${s.slice(0, 160)}…` : s;
}

// ---------------------------------------------------------------------------------------------
// HTTP requests

export interface PreparedRequest {
  readonly protocol: HttpProtocol;
  readonly scheme: string;
  readonly declaredPort: number;
  readonly port: number;
  readonly method: string;
  readonly path: string;
  readonly host: string;
  readonly headers: Record<string, string>;
  readonly tls?: TlsClientOptions;
  /** Substitutions applied to the request path (for expected paths). */
  readonly subst: (p: string) => string;
}

function protocolOf(r: J): HttpProtocol | 'GRPC' {
  const p = String(r.target?.protocol ?? 'HTTP');
  if (p === 'HTTPS') return 'HTTPS';
  if (p === 'H2') return 'H2';
  if (p === 'H2C_PRIOR_KNOWLEDGE') return 'H2C';
  if (/gRPC/i.test(p) || r.call) return 'GRPC';
  return 'HTTP';
}

function appendQuery(p: string, kv: string): string {
  return p.includes('?') ? `${p}&${kv}` : `${p}?${kv}`;
}

async function prepare(run: CaseRun, r: J, opts: { requestId?: string } = {}): Promise<PreparedRequest> {
  const protocol = protocolOf(r) as HttpProtocol;
  const scheme = String(r.target?.scheme ?? (protocol === 'HTTPS' || protocol === 'H2' ? 'https' : 'http'));
  const declaredPort = r.target?.port ?? (scheme === 'https' ? 443 : 80);
  const port = await run.port(r.target.gateway, declaredPort);
  const uuid = crypto.randomUUID();
  const subst = (p: string) => {
    let out = p.replace(/<new-uuid-per-attempt>/g, uuid);
    if (opts.requestId) out = appendQuery(out, `gateway-conformance-request-id=${opts.requestId}`);
    return out;
  };
  const headers: Record<string, string> = { ...((r.request?.headers ?? {}) as Record<string, string>) };
  const set = Object.entries((r.request?.backendSetResponseHeaders ?? r.backendSetResponseHeaders ?? {}) as Record<string, string>).map(([k, v]) => `${k}:${v}`);
  headers['X-Echo-Set-Header'] = set.join(',');
  let tls: TlsClientOptions | undefined;
  if (protocol === 'HTTPS' || protocol === 'H2') {
    const trusted = run.secret(r.target?.trustedServerCert?.secret);
    const client = run.secret(r.target?.clientCert?.secret);
    if (r.target?.trustedServerCert && !trusted) throw new StepFail(`trusted certificate Secret ${r.target.trustedServerCert.secret?.name} not found`);
    if (r.target?.clientCert && !client) throw new StepFail(`client certificate Secret ${r.target.clientCert.secret?.name} not found`);
    tls = {
      serverName: r.target?.serverName ?? r.request?.host,
      ...(trusted ? { ca: trusted.cert } : {}),
      ...(client ? { cert: client.cert, key: client.key } : {}),
    };
  }
  return {
    protocol,
    scheme,
    declaredPort,
    port,
    method: String(r.request?.method ?? 'GET'),
    path: subst(String(r.request?.path ?? '/')),
    host: r.request?.host ?? calculateHost(declaredPort, scheme),
    headers,
    ...(tls ? { tls } : {}),
    subst,
  };
}

function send(p: PreparedRequest): Promise<HttpResponse> {
  return httpRoundTrip({ protocol: p.protocol, port: p.port, method: p.method, path: p.path, host: p.host, headers: p.headers, ...(p.tls ? { tls: p.tls } : {}) });
}

const isTimeout = (code: number) => code === 408 || code === 504;

interface Echo {
  path: string;
  host: string;
  method: string;
  headers: Record<string, string[]>;
  namespace: string;
  pod: string;
  tls?: J;
  isEcho: boolean;
}

function echoOf(res: HttpResponse): Echo {
  const empty: Echo = { path: '', host: '', method: '', headers: {}, namespace: '', pod: '', isEcho: false };
  if ((res.headers['content-type'] ?? [])[0] !== 'application/json') return empty;
  try {
    const j = JSON.parse(res.body.toString('utf8')) as J;
    const headers: Record<string, string[]> = {};
    for (const [k, v] of Object.entries((j.headers ?? {}) as J)) headers[k.toLowerCase()] = [...(headers[k.toLowerCase()] ?? []), ...(Array.isArray(v) ? v.map(String) : [String(v)])];
    return { path: String(j.path ?? ''), host: String(j.host ?? ''), method: String(j.method ?? ''), headers, namespace: String(j.namespace ?? ''), pod: String(j.pod ?? ''), tls: j.tls, isEcho: true };
  } catch {
    return empty;
  }
}

function normPem(s: string): string {
  return s.replace(/\s+/g, '');
}

/** CompareRoundTrip: `undefined` when the response is what the request expects, else why not. */
export function compareHttp(run: Pick<CaseRun, 'secret'>, step: J, r: J, p: PreparedRequest, res: HttpResponse): string | undefined {
  const e = (r.expect ?? {}) as J;
  const want = ((e.statusCodes ?? [200]) as number[]).map(Number);
  const ok = want.includes(res.status) || (isTimeout(res.status) && want.some(isTimeout));
  if (!ok) return `status ${res.status}, want ${want.length === 1 ? want[0] : `one of [${want.join(', ')}]`}${res.body.length ? ` (body: ${snippet(res.body)})` : ''}`;
  if ((res.status === 200 || res.status === 204) && e.onSuccess) {
    const os = e.onSuccess as J;
    const got = echoOf(res);
    const be = (os.backend ?? {}) as J;
    if (be.namespace !== undefined && be.namespace !== null && be.namespace !== got.namespace) {
      return be.namespace === '' ? `expected a response generated by the gateway, got an echo from ${got.namespace}/${got.pod} (path ${got.path})` : `echo namespace ${JSON.stringify(got.namespace)}, want ${JSON.stringify(be.namespace)}${got.isEcho ? ` (pod ${got.pod})` : ` (not an echo response: ${snippet(res.body)})`}`;
    }
    const br = (os.backendRequest ?? {}) as J;
    if (br.path !== undefined && br.path !== null) {
      const wantPath = br.path === '' ? '' : p.subst(String(br.path));
      if (wantPath !== got.path) return `backend saw path ${JSON.stringify(got.path)}, want ${JSON.stringify(wantPath)}`;
    }
    if (got.isEcho) {
      const m = String(br.method ?? 'GET');
      if (m !== got.method) return `backend saw method ${got.method}, want ${m}`;
    }
    if (br.host && br.host !== got.host) return `backend saw host ${JSON.stringify(got.host)}, want ${JSON.stringify(br.host)}`;
    for (const [name, v] of Object.entries((br.headers ?? {}) as Record<string, string>)) {
      const a = got.headers[name.toLowerCase()];
      if (!a) return `backend request lacks header ${name} (want ${JSON.stringify(v)}; has ${Object.keys(got.headers).sort().join(', ')})`;
      if (a.join(',') !== v) return `backend request header ${name} = ${JSON.stringify(a.join(','))}, want ${JSON.stringify(v)}`;
    }
    for (const name of (br.absentHeaders ?? []) as string[]) {
      const a = got.headers[name.toLowerCase()];
      if (a) return `backend request has header ${name} = ${JSON.stringify(a.join(','))}, want it absent`;
    }
    for (const sni of [br.sni, step.backendTLSExpectation?.sni]) {
      if (!sni) continue;
      const sn = got.tls?.serverName;
      if (!got.tls) return `backend connection is not TLS (want SNI ${sni})`;
      if (sn !== sni) return `backend saw SNI ${JSON.stringify(sn ?? '')}, want ${JSON.stringify(sni)}`;
    }
    const cc = step.backendTLSExpectation?.clientCertPresented?.secret;
    if (cc) {
      const pem = run.secret(cc)?.cert;
      const peers = ((got.tls?.peerCertificates ?? []) as string[]).map(normPem);
      if (!pem) return `client certificate Secret ${cc.name} not found`;
      if (!peers.includes(normPem(pem))) return `backend TLS peer certificates do not include ${cc.name} (${peers.length} presented${got.tls ? '' : ', backend connection not TLS'})`;
    }
    if (be.podPrefix && !got.pod.startsWith(be.podPrefix)) return `echoed pod ${JSON.stringify(got.pod)}, want prefix ${JSON.stringify(be.podPrefix)}`;
    const strip = (s: string) => (os.ignoreWhitespaceInHeaderValues ? s.replace(/\s+/g, '') : s);
    for (const [name, v] of Object.entries((os.responseHeaders ?? {}) as Record<string, string>)) {
      const a = res.headers[name.toLowerCase()];
      if (!a) return `response lacks header ${name} (want ${JSON.stringify(v)})`;
      if (strip(a.join(',')) !== strip(String(v))) return `response header ${name} = ${JSON.stringify(a.join(','))}, want ${JSON.stringify(v)}`;
    }
    for (const [name, vs] of Object.entries((os.responseHeaderAnyOf ?? {}) as Record<string, string[]>)) {
      const a = res.headers[name.toLowerCase()];
      if (!a) return `response lacks header ${name} (want one of ${JSON.stringify(vs)})`;
      if (!vs.some((v) => strip(a.join(',')) === strip(v))) return `response header ${name} = ${JSON.stringify(a.join(','))}, want one of ${JSON.stringify(vs)}`;
    }
    for (const name of (os.responseAbsentHeaders ?? []) as string[]) {
      const a = res.headers[name.toLowerCase()];
      if (a) return `response has header ${name} = ${JSON.stringify(a.join(','))}, want it absent`;
    }
  }
  if (res.status >= 300 && res.status < 400 && [300, 301, 302, 303, 304, 305, 307, 308].includes(res.status) && e.onRedirect) {
    const rd = e.onRedirect as J;
    const loc = (res.headers.location ?? [])[0];
    if (loc === undefined) return `redirect ${res.status} without Location`;
    let u: URL;
    try {
      u = new URL(loc, `${p.scheme}://${calculateHost(p.declaredPort, p.scheme)}${p.path}`);
    } catch {
      return `unparsable Location ${JSON.stringify(loc)}`;
    }
    const scheme = u.protocol.replace(/:$/, '');
    if (rd.host !== null && rd.host !== undefined && u.hostname !== rd.host) return `Location ${loc}: host ${JSON.stringify(u.hostname)}, want ${JSON.stringify(rd.host)}`;
    const wantScheme = String(rd.scheme ?? p.scheme);
    if (scheme !== wantScheme) return `Location ${loc}: scheme ${scheme}, want ${wantScheme}`;
    // URL drops a port equal to the scheme default; the README's rule accepts both.
    const port = u.port;
    if (rd.port === null || rd.port === undefined) {
      if (scheme === 'http' && port !== '' && port !== '80') return `Location ${loc}: port ${port}, want none or 80`;
      if (scheme === 'https' && port !== '' && port !== '443') return `Location ${loc}: port ${port}, want none or 443`;
    } else {
      const explicit = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*:(\d+)/i.exec(loc)?.[1] ?? port;
      if (explicit !== String(rd.port)) return `Location ${loc}: port ${JSON.stringify(explicit)}, want ${JSON.stringify(String(rd.port))}`;
    }
    const wantPath = rd.path === null || rd.path === undefined ? p.path.split('?')[0] : String(rd.path);
    let gotPath = u.pathname;
    try {
      gotPath = decodeURIComponent(u.pathname);
    } catch {
      // keep the raw path
    }
    if (gotPath !== wantPath) return `Location ${loc}: path ${JSON.stringify(gotPath)}, want ${JSON.stringify(wantPath)}`;
  }
  return undefined;
}

/** Waits for each mirror backend's log to show the request. */
async function checkMirrors(run: CaseRun, r: J, path: string): Promise<string | undefined> {
  const line = `Echoing back request made to ${path} to client`;
  for (const m of (r.expect?.mirroredTo ?? []) as J[]) {
    if (m.percent !== undefined) continue;
    const pods = run.rig.podsNamed(m.namespace ?? 'gateway-conformance-infra', m.name, run.objects);
    if (!pods.length) return `mirror backend ${m.namespace}/${m.name} has no pod in the rig`;
    const deadline = Date.now() + 3000;
    while (!pods.some((p) => p.log.has(line))) {
      if (Date.now() > deadline) return `mirror backend ${m.name} never logged "${line}"`;
      await sleep(50);
    }
  }
  return undefined;
}

async function httpAttempt(run: CaseRun, step: J, r: J): Promise<string | undefined> {
  const requestId = step.addRequestId || (r.expect?.mirroredTo ?? []).length ? crypto.randomUUID() : undefined;
  const p = await prepare(run, r, requestId ? { requestId } : {});
  let res: HttpResponse;
  try {
    res = await send(p);
  } catch (e) {
    return `${p.protocol} ${p.method} ${p.host}${p.path} on port ${p.declaredPort}: ${errText(e)}`;
  }
  const why = compareHttp(run, step, r, p, res);
  if (why) return why;
  if (res.status === 200 && (r.expect?.mirroredTo ?? []).length && (step.checkMirrorLogs || step.addRequestId)) return checkMirrors(run, r, p.path);
  return undefined;
}

function grpcCodeOf(x: unknown): number {
  if (x === undefined || x === null) return 0;
  const m = /\((\d+)\)/.exec(String(x)) ?? /^(\d+)$/.exec(String(x));
  if (m) return Number(m[1]);
  const names: Record<string, number> = { OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALIDARGUMENT: 3, NOTFOUND: 5, PERMISSIONDENIED: 7, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16 };
  return names[String(x).toUpperCase().replace(/[^A-Z]/g, '')] ?? 0;
}

async function grpcAttempt(run: CaseRun, r: J): Promise<string | undefined> {
  const declaredPort = r.target?.port ?? 80;
  const port = await run.port(r.target.gateway, declaredPort);
  const method = String(r.call?.fullMethod);
  let res;
  try {
    res = await grpcCall(port, method, r.call?.authority ?? `127.0.0.1:${declaredPort}`, (r.call?.metadata ?? {}) as Record<string, string>);
  } catch (e) {
    return `gRPC ${method}: ${errText(e)}`;
  }
  const want = grpcCodeOf(r.expect?.grpcCode);
  if (res.code !== want) return `gRPC ${method}${r.call?.authority ? ` (authority ${r.call.authority})` : ''}: code ${res.code}${res.message ? ` (${res.message})` : ''}, want ${want}`;
  if (want === 0 && r.expect?.onOK) {
    const ok = r.expect.onOK as J;
    const reply = res.reply;
    if (!reply) return 'gRPC reply missing';
    if (ok.echoedFullyQualifiedMethod && reply.fullyQualifiedMethod !== ok.echoedFullyQualifiedMethod) return `echoed method ${reply.fullyQualifiedMethod}, want ${ok.echoedFullyQualifiedMethod}`;
    const pod = reply.context?.pod ?? '';
    if (ok.backend?.podPrefix && !pod.startsWith(ok.backend.podPrefix)) return `echoed pod ${JSON.stringify(pod)}, want prefix ${JSON.stringify(ok.backend.podPrefix)}`;
    if (ok.backend?.namespace && reply.context?.namespace !== ok.backend.namespace) return `echoed namespace ${JSON.stringify(reply.context?.namespace ?? '')}, want ${JSON.stringify(ok.backend.namespace)}`;
  }
  return undefined;
}

function requestName(r: J, i: number): string {
  return `request ${JSON.stringify(r.name ?? String(i))}`;
}

async function traffic(run: CaseRun, s: J): Promise<void> {
  const mode = String(s.mode ?? 'eventuallyConsistent');
  const requests = (s.requests ?? []) as J[];
  for (let i = 0; i < requests.length; i++) {
    const r = requests[i];
    const name = requestName(r, i);
    const isGrpc = protocolOf(r) === 'GRPC';
    try {
      if (s.percentageMirror) {
        await percentageMirror(run, s, r);
        continue;
      }
      if (mode === 'failureNot200') {
        await failureNot200(run, r);
      } else if (mode === 'tlsRequestMustFail') {
        await tlsRequestMustFail(run, r);
      } else {
        await converge(REQUIRED_SUCCESSES, MAX_ATTEMPTS, () => (isGrpc ? grpcAttempt(run, r) : httpAttempt(run, s, r)));
        if (s.note && /client certificate must be requested/.test(String(s.note))) {
          const p = await prepare(run, r);
          if (!serverRequestsClientCert(p.port, p.tls?.serverName ?? p.host)) throw new StepFail('the listener does not request a client certificate (no CertificateRequest in the handshake)');
        }
      }
    } catch (e) {
      if (e instanceof StepFail) throw new StepFail(`${name}: ${e.message}`);
      throw e;
    }
  }
}

async function failureNot200(run: CaseRun, r: J): Promise<void> {
  let consecutive = 0;
  let lastErr = '';
  for (let i = 0; i < 15; i++) {
    const p = await prepare(run, r);
    try {
      const res = await send(p);
      if (res.status === 200) throw new StepFail(`got 200, want a failure (echo: ${snippet(res.body).slice(0, 100)})`);
      if (isTimeout(res.status)) consecutive = 0;
      else consecutive++;
      if (consecutive >= 5) return;
    } catch (e) {
      if (e instanceof StepFail) throw e;
      lastErr = errText(e);
      await sleep(RETRY_DELAY_MS);
    }
  }
  throw new StepFail(`no 5 consecutive non-200 answers${lastErr ? ` (transport errors: ${lastErr})` : ''}`);
}

/**
 * One HTTPS attempt must fail (the suite's MakeTLSRequestAndExpectFailureResponse: any error of the
 * round trip passes, any HTTP response fails); with a client certificate the listener must also have
 * asked for it (the suite's GetClientCertificate hook).
 */
async function tlsRequestMustFail(run: CaseRun, r: J): Promise<void> {
  const p = await prepare(run, r);
  if (p.tls?.cert && !serverRequestsClientCert(p.port, p.tls.serverName ?? p.host)) throw new StepFail('the listener does not request a client certificate (no CertificateRequest in the handshake)');
  let res: HttpResponse;
  try {
    res = await send(p);
  } catch {
    return;
  }
  throw new StepFail(`the request succeeded with status ${res.status}${res.body.length ? ` (body: ${snippet(res.body)})` : ''}, want the HTTPS round trip to fail`);
}

async function percentageMirror(run: CaseRun, s: J, r: J): Promise<void> {
  const cfg = s.percentageMirror as J;
  await converge(1, MAX_ATTEMPTS, () => httpAttempt(run, { ...s, addRequestId: false, checkMirrorLogs: false }, { ...r, expect: { ...r.expect, mirroredTo: [] } }));
  const total = Number(cfg.totalRequests ?? 500);
  const conc = Number(cfg.concurrency ?? 10);
  const stdDevs = Number(cfg.toleranceStdDevs ?? 3);
  const rounds = Math.min(Number(cfg.maxRounds ?? 5), 3);
  let last = '';
  for (let round = 0; round < rounds; round++) {
    const id = crypto.randomUUID();
    const p = await prepare(run, r, { requestId: id });
    let next = 0;
    let failure: string | undefined;
    const worker = async () => {
      while (next < total && !failure) {
        next++;
        try {
          const res = await send(p);
          const why = compareHttp(run, s, r, p, res);
          if (why) failure = why;
        } catch (e) {
          failure = errText(e);
        }
      }
    };
    await Promise.all(Array.from({ length: conc }, worker));
    if (failure) throw new StepFail(`during the mirror sample: ${failure}`);
    await sleep(300);
    for (const m of (r.expect?.mirroredTo ?? []) as J[]) {
      const pods = run.rig.podsNamed(m.namespace ?? 'gateway-conformance-infra', m.name, run.objects);
      const line = `Echoing back request made to ${p.path} to client`;
      const n = pods.reduce((acc, pod) => acc + pod.log.lines.filter((l) => l.startsWith(line)).length, 0);
      const pr = Number(m.percent ?? 100) / 100;
      const mean = total * pr;
      const sd = Math.sqrt(total * pr * (1 - pr));
      if (Math.abs(n - mean) > stdDevs * sd + 1e-9) {
        last = `mirror ${m.name} got ${n} of ${total} requests, want ${mean} ± ${(stdDevs * sd).toFixed(1)} (${m.percent}%)`;
      } else last = '';
      if (last) break;
    }
    if (!last) return;
  }
  throw new StepFail(last);
}

// ---------------------------------------------------------------------------------------------
// Probes

function gatewayOf(s: J): J {
  return s.target?.gateway ?? { name: s.gateway?.name, namespace: s.gateway?.namespace };
}

async function eventually(attempts: number, attempt: () => Promise<string | undefined>): Promise<void> {
  await converge(1, attempts, attempt);
}

function backendName(pod: string): string {
  const parts = pod.split('-');
  return parts.length < 3 ? pod : parts.slice(0, -2).join('-');
}

async function tcpEcho(run: CaseRun, s: J): Promise<void> {
  const port = await run.port(gatewayOf(s), Number(s.target?.port));
  const ct = s.clientTLS as J | null;
  let tlsOpts: TlsClientOptions | undefined;
  if (ct) {
    const ca = ct.trustedCA?.configMap ? run.configMapValue(ct.trustedCA.configMap, ct.trustedCA.key ?? 'ca.crt') : undefined;
    tlsOpts = { serverName: ct.sni, ...(ca ? { ca } : {}) };
  }
  const ex = s.expect as J;
  await eventually(PROBE_ATTEMPTS, async () => {
    let c: LineConn | undefined;
    try {
      c = await LineConn.open(port, tlsOpts);
      for (const x of (s.exchange ?? []) as J[]) {
        if (x.send !== undefined) c.send(String(x.send));
        const line = await c.readLine();
        if (x.expectLine !== undefined && line !== x.expectLine) return `after ${JSON.stringify(x.send ?? '(connect)')}: read ${JSON.stringify(line)}, want ${JSON.stringify(x.expectLine)}`;
        if (x.expectJSON !== undefined) {
          let j: J;
          try {
            j = JSON.parse(line) as J;
          } catch {
            return `after ${JSON.stringify(x.send)}: not JSON: ${JSON.stringify(line)}`;
          }
          if (ex?.namespace && j.namespace !== ex.namespace) return `TCP echo namespace ${JSON.stringify(j.namespace)}, want ${JSON.stringify(ex.namespace)}`;
          if (ex?.podPrefix && !String(j.pod ?? '').startsWith(ex.podPrefix)) return `TCP echo pod ${JSON.stringify(j.pod)}, want prefix ${JSON.stringify(ex.podPrefix)}`;
          if (ex?.backendIsTLS !== undefined && j.isTLS !== ex.backendIsTLS) return `backend isTLS ${j.isTLS}, want ${ex.backendIsTLS}`;
          if (ex?.backendSNI && j.tls?.serverName !== ex.backendSNI) return `backend SNI ${JSON.stringify(j.tls?.serverName ?? '')}, want ${JSON.stringify(ex.backendSNI)}`;
        }
      }
      return undefined;
    } catch (e) {
      return `${ct ? 'TLS' : 'TCP'} exchange on port ${s.target?.port}${ct ? ` (SNI ${ct.sni})` : ''}: ${errText(e)}`;
    } finally {
      c?.close();
    }
  });
}

async function tcpPod(port: number, timeoutMs: number): Promise<string> {
  const c = await LineConn.open(port, undefined, timeoutMs);
  try {
    await c.readLine(timeoutMs);
    c.send('TEST');
    const j = JSON.parse(await c.readLine(timeoutMs)) as J;
    return String(j.pod ?? '');
  } finally {
    c.close();
  }
}

async function repeatTcpEcho(run: CaseRun, s: J): Promise<void> {
  const port = await run.port(gatewayOf(s), Number(s.target?.port));
  const text = String(s.expect ?? '');
  const want = /starts with "([^"]+)"/.exec(text)?.[1];
  const not = /none with "([^"]+)"/.exec(text)?.[1];
  const n = Number(s.count ?? 100);
  for (let i = 0; i < n; i++) {
    let pod: string;
    try {
      pod = await tcpPod(port, Number(s.perRequestTimeoutSeconds ?? 5) * 1000);
    } catch (e) {
      throw new StepFail(`connection ${i + 1}/${n}: ${errText(e)}`);
    }
    if (want && !pod.startsWith(want)) throw new StepFail(`connection ${i + 1}/${n} reached pod ${pod}, want prefix ${want}`);
    if (not && pod.startsWith(not)) throw new StepFail(`connection ${i + 1}/${n} reached pod ${pod} (must not)`);
  }
}

async function udpEcho(run: CaseRun, s: J): Promise<void> {
  const port = await run.port(gatewayOf(s), Number(s.target?.port));
  const ex = (s.expect ?? {}) as J;
  await eventually(3, async () => {
    let reply: Buffer;
    try {
      reply = await udpRequest(port, Buffer.from(String(s.send ?? 'ping')), 2000);
    } catch (e) {
      return `UDP to port ${s.target?.port}: ${errText(e)}`;
    }
    if (ex.anyReply || (!ex.service && !ex.namespace)) return undefined;
    let j: J;
    try {
      j = JSON.parse(reply.toString('utf8')) as J;
    } catch {
      return `UDP reply is not JSON: ${snippet(reply)}`;
    }
    if (ex.service && j.service !== ex.service) return `UDP reply from service ${JSON.stringify(j.service)}, want ${JSON.stringify(ex.service)}`;
    if (ex.namespace && j.namespace !== ex.namespace) return `UDP reply from namespace ${JSON.stringify(j.namespace)}, want ${JSON.stringify(ex.namespace)}`;
    return undefined;
  });
}

async function repeatUdpEcho(run: CaseRun, s: J): Promise<void> {
  const port = await run.port(gatewayOf(s), Number(s.target?.port));
  const want = /backend "([^"]+)"/.exec(String(s.expect ?? ''))?.[1];
  const n = Number(s.probes ?? 20);
  await eventually(3, async () => {
    for (let i = 0; i < n; i++) {
      let j: J;
      try {
        j = JSON.parse((await udpRequest(port, Buffer.from(String(s.send ?? 'x')), Number(s.perProbeTimeoutSeconds ?? 2) * 1000)).toString('utf8')) as J;
      } catch (e) {
        return `probe ${i + 1}/${n}: ${errText(e)}`;
      }
      const b = backendName(String(j.pod ?? ''));
      if (want && b !== want) throw new StepFail(`probe ${i + 1}/${n} answered by backend ${b}, want ${want}`);
    }
    return undefined;
  });
}

async function dns(run: CaseRun, s: J): Promise<void> {
  const port = await run.port(gatewayOf(s), Number(s.target?.port));
  await eventually(3, async () => {
    try {
      await dnsQuery(port, String(s.question?.name ?? 'foo.bar.com.'), String(s.question?.type ?? 'A'));
      return undefined;
    } catch (e) {
      return `DNS query to port ${s.target?.port}: ${errText(e)}`;
    }
  });
}

async function tlsRejected(run: CaseRun, s: J): Promise<void> {
  const port = await run.port(gatewayOf(s), Number(s.target?.port));
  await eventually(3, async () => {
    const o = await tlsHandshakeOutcome(port, String(s.sni ?? ''));
    if (o.outcome === 'eof' || o.outcome === 'reset') return undefined;
    return `TLS handshake (SNI ${s.sni}) ended with ${o.outcome}: ${o.detail}; want EOF or connection reset`;
  });
}

async function tcpProbe(run: CaseRun, s: J): Promise<void> {
  const port = await run.port(gatewayOf(s), Number(s.target?.port));
  await eventually(PROBE_ATTEMPTS, async () => {
    try {
      await tcpConnect(port);
      return undefined;
    } catch (e) {
      return `TCP connect to port ${s.target?.port}: ${errText(e)}`;
    }
  });
}

async function websocket(run: CaseRun, s: J): Promise<void> {
  const scheme = String(s.target?.scheme ?? 'http');
  const declared = Number(s.target?.port ?? 80);
  const port = await run.port(gatewayOf(s), declared);
  const u = /^wss?:\/\/[^/]+(\/.*)?$/.exec(String(s.url ?? 'ws://x/ws'));
  const path = u?.[1] ?? '/';
  const exchanges = (s.exchanges ?? []) as J[];
  const origin = String(s.origin ?? 'ws://gateway/').replace('<t.Name()>', 'HTTPRouteBackendProtocolWebSocket');
  await converge(REQUIRED_SUCCESSES, MAX_ATTEMPTS, async () => {
    let got: WsMessage[];
    try {
      got = await wsExchange(port, calculateHost(declared, scheme), path, origin, exchanges.map((x) => x.send as WsMessage));
    } catch (e) {
      return `websocket ${path}: ${errText(e)}`;
    }
    for (let i = 0; i < exchanges.length; i++) {
      const want = exchanges[i].expectEcho as WsMessage;
      if (JSON.stringify(got[i]) !== JSON.stringify(want)) return `websocket echo ${i + 1}: got ${JSON.stringify(got[i])}, want ${JSON.stringify(want)}`;
    }
    return undefined;
  });
}

async function weighted(run: CaseRun, s: J): Promise<void> {
  const protocol = String(s.protocol ?? s.target?.protocol ?? 'HTTP').toUpperCase();
  const declared = Number(s.target?.port ?? 80);
  const port = await run.port(gatewayOf(s), declared);
  const weights = (s.expectedWeights ?? {}) as Record<string, number>;
  const total = Number(s.totalRequests ?? 500);
  const conc = Number(s.concurrency ?? 10);
  const tol = Number(s.tolerance ?? 0.05);
  const attempts = Math.min(Number(s.maxAttempts ?? 10), 3);
  const sendOne = async (): Promise<string> => {
    if (protocol === 'GRPC') {
      const r = await grpcCall(port, String(s.request?.fullMethod), `127.0.0.1:${declared}`, { 'x-jitter': String(crypto.randomInt(10000)) });
      if (r.code !== 0) throw new Error(`gRPC code ${r.code} (${r.message})`);
      return r.reply?.context?.pod ?? '';
    }
    if (protocol === 'TCP') return tcpPod(port, 5000);
    if (protocol === 'UDP') {
      const j = JSON.parse((await udpRequest(port, Buffer.from('gateway-api-conformance-udp-weight\n'), 2000)).toString('utf8')) as J;
      return String(j.pod ?? '');
    }
    const res = await httpRoundTrip({ protocol: 'HTTP', port, method: 'GET', path: String(s.request?.path ?? '/'), host: s.request?.host ?? calculateHost(declared, 'http'), headers: { 'X-Jitter': String(crypto.randomInt(10000)), 'X-Echo-Set-Header': '' } });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    return echoOf(res).pod;
  };
  let last = '';
  for (let a = 0; a < attempts; a++) {
    const seen: Record<string, number> = {};
    let next = 0;
    let failure: string | undefined;
    const worker = async () => {
      while (next < total && !failure) {
        next++;
        try {
          const pod = await sendOne();
          const b = backendName(pod);
          if (!(b in weights)) failure = `request handled by unexpected pod ${JSON.stringify(pod)} (backend ${b})`;
          else seen[b] = (seen[b] ?? 0) + 1;
        } catch (e) {
          failure = errText(e);
        }
      }
    };
    await Promise.all(Array.from({ length: conc }, worker));
    if (failure) {
      last = failure;
      continue;
    }
    const errs: string[] = [];
    const active = Object.values(weights).filter((w) => w > 0).length;
    if (Object.keys(seen).length !== active) errs.push(`${Object.keys(seen).length} backends received traffic, want ${active}`);
    for (const [b, w] of Object.entries(weights)) {
      const got = (seen[b] ?? 0) / total;
      if (Math.abs(got - w) > tol) errs.push(`${b} got ${(got * 100).toFixed(1)}%, want ${(w * 100).toFixed(0)}% ± ${(tol * 100).toFixed(0)}`);
    }
    if (!errs.length) return;
    last = `${errs.join('; ')} (counts ${JSON.stringify(seen)})`;
  }
  throw new StepFail(`${protocol} weighted distribution over ${total} requests: ${last}`);
}

async function repeatRequests(run: CaseRun, s: J): Promise<void> {
  const declared = Number(s.target?.port ?? 80);
  const port = await run.port(gatewayOf(s), declared);
  const n = Number(s.count ?? 100);
  for (let i = 0; i < n; i++) {
    let res: HttpResponse;
    try {
      res = await httpRoundTrip({ protocol: 'HTTP', port, method: String(s.request?.method ?? 'GET'), path: String(s.request?.path ?? '/'), host: s.request?.host ?? calculateHost(declared, 'http'), headers: { 'X-Echo-Set-Header': '' } });
    } catch (e) {
      throw new StepFail(`request ${i + 1}/${n}: ${errText(e)}`);
    }
    if (res.status !== 200) throw new StepFail(`request ${i + 1}/${n}: status ${res.status}`);
    const e = echoOf(res);
    const b = e.headers.backend ?? [];
    if (b.length !== 1) throw new StepFail(`request ${i + 1}/${n}: backend saw ${b.length} Backend header values ${JSON.stringify(b)}, want exactly one`);
    if (!e.pod.startsWith(b[0])) throw new StepFail(`request ${i + 1}/${n}: Backend header ${JSON.stringify(b[0])} but pod ${e.pod}`);
  }
}

async function hasAddress(run: CaseRun, s: J): Promise<void> {
  const gw = gatewayOf(s);
  const st = run.status('Gateway', gw.name, gw.namespace);
  const programmed = ((st?.conditions ?? []) as J[]).find((c) => c.type === 'Programmed');
  if (programmed?.status !== 'True') throw new StepFail(`Gateway ${gw.name} is not Programmed (${programmed ? `${programmed.status}/${programmed.reason}` : 'no condition'}), so it gets no address`);
  await run.ensure(gw);
}

/** Runs one non-status step against the running data plane. */
export async function runProbe(run: CaseRun, s: J): Promise<void> {
  switch (s.type) {
    case 'traffic':
      return traffic(run, s);
    case 'tcpEcho':
      return tcpEcho(run, s);
    case 'repeatTCPEcho':
      return repeatTcpEcho(run, s);
    case 'udpEcho':
      return udpEcho(run, s);
    case 'repeatUDPEcho':
      return repeatUdpEcho(run, s);
    case 'dnsQuery':
      return dns(run, s);
    case 'tlsConnectionRejected':
      return tlsRejected(run, s);
    case 'tcpConnectProbe':
      return tcpProbe(run, s);
    case 'websocket':
      return websocket(run, s);
    case 'weightedDistribution':
      return weighted(run, s);
    case 'repeatRequests':
      return repeatRequests(run, s);
    case 'gatewayHasAddress':
      return hasAddress(run, s);
    default:
      throw new StepFail(`step type ${s.type} is not implemented by the runner`);
  }
}
