import { cli } from './helpers';

describe('usage errors exit 2 with usage on stderr', () => {
  test.each([
    [['frobnicate', 'x'], "error: unknown command 'frobnicate'"],
    [['check', '--frobnicate', 'x'], "error: unknown option '--frobnicate'"],
    [['explain', '--format', 'yaml', 'x'], "argument 'yaml' is invalid. Allowed choices are text, json, mermaid."],
    [['check', '--format', 'mermaid', 'x'], "argument 'mermaid' is invalid. Allowed choices are text, json."],
    [['check'], "error: missing required argument 'path'"],
    [['explain'], "error: missing required argument 'path'"],
  ])('%j', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('Usage: cdk8s-gateway');
  });

  test('no command at all: help on stderr, exit 2', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: cdk8s-gateway [options] [command]');
  });
});

describe('help', () => {
  test('--help lists the commands on stdout, exit 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/check \[options\] <path\.\.\.>/);
    expect(r.stdout).toMatch(/explain \[options\] <path\.\.\.>/);
    expect(r.stdout).toContain('Exit codes: 0 clean, 1 errors found, 2 usage or input errors.');
  });

  test('check --help and help explain show the options, exit 0', async () => {
    const check = await cli(['check', '--help']);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('-f, --format <format>');
    expect(check.stdout).toContain('--verbose');
    const explain = await cli(['help', 'explain']);
    expect(explain.code).toBe(0);
    expect(explain.stdout).toContain('"mermaid"');
  });

  test('--version', async () => {
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});
