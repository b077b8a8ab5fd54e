/**
 * Types of compiled schemas, shared by the schema compiler (schema.ts) and the CEL glue (cel.ts)
 * without an import cycle between them.
 */
import type { Matcher } from './regex';

/** A planned CEL program: evaluates with the given bindings. */
export type Program = (ctx: Record<string, unknown>) => unknown;

/** One `x-kubernetes-validations` entry, compiled. */
export interface CompiledRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly fieldPath?: string;
  readonly reason?: string;
  /** uses `oldSelf` (or `optionalOldSelf`): a transition rule, not evaluated on create */
  readonly transition: boolean;
  readonly program?: Program;
  readonly messageProgram?: Program;
  /** parse/plan error (Kubernetes would have rejected the CRD) */
  readonly compileError?: string;
}

export type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

/** One compiled schema node. */
export interface SchemaNode {
  readonly type?: SchemaType;
  readonly nullable: boolean;
  readonly enum?: readonly unknown[];
  /** enum of scalars, for O(1) lookup */
  readonly enumSet?: ReadonlySet<unknown>;
  readonly pattern?: { readonly source: string; readonly matcher: Matcher };
  readonly format?: string;
  readonly formatCheck?: (s: string) => boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems?: boolean;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: boolean;
  readonly exclusiveMaximum?: boolean;
  readonly multipleOf?: number;
  readonly required?: readonly string[];
  readonly properties?: ReadonlyMap<string, SchemaNode>;
  /** schema of map values; `true` = any value; undefined = not declared */
  readonly additionalProperties?: SchemaNode | boolean;
  readonly items?: SchemaNode;
  readonly intOrString: boolean;
  readonly preserveUnknownFields: boolean;
  readonly embeddedResource: boolean;
  readonly listType?: 'atomic' | 'set' | 'map';
  readonly listMapKeys?: readonly string[];
  readonly allOf?: readonly SchemaNode[];
  readonly anyOf?: readonly SchemaNode[];
  readonly oneOf?: readonly SchemaNode[];
  readonly not?: SchemaNode;
  readonly hasDefault: boolean;
  readonly default?: unknown;
  /** properties that carry a default (applied when absent) */
  readonly defaultedProperties?: readonly string[];
  readonly rules?: readonly CompiledRule[];
  /** this node or a descendant (through properties/items/additionalProperties) has CEL rules */
  readonly celBelow: boolean;
  /**
   * The properties whose subtree has CEL rules (`celBelow`), in declaration order: names and nodes
   * side by side (the CEL walk visits them for every object, without iterating the Map)
   */
  readonly celPropertyNames?: readonly string[];
  readonly celPropertyNodes?: readonly SchemaNode[];
  /** escaped CEL field name per declared property (absent when not accessible from CEL) */
  readonly celNames?: ReadonlyMap<string, string>;
}

