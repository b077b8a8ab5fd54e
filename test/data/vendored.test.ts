/**
 * The vendored upstream data (test/data/upstream) is complete, holds only what the tests read, and
 * — when the folder it mirrors sits beside the repository (the shared data folder of a workspace checkout) —
 * is byte-for-byte that folder's content, so an update of the original is noticed here.
 *
 * What "noticed" covers (the rest of the mirrored folder is not vendored and not looked at):
 * - every vendored file must exist there with the same bytes;
 * - the CRD folders are read as a whole (every `*.yaml` / `*.yml`, see `readYamlDocuments`), so a
 *   CRD file added there and not here fails too; so is the implementation-reports tree (every report
 *   below it, scripts/import-reports.ts). The conformance folder is read by file name
 *   (cases.json, base-manifests.yaml), so other files appearing there do not matter. Files outside
 *   the vendored folders (install bundles…) are not read by any test.
 * - the example corpus (`examples/`) is not in the mirrored folder: it comes from the upstream
 *   repositories directly, and its README (checked by test/cli/upstream-examples.test.ts) names the
 *   commit of every file.
 *
 * In a plain clone the mirrored folder is absent: the comparison is reported as not done (one
 * passing test whose name says so, plus a console line), the completeness checks still run.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BUNDLE_SOURCES } from '../../scripts/schema-extract';
import { CONFORMANCE, CONFORMANCE_BASE_MANIFESTS, CONFORMANCE_CASES, CRDS, IMPLEMENTATION_REPORTS, MIRRORED_DIR, REPO_ROOT, UPSTREAM_DIR, UPSTREAM_EXAMPLES } from './upstream';

/** Files of the vendored folder that are ours, not copies. */
const OWN_FILES = new Set(['README.md']);

/** Every file below `dir`, as sorted `/`-separated paths relative to it. */
function filesUnder(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(path.join(dir, e.name), rel));
    else out.push(rel);
  }
  return out.sort();
}

const isYaml = (name: string): boolean => name.endsWith('.yaml') || name.endsWith('.yml');
const relToUpstream = (p: string): string => path.relative(UPSTREAM_DIR, p).split(path.sep).join('/');

/** The CRD folders the schema extraction reads as a whole, relative to UPSTREAM_DIR. */
const WHOLE_FOLDERS = [...new Set(BUNDLE_SOURCES.flatMap((b) => b.dirs))].map((d) => relToUpstream(path.join(CRDS, d)));
/** The tree read as a whole, every report below it (scripts/import-reports.ts), relative to UPSTREAM_DIR. */
const WHOLE_TREE = relToUpstream(IMPLEMENTATION_REPORTS);
/**
 * The example corpus, read as a whole tree (test/cli/upstream-examples.test.ts). It is taken from the
 * upstream repositories, not from the mirrored folder: its README records repository, path and commit
 * of every file, and the corpus test checks that README against the tree.
 */
const EXAMPLES_TREE = relToUpstream(UPSTREAM_EXAMPLES);
/** The files read by name, relative to UPSTREAM_DIR. */
const NAMED_FILES = [CONFORMANCE_CASES, CONFORMANCE_BASE_MANIFESTS].map(relToUpstream);

const vendored = filesUnder(UPSTREAM_DIR).filter((f) => !OWN_FILES.has(f));
/** What is copied from the mirrored folder (everything but the example corpus). */
const mirroredCopies = vendored.filter((f) => !f.startsWith(`${EXAMPLES_TREE}/`));
const yamlIn = (root: string, folder: string): string[] =>
  fs.readdirSync(path.join(root, folder), { withFileTypes: true }).filter((e) => e.isFile() && isYaml(e.name)).map((e) => e.name).sort();

describe('the vendored upstream data (test/data/upstream)', () => {
  test('has every file and folder the tests and scripts read', () => {
    for (const f of NAMED_FILES) expect(fs.statSync(path.join(UPSTREAM_DIR, f)).size).toBeGreaterThan(0);
    for (const d of WHOLE_FOLDERS) expect(yamlIn(UPSTREAM_DIR, d).length).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(CONFORMANCE, 'README.md'))).toBe(true);
    expect(filesUnder(IMPLEMENTATION_REPORTS).filter(isYaml).length).toBeGreaterThan(0);
    expect(filesUnder(UPSTREAM_EXAMPLES).filter(isYaml).length).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(UPSTREAM_EXAMPLES, 'README.md'))).toBe(true);
    expect(fs.existsSync(path.join(UPSTREAM_DIR, 'README.md'))).toBe(true);
  });

  test('holds only what is read, plus the upstream READMEs', () => {
    const extra = vendored.filter((f) => {
      if (path.posix.basename(f) === 'README.md') return false;
      if (NAMED_FILES.includes(f)) return false;
      if (isYaml(f) && f.startsWith(`${WHOLE_TREE}/`)) return false;
      if (isYaml(f) && f.startsWith(`${EXAMPLES_TREE}/`)) return false;
      return !(isYaml(f) && WHOLE_FOLDERS.includes(path.posix.dirname(f)));
    });
    expect(extra).toEqual([]);
  });
});

const mirroredName = path.relative(REPO_ROOT, MIRRORED_DIR).split(path.sep).join('/');
const mirrored = fs.existsSync(MIRRORED_DIR) && fs.statSync(MIRRORED_DIR).isDirectory();

if (!mirrored) {
  test(`NOT compared with the original: ${mirroredName} is absent beside the repository (plain clone); vendored copy taken as is`, () => {
    console.log(`test/data/upstream was NOT compared with ${mirroredName}: that folder does not exist beside the repository.`);
  });
} else {
  describe(`the vendored upstream data is identical to ${mirroredName}`, () => {
    test('every vendored file has the same bytes as its original', () => {
      const problems: string[] = [];
      for (const f of mirroredCopies) {
        const original = path.join(MIRRORED_DIR, f);
        if (!fs.existsSync(original)) {
          problems.push(`${f}: missing in ${mirroredName}`);
          continue;
        }
        const a = fs.readFileSync(path.join(UPSTREAM_DIR, f));
        const b = fs.readFileSync(original);
        if (!a.equals(b)) problems.push(`${f}: differs (${a.length} bytes vendored, ${b.length} in ${mirroredName}); copy it over`);
      }
      expect(problems).toEqual([]);
    });

    test.each(WHOLE_FOLDERS)('%s: the same set of CRD files (read as a whole)', (d) => {
      const original = path.join(MIRRORED_DIR, d);
      expect(fs.existsSync(original)).toBe(true);
      expect(yamlIn(MIRRORED_DIR, d)).toEqual(yamlIn(UPSTREAM_DIR, d));
    });

    test(`${WHOLE_TREE}: the same set of reports (read as a whole tree)`, () => {
      const original = path.join(MIRRORED_DIR, WHOLE_TREE);
      expect(fs.existsSync(original)).toBe(true);
      expect(filesUnder(original).filter(isYaml)).toEqual(filesUnder(IMPLEMENTATION_REPORTS).filter(isYaml));
    });
  });
}
