import * as path from 'path';
import { run } from '../../src/cli/run';
import { writeTempTree } from '../harness/temp';

/** The repository root (tests run the CLI with it as cwd, so paths in output are repo-relative). */
export const ROOT = path.join(__dirname, '..', '..');

/** What one CLI run printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process. */
export async function cli(argv: string[], options: { cwd?: string; stdin?: string; color?: boolean } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    cwd: options.cwd ?? ROOT,
    readStdin: async () => options.stdin ?? '',
    color: options.color ?? false,
  });
  return { code, stdout, stderr };
}

/** A fresh temporary folder with the given files (relative path → content). */
export function tempTree(files: Record<string, string>): string {
  return writeTempTree(files, 'cdk8s-gateway-cli-');
}

/** The GatewayClass `cdk8s-gateway` of the built-in controller, as one YAML document (no separator). */
export const BUILTIN_CLASS = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: cdk8s-gateway
spec:
  controllerName: cdk8s-gateway.dev/nginx-proxy
`;

/** A small valid setup: Gateway (its listener on `port`) + Service + HTTPRoute in namespace `ns`, as YAML documents. */
export function smallSetup(ns = 'app', extraRoute = '', port = 80): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: ${ns}
spec:
  gatewayClassName: cdk8s-gateway
  listeners:
    - name: http
      port: ${port}
      protocol: HTTP
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: ${ns}
spec:
  ports:
    - port: 80
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
  namespace: ${ns}
spec:
  parentRefs:
    - name: gw${extraRoute}
  rules:
    - backendRefs:
        - name: web
          port: 80
`;
}
