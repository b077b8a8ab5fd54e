/** Temporary nginx prefixes and working directories. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Writes files into a fresh temp directory (an nginx prefix). */
export function writePrefix(files: Readonly<Record<string, string>>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gw-nginx-'));
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  return dir;
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
