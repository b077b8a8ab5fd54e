/**
 * Text helpers for CLI output: optional ANSI colors, plurals and aligned tables. Pure.
 */

/** ANSI styling; every function is the identity when colors are off. */
export interface Style {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const ansi = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

/** Colors on or off. */
export function style(color: boolean): Style {
  if (!color) {
    const id = (s: string) => s;
    return { red: id, yellow: id, green: id, cyan: id, bold: id, dim: id };
  }
  return { red: ansi(31, 39), yellow: ansi(33, 39), green: ansi(32, 39), cyan: ansi(36, 39), bold: ansi(1, 22), dim: ansi(2, 22) };
}

/** Whether colors should be used for a stream: a TTY, and `NO_COLOR` unset or empty (https://no-color.org). */
export function useColor(isTTY: boolean | undefined, env: Readonly<Record<string, string | undefined>>): boolean {
  return !!isTTY && !env.NO_COLOR;
}

/** `1 error`, `2 errors`. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

/** A table cell: one string, or several lines. */
export type Cell = string | readonly string[];

/**
 * Renders rows as left-aligned columns separated by two spaces; cells with several lines make the
 * row taller. Trailing spaces are trimmed. `indent` prefixes every line.
 */
export function table(header: readonly string[], rows: readonly (readonly Cell[])[], indent = ''): string[] {
  const lines = (c: Cell): readonly string[] => (typeof c === 'string' ? [c] : c.length ? c : ['']);
  const all = [header.map((h) => [h]), ...rows.map((r) => r.map(lines))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => Math.max(...(r[i] ?? ['']).map((s) => [...s].length)))));
  const out: string[] = [];
  for (const row of all) {
    const height = Math.max(...row.map((c) => c.length));
    for (let k = 0; k < height; k++) {
      const text = header
        .map((_, i) => {
          const s = row[i]?.[k] ?? '';
          return i === header.length - 1 ? s : s + ' '.repeat(widths[i] - [...s].length);
        })
        .join('  ');
      out.push((indent + text).replace(/\s+$/, ''));
    }
  }
  return out;
}
