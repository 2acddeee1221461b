/*
 * A tiny JSON walker shared by the semantic and citation checks. Paths are JSON
 * pointers (RFC 6901), the same strings the citations object uses as keys.
 */

export interface Leaf {
  pointer: string;
  key: string;
  parentKey: string;
  value: unknown;
}

export function escapeToken(t: string): string {
  return t.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Visits every leaf (non-object, non-array value) under `node`. */
export function walkLeaves(node: unknown, visit: (leaf: Leaf) => void, pointer = '', key = '', parentKey = ''): void {
  if (Array.isArray(node)) {
    node.forEach((v, i) => walkLeaves(v, visit, `${pointer}/${i}`, String(i), key));
  } else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) walkLeaves(v, visit, `${pointer}/${escapeToken(k)}`, k, key);
  } else {
    visit({ pointer, key, parentKey, value: node });
  }
}

/** Resolves a JSON pointer; returns undefined when it points nowhere. */
export function resolvePointer(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  if (!pointer.startsWith('/')) return undefined;
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const tok = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, tok)) return undefined;
    node = (node as Record<string, unknown>)[tok];
  }
  return node;
}

/** The pointer itself and each ancestor, nearest first ("/a/b/c", "/a/b", "/a"). */
export function selfAndAncestors(pointer: string): string[] {
  const out: string[] = [];
  let p = pointer;
  while (p.length > 0) {
    out.push(p);
    p = p.slice(0, p.lastIndexOf('/'));
  }
  return out;
}
