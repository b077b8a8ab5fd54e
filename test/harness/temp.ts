/** Temporary directories of the tests (nginx prefixes, CLI input trees). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Writes files (relative path → content) into a fresh temp directory named `<namePrefix>XXXXXX`. */
export function writeTempTree(files: Readonly<Record<string, string>>, namePrefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), namePrefix));
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  return dir;
}

/** Writes files into a fresh temp directory (an nginx prefix). */
export function writePrefix(files: Readonly<Record<string, string>>): string {
  return writeTempTree(files, 'cdk8s-gw-nginx-');
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
