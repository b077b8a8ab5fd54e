import { Diagnostic, GATEWAY_API_BUNDLE_VERSION, GATEWAY_GROUP, KubeObject, ObjectRef, splitApiVersion } from '../model';
import { diagnostic } from './conditions';
import { STANDARD_VERSIONS, wrap } from './inventory';
import { arr, inGroup, Json, rec, str } from './util';

/**
 * Stage "removed shapes": fields, values, kinds and API groups that older Gateway API releases (the
 * v1alpha1 API of v0.3 and earlier, the v1alpha2 policies) or Istio's own Gateway used and that the
 * v1.6.1 CRDs no longer accept. The API server rejects them as unknown fields or unsupported
 * values; these diagnostics name the v1 replacement instead, with the rewritten value where it can
 * be derived. Every finding is an error (`RemovedField`, `RemovedValue`, `RemovedKind`,
 * `RemovedGroup`); schema findings on the same field are dropped in favour of them (see
 * {@link coveredBy}).
 */

/** The Gateway API v1alpha1 group (v0.1–v0.3). */
export const V1ALPHA1_GROUP = 'networking.x-k8s.io';

/** Codes of this stage. */
export const REMOVED_CODES = ['RemovedField', 'RemovedValue', 'RemovedKind', 'RemovedGroup'] as const;

/** Kinds of the Gateway API group that were renamed or removed, with what replaces them. */
export const REMOVED_KINDS: Readonly<Record<string, string>> = {
  ReferencePolicy: 'ReferenceGrant (same spec: from, to; renamed in v0.6)',
  BackendPolicy: 'BackendTLSPolicy for upstream TLS, and the Service port appProtocol for the protocol (BackendPolicy was removed in v0.4)',
};

const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute']);

/** Compact JSON of a value for messages (long values are shortened). */
function show(v: unknown, max = 160): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Drops undefined members (for rewritten values shown in fixes). */
function compact(o: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

interface Emit {
  field(field: string, message: string, fix: string): void;
  value(field: string, message: string, fix: string): void;
}

/** The diagnostics of this stage for every input object, in input order. */
export function removedShapeDiagnostics(objects: readonly KubeObject[], defaultNamespace: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const raw of objects) {
    if (!raw || typeof raw !== 'object' || typeof raw.kind !== 'string' || typeof raw.apiVersion !== 'string') continue;
    const v1alpha1 = inGroup(raw.apiVersion, V1ALPHA1_GROUP);
    if (!v1alpha1 && !inGroup(raw.apiVersion, GATEWAY_GROUP)) continue;
    // (the object's reference is made for its first finding: most objects have none)
    let ref: ObjectRef | undefined;
    const refOf = (): ObjectRef => (ref ??= wrap(raw, defaultNamespace).ref);
    const emit: Emit = {
      field: (field, message, fix) => out.push(diagnostic('error', 'RemovedField', refOf(), field, message, fix)),
      value: (field, message, fix) => out.push(diagnostic('error', 'RemovedValue', refOf(), field, message, fix)),
    };
    if (v1alpha1) {
      const replacement = REMOVED_KINDS[raw.kind];
      const target = STANDARD_VERSIONS[raw.kind] ? `${GATEWAY_GROUP}/${STANDARD_VERSIONS[raw.kind][0]}` : `${GATEWAY_GROUP}/v1`;
      out.push(
        diagnostic(
          'error',
          'RemovedGroup',
          refOf(),
          'apiVersion',
          `apiVersion ${raw.apiVersion} uses API group ${V1ALPHA1_GROUP}, the Gateway API v1alpha1 group (v0.3 and earlier); Gateway API ${GATEWAY_API_BUNDLE_VERSION} serves its kinds only in ${GATEWAY_GROUP}, so the object is ignored`,
          replacement
            ? `${raw.kind} no longer exists: use ${replacement}`
            : `set apiVersion to ${target} and convert the v1alpha1 fields reported for this object`,
        ),
      );
    } else if (REMOVED_KINDS[raw.kind]) {
      out.push(
        diagnostic(
          'error',
          'RemovedKind',
          refOf(),
          'kind',
          `kind ${raw.kind} no longer exists in Gateway API ${GATEWAY_API_BUNDLE_VERSION} (${raw.apiVersion} ${raw.kind} is not served), so the object is ignored`,
          `use ${REMOVED_KINDS[raw.kind]}`,
        ),
      );
    }
    groupRefs(rec((raw as Json).spec), 'spec', (field, value) =>
      out.push(
        diagnostic(
          'error',
          'RemovedGroup',
          refOf(),
          field,
          `group "${value}" is the Gateway API v1alpha1 group; references to Gateway API kinds use ${GATEWAY_GROUP}`,
          `set ${field.slice(field.lastIndexOf('.') + 1)} to "${GATEWAY_GROUP}" (or remove it where ${GATEWAY_GROUP} is the default)`,
        ),
      ),
    );
    const spec = rec((raw as Json).spec);
    if (raw.kind === 'GatewayClass') gatewayClass(spec, emit);
    else if (raw.kind === 'Gateway') gateway(spec, emit);
    else if (ROUTE_KINDS.has(raw.kind)) route(raw.kind, spec, emit);
    else if (raw.kind === 'BackendTLSPolicy') backendTLSPolicy(spec, emit);
  }
  return out;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Calls `found` for every `group` field (at any depth) set to the v1alpha1 group. */
function groupRefs(v: unknown, path: string, found: (field: string, value: string) => void): void {
  // the path is kept as raw keys and indices, formatted only for a finding (this runs over every
  // object: no string per visited value)
  const segments: Array<string | number> = [];
  const field = (k: string): string => `${path}${segments.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('')}.${k}`;
  const walk = (x: unknown, depth: number): void => {
    if (depth > 12 || x === null || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) {
        segments.push(i);
        walk(x[i], depth + 1);
        segments.pop();
      }
      return;
    }
    for (const k in x) {
      if (!hasOwn.call(x, k)) continue; // (the keys of Object.keys, in its order, without the array)
      const y = (x as Json)[k];
      if (k === 'group' && y === V1ALPHA1_GROUP) found(field(k), y);
      else if (y !== null && typeof y === 'object') {
        segments.push(k);
        walk(y, depth + 1);
        segments.pop();
      }
    }
  };
  walk(v, 0);
}

