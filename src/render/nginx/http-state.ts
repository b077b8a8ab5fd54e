/** Per-server rendering state shared by the location dispatch and the action bodies. */
import { ActionIR, HttpPortIR, HttpServerIR } from '../../ir/types';

export interface ServerState {
  readonly port: HttpPortIR;
  readonly server: HttpServerIR;
  readonly actions: Map<string, ActionIR>;
  /** action id → named location (only for dispatched actions). */
  readonly named: Map<string, string>;
  /** The values of `named` (taken location names). */
  readonly namedTaken: Set<string>;
  readonly namedBodies: string[];
  /** named locations of `if`s (see http-dispatch ifLocation), by body. */
  readonly ifLocations: Map<string, string>;
  /** internal exact locations (mirror targets), placed among the others in nginx's order */
  readonly internal: { readonly path: string; readonly lines: readonly string[] }[];
  readonly reserved: Set<string>;
  readonly rendered: Map<string, string[]>;
  /** Actions whose named location tests Content-Length against their body limit (see http-client.ts). */
  guarded: Set<string>;
  /** Bodies of locations serving one action themselves (see http-dispatch inlineBody): by action without conditions, by conditions with them. */
  readonly inline: {
    readonly unconditional: Map<string, string[]>;
    readonly conditional: Map<readonly unknown[], { readonly action: string; readonly lines: string[] | null }>;
  };
}
