/**
 * Typed route matches and filters of the resolved model ({@link ResolvedRule.matches},
 * {@link ResolvedRule.filters}): the Gateway API v1.6.1 shapes, with the CRD defaults applied to
 * matches. The data-plane compiler (`compileNginx`) accepts input that was not schema-checked, so a
 * value may still be of another type than declared: readers stay tolerant (see `precedence.ts`).
 *
 * Type aliases (not interfaces) so that they stay assignable to `Record<string, unknown>` for the
 * tools that print them as written.
 */

/** A header, query-parameter or similar name / value match. */
export type ResolvedValueMatch = {
  /** `Exact` (default) or `RegularExpression`. */
  readonly type: string;
  readonly name: string;
  readonly value: string;
};

/** An HTTPRoute match with defaults applied (path `PathPrefix /`, header / query type `Exact`). */
export type ResolvedHttpMatch = {
  readonly path: { readonly type: string; readonly value: string };
  readonly method?: string;
  readonly headers?: ResolvedValueMatch[];
  readonly queryParams?: ResolvedValueMatch[];
};

/** A GRPCRoute match with defaults applied (method / header type `Exact`). */
export type ResolvedGrpcMatch = {
  readonly method?: { readonly type: string; readonly service?: string; readonly method?: string };
  readonly headers?: ResolvedValueMatch[];
};

/** A match of an HTTPRoute or GRPCRoute rule. */
export type ResolvedMatch = ResolvedHttpMatch | ResolvedGrpcMatch;

/** `requestHeaderModifier` / `responseHeaderModifier`. */
export type HeaderModifierFilter = {
  readonly set?: { readonly name: string; readonly value: string }[];
  readonly add?: { readonly name: string; readonly value: string }[];
  readonly remove?: string[];
};

/** `requestRedirect.path` / `urlRewrite.path`. */
export type PathModifierFilter = {
  readonly type: string;
  readonly replaceFullPath?: string;
  readonly replacePrefixMatch?: string;
};

/** `requestMirror`: a target and the share of requests copied (see `mirrorPercent`). */
export type RequestMirrorFilter = {
  readonly backendRef: Record<string, unknown>;
  readonly percent?: number;
  readonly fraction?: { readonly numerator: number; readonly denominator?: number };
};

/** One rule (or backendRef) filter as written; the member named after `type` holds its settings. */
export type ResolvedFilter = {
  /** `RequestHeaderModifier`, `ResponseHeaderModifier`, `RequestMirror`, `RequestRedirect`, `URLRewrite`, `CORS`, `ExternalAuth`, `ExtensionRef`. */
  readonly type: string;
  readonly requestHeaderModifier?: HeaderModifierFilter;
  readonly responseHeaderModifier?: HeaderModifierFilter;
  readonly requestRedirect?: {
    readonly scheme?: string;
    readonly hostname?: string;
    readonly port?: number;
    readonly path?: PathModifierFilter;
    readonly statusCode?: number;
  };
  readonly urlRewrite?: { readonly hostname?: string; readonly path?: PathModifierFilter };
  readonly requestMirror?: RequestMirrorFilter;
  readonly cors?: Record<string, unknown>;
  readonly externalAuth?: Record<string, unknown>;
  readonly extensionRef?: { readonly group?: string; readonly kind: string; readonly name: string };
};