function gatewayClass(spec: Json, emit: Emit): void {
  if (spec.controller !== undefined) {
    emit.field(
      'spec.controller',
      `controller ${show(spec.controller)} is the v1alpha1 field; Gateway API ${GATEWAY_API_BUNDLE_VERSION} names it controllerName`,
      `rename the field: controllerName: ${show(spec.controller)}`,
    );
  }
}

/** Istio `networking.istio.io` Gateway TLS modes and their Gateway API equivalent. */
const ISTIO_TLS_MODES: Readonly<Record<string, string>> = {
  SIMPLE: 'set tls.mode to Terminate (the default) with the certificate in tls.certificateRefs',
  PASSTHROUGH: 'set tls.mode to Passthrough on a TLS listener (protocol: TLS) and attach TLSRoutes',
  MUTUAL: 'set tls.mode to Terminate and require client certificates with Gateway spec.tls.frontend.default.validation.caCertificateRefs',
  ISTIO_MUTUAL: 'set tls.mode to Terminate; Istio mesh mTLS has no Gateway API listener equivalent',
  AUTO_PASSTHROUGH: 'set tls.mode to Passthrough on a TLS listener (protocol: TLS) and attach TLSRoutes',
};

function gateway(spec: Json, emit: Emit): void {
  if (spec.class !== undefined) {
    emit.field('spec.class', `class ${show(spec.class)} is the early v1alpha1 field; Gateway API ${GATEWAY_API_BUNDLE_VERSION} names it gatewayClassName`, `rename the field: gatewayClassName: ${show(spec.class)}`);
  }
  arr(spec.listeners).forEach((l, i) => {
    const x = rec(l);
    const field = `spec.listeners[${i}]`;
    if (x.routes !== undefined) {
      const r = rec(x.routes);
      const kind = str(r.kind);
      const group = str(r.group);
      const allowed = compact({
        namespaces: r.namespaces !== undefined ? r.namespaces : undefined,
        kinds: kind ? [compact({ group: group && group !== V1ALPHA1_GROUP ? group : undefined, kind })] : undefined,
      });
      emit.field(
        `${field}.routes`,
        `listener routes ${show(x.routes)} is the v1alpha1 route binding; Gateway API ${GATEWAY_API_BUNDLE_VERSION} uses allowedRoutes (routes now pick the Gateway with parentRefs)`,
        `replace routes with allowedRoutes: ${show(allowed)}` + (r.selector !== undefined ? '; the route label selector has no replacement: attach the routes you want with their spec.parentRefs' : ''),
      );
    }
    const tls = rec(x.tls);
    if (tls.certificateRef !== undefined) {
      emit.field(
        `${field}.tls.certificateRef`,
        `tls.certificateRef ${show(tls.certificateRef)} is the v1alpha1 field; Gateway API ${GATEWAY_API_BUNDLE_VERSION} takes a list, tls.certificateRefs`,
        `replace it with certificateRefs: [${show(compact({ group: str(rec(tls.certificateRef).group) || undefined, kind: rec(tls.certificateRef).kind, name: rec(tls.certificateRef).name }))}]`,
      );
    }
    if (tls.routeOverride !== undefined) {
      emit.field(
        `${field}.tls.routeOverride`,
        `tls.routeOverride ${show(tls.routeOverride)} is a v1alpha1 field with no successor: routes can no longer supply certificates`,
        'remove routeOverride and list every certificate in the listener tls.certificateRefs (one listener per hostname if needed)',
      );
    }
    const mode = str(tls.mode);
    if (mode !== undefined && ISTIO_TLS_MODES[mode]) {
      emit.value(
        `${field}.tls.mode`,
        `tls.mode "${mode}" is an Istio Gateway (networking.istio.io) value; Gateway API ${GATEWAY_API_BUNDLE_VERSION} accepts Terminate or Passthrough`,
        ISTIO_TLS_MODES[mode],
      );
    }
  });
}

