import { Diagnostic, ObjectRef, Severity } from '../model';
import { Condition, ConditionStatus } from './types';

/** Builds one condition. */
export function condition(type: string, status: boolean | ConditionStatus, reason: string, message: string, observedGeneration: number): Condition {
  const s: ConditionStatus = status === true ? 'True' : status === false ? 'False' : status;
  return { type, status: s, reason, message, observedGeneration };
}

/** A diagnostic; `fix` is omitted when empty. */
export function diagnostic(
  severity: Severity,
  code: string,
  object: ObjectRef,
  field: string | undefined,
  message: string,
  fix?: string,
): Diagnostic {
  // (one literal per combination of the optional keys, in the same key order: no spread of
  // temporary literals, and diagnostics of one shape per combination for the code that reads them)
  if (field !== undefined) return fix ? { severity, code, message, object, field, fix } : { severity, code, message, object, field };
  return fix ? { severity, code, message, object, fix } : { severity, code, message, object };
}

/** Gateway API condition reasons used by the resolver (v1.6.1 vocabulary). */
export const REASON = {
  Accepted: 'Accepted',
  Programmed: 'Programmed',
  ResolvedRefs: 'ResolvedRefs',
  NoConflicts: 'NoConflicts',
  Invalid: 'Invalid',
  Pending: 'Pending',
  InvalidParameters: 'InvalidParameters',
  ListenersNotValid: 'ListenersNotValid',
  UnsupportedAddress: 'UnsupportedAddress',
  UnsupportedProtocol: 'UnsupportedProtocol',
  PortUnavailable: 'PortUnavailable',
  HostnameConflict: 'HostnameConflict',
  ProtocolConflict: 'ProtocolConflict',
  InvalidCertificateRef: 'InvalidCertificateRef',
  InvalidRouteKinds: 'InvalidRouteKinds',
  RefNotPermitted: 'RefNotPermitted',
  NotAllowedByListeners: 'NotAllowedByListeners',
  NoMatchingListenerHostname: 'NoMatchingListenerHostname',
  NoMatchingParent: 'NoMatchingParent',
  UnsupportedValue: 'UnsupportedValue',
  IncompatibleFilters: 'IncompatibleFilters',
  BackendNotFound: 'BackendNotFound',
  InvalidKind: 'InvalidKind',
  NotAllowed: 'NotAllowed',
  ParentNotAccepted: 'ParentNotAccepted',
  Conflicted: 'Conflicted',
  TargetNotFound: 'TargetNotFound',
  NoValidCACertificate: 'NoValidCACertificate',
  InvalidCACertificateRef: 'InvalidCACertificateRef',
  InvalidCACertificateKind: 'InvalidCACertificateKind',
  InvalidClientCertificateRef: 'InvalidClientCertificateRef',
} as const;
