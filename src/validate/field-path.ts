/** A field path, built lazily (formatted only when a violation is reported). */
export class FieldPath {
  static readonly ROOT = new FieldPath(undefined, '', 0);
  private constructor(
    private readonly parent: FieldPath | undefined,
    private readonly seg: string,
    /** 0 root, 1 property, 2 index/key */
    private readonly kind: 0 | 1 | 2,
  ) {}
  child(name: string): FieldPath {
    return new FieldPath(this, name, 1);
  }
  index(i: number): FieldPath {
    return new FieldPath(this, String(i), 2);
  }
  key(k: string): FieldPath {
    return new FieldPath(this, k, 2);
  }
  toString(): string {
    const parts: string[] = [];
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let p: FieldPath | undefined = this;
    while (p && p.kind !== 0) {
      parts.push(p.kind === 1 ? (p.parent && p.parent.kind !== 0 ? `.${p.seg}` : p.seg) : `[${p.seg}]`);
      p = p.parent;
    }
    return parts.reverse().join('');
  }
}

/** Appends a CEL rule's `fieldPath` (`.a.b`, `.a['b.c']`, `.a[0]`) to a path. */
export function appendFieldPath(base: FieldPath, fieldPath: string): FieldPath {
  let p = base;
  const re = /\.([A-Za-z0-9_$-]+)|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*(\d+)\s*\]/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < fieldPath.length && (m = re.exec(fieldPath)) !== null) {
    if (m[1] !== undefined) p = p.child(m[1]);
    else if (m[2] !== undefined) p = p.key(m[2].replace(/\\(.)/g, '$1'));
    else if (m[3] !== undefined) p = p.key(m[3].replace(/\\(.)/g, '$1'));
    else p = p.index(Number(m[4]));
    pos = re.lastIndex;
  }
  return pos === fieldPath.length ? p : base;
}