function route(kind: string, spec: Json, emit: Emit): void {
  if (spec.gateways !== undefined) {
    const g = rec(spec.gateways);
    const refs = arr(g.gatewayRefs).map((r) => compact({ name: rec(r).name, namespace: rec(r).namespace }));
    emit.field(
      'spec.gateways',
      `gateways ${show(spec.gateways)} is the v1alpha1 field; Gateway API ${GATEWAY_API_BUNDLE_VERSION} routes name their Gateways in parentRefs`,
      refs.length
        ? `replace gateways with parentRefs: ${show(refs)}`
        : 'replace gateways with parentRefs: [{name: <gateway>, namespace: <its namespace>}] (allow: All / SameNamespace has no equivalent: the route names each Gateway, the listener decides with allowedRoutes)',
    );
  }
  if (spec.targetRef !== undefined) {
    const t = rec(spec.targetRef);
    emit.field(
      'spec.targetRef',
      `targetRef ${show(spec.targetRef)} does not exist on ${kind}; routes attach to Gateways with parentRefs`,
      `replace targetRef with parentRefs: [${show(compact({ name: t.name, namespace: t.namespace, sectionName: t.sectionName }))}]`,
    );
  }
  if ((kind === 'HTTPRoute' || kind === 'TLSRoute') && spec.tls !== undefined) {
    emit.field(
      'spec.tls',
      `route-level tls ${show(spec.tls)} is a v1alpha1 field with no successor: certificates belong to the Gateway listener`,
      'remove spec.tls and add the certificate to the listener tls.certificateRefs of the Gateway',
    );
  }
  arr(spec.rules).forEach((rl, i) => {
    const r = rec(rl);
    const field = `spec.rules[${i}]`;
    if (r.forwardTo !== undefined) {
      const refs = arr(r.forwardTo).map((f) => {
        const x = rec(f);
        const b = rec(x.backendRef ?? rec(x.targetRef));
        return compact({
          group: str(b.group) || undefined,
          kind: str(b.kind) || undefined,
          name: x.serviceName ?? b.name,
          port: x.port,
          weight: x.weight,
        });
      });
      emit.field(
        `${field}.forwardTo`,
        `forwardTo ${show(r.forwardTo)} is the v1alpha1 field; Gateway API ${GATEWAY_API_BUNDLE_VERSION} uses backendRefs (serviceName became name, and port is required for a Service)`,
        `replace forwardTo with backendRefs: ${show(refs)}`,
      );
    }
    if (kind === 'TLSRoute' && r.matches !== undefined) {
      const snis = arr(r.matches).flatMap((m) => arr(rec(m).snis));
      emit.field(
        `${field}.matches`,
        `matches ${show(r.matches)} is the v1alpha1 TLSRoute field; Gateway API ${GATEWAY_API_BUNDLE_VERSION} matches SNI with spec.hostnames`,
        snis.length ? `remove matches and set spec.hostnames: ${show(snis)}` : 'remove matches and set spec.hostnames to the SNI names',
      );
    }
    if ((kind === 'TCPRoute' || kind === 'UDPRoute') && r.matches !== undefined) {
      emit.field(`${field}.matches`, `matches ${show(r.matches)} is a v1alpha1 ${kind} field with no successor`, 'remove matches: a rule applies to every connection of the listeners the route attaches to');
    }
    if (kind !== 'HTTPRoute' && kind !== 'GRPCRoute') return;
    arr(r.matches).forEach((m, j) => {
      const x = rec(m);
      const mf = `${field}.matches[${j}]`;
      if (kind === 'HTTPRoute' && str(rec(x.path).type) === 'Prefix') {
        emit.value(
          `${mf}.path.type`,
          `path type "Prefix" is the v1alpha1 value; Gateway API ${GATEWAY_API_BUNDLE_VERSION} calls it PathPrefix (Exact, PathPrefix, RegularExpression)`,
          'set path.type to PathPrefix (same element-wise prefix semantics)',
        );
      }
      for (const k of ['headers', 'queryParams'] as const) {
        const v = x[k];
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
          const h = rec(v);
          const type = str(h.type);
          const list = Object.entries(rec(h.values)).map(([name, value]) => compact({ name, value, type: type && type !== 'Exact' ? type : undefined }));
          emit.field(`${mf}.${k}`, `${k} ${show(v)} is the v1alpha1 {type, values} map; Gateway API ${GATEWAY_API_BUNDLE_VERSION} takes a list of {name, value, type}`, `replace it with ${k}: ${show(list)}`);
        }
      }
      if (x.extensionRef !== undefined) {
        emit.field(`${mf}.extensionRef`, `match extensionRef ${show(x.extensionRef)} is a v1alpha1 field with no successor`, 'remove it; custom behaviour is expressed with an ExtensionRef filter (spec.rules[].filters)');
      }
    });
    arr(r.filters).forEach((f, k) => filter(rec(f), `${field}.filters[${k}]`, emit));
  });
}

function filter(f: Json, field: string, emit: Emit): void {
  const mirror = rec(f.requestMirror);
  if (mirror.serviceName !== undefined) {
    const ref = compact({ name: mirror.serviceName, port: mirror.port });
    emit.field(
      `${field}.requestMirror.serviceName`,
      `requestMirror.serviceName ${show(mirror.serviceName)} is the v1alpha1 field; Gateway API ${GATEWAY_API_BUNDLE_VERSION} mirrors to requestMirror.backendRef`,
      `replace it with backendRef: ${show(ref)}`,
    );
  } else if (mirror.port !== undefined && mirror.backendRef !== undefined) {
    emit.field(
      `${field}.requestMirror.port`,
      `requestMirror.port ${show(mirror.port)} is the v1alpha1 field; the port now belongs to requestMirror.backendRef`,
      `move it into backendRef: ${show({ ...rec(mirror.backendRef), port: mirror.port })}`,
    );
  }
  const mod = rec(f.requestHeaderModifier);
  for (const k of ['set', 'add'] as const) {
    const v = mod[k];
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const list = Object.entries(v as Json).map(([name, value]) => ({ name, value }));
      emit.field(
        `${field}.requestHeaderModifier.${k}`,
        `requestHeaderModifier.${k} ${show(v)} is the v1alpha1 name→value map; Gateway API ${GATEWAY_API_BUNDLE_VERSION} takes a list of {name, value}`,
        `replace it with ${k}: ${show(list)}`,
      );
    }
  }
}

function backendTLSPolicy(spec: Json, emit: Emit): void {
  if (spec.targetRef !== undefined) {
    emit.field(
      'spec.targetRef',
      `targetRef ${show(spec.targetRef)} is the v1alpha2 field; Gateway API ${GATEWAY_API_BUNDLE_VERSION} takes a list, targetRefs`,
      `replace it with targetRefs: [${show(spec.targetRef)}]`,
    );
  }
  if (spec.tls !== undefined) {
    const t = rec(spec.tls);
    const validation = compact({ caCertificateRefs: t.caCertRefs, wellKnownCACertificates: t.wellKnownCACerts, hostname: t.hostname });
    emit.field(
      'spec.tls',
      `tls ${show(spec.tls)} is the v1alpha2 field; Gateway API ${GATEWAY_API_BUNDLE_VERSION} names it validation (caCertRefs → caCertificateRefs, wellKnownCACerts → wellKnownCACertificates)`,
      `replace it with validation: ${show(validation)}`,
    );
  }
}

/**
 * Whether a diagnostic at `field` of `object` is explained by one of the removed-shape diagnostics
 * (same object, same field or a field below it): the schema findings of a removed field add nothing.
 */
export function coveredBy(removed: readonly Diagnostic[]): (d: Diagnostic) => boolean {
  const byObject = new Map<string, string[]>();
  const k = (r: ObjectRef) => `${splitApiVersion(r.apiVersion).group}|${r.kind}|${r.namespace ?? ''}|${r.name}`;
  for (const d of removed) {
    if (d.field === undefined) continue;
    const list = byObject.get(k(d.object)) ?? [];
    list.push(d.field);
    byObject.set(k(d.object), list);
  }
  return (d) => {
    if (d.field === undefined || (REMOVED_CODES as readonly string[]).includes(d.code)) return false;
    const fields = byObject.get(k(d.object));
    if (!fields) return false;
    return fields.some((f) => d.field === f || d.field!.startsWith(`${f}.`) || d.field!.startsWith(`${f}[`));
  };
}
