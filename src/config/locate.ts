// Finds where a field lives in the YAML source (its line) and names it the way the user reads it.
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

/** A field's place in the file: its line (or its nearest existing parent's) and its node when it exists. */
export interface Location {
  line: number | undefined;
  node: Node | undefined;
}

/** A function from a field path to its location in one parsed document. */
export type Locator = (path: readonly PropertyKey[]) => Location;

/** Builds the locator of a document; a missing field points at the line of its nearest parent. */
export function createLocator(doc: Document, lines: LineCounter): Locator {
  const lineOf = (node: Node | null | undefined): number | undefined => {
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : Math.max(1, lines.linePos(offset).line);
  };
  return (path) => {
    let node: Node | null | undefined = doc.contents;
    let line = lineOf(node) ?? 1;
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(doc);
      const child = childOf(node, segment);
      if (!child) return { line, node: undefined };
      line = lineOf(child.at) ?? line;
      node = child.node;
    }
    return { line, node: node ?? undefined };
  };
}

/** The child of a map or list: `at` is where its line is read (a map entry's key, a list item itself). */
function childOf(node: Node | null | undefined, segment: PropertyKey): { at: Node; node: Node | null } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
    if (!pair || !isScalar(pair.key)) return undefined;
    return { at: pair.key, node: (pair.value as Node | null) ?? null };
  }
  if (isSeq(node) && typeof segment === 'number') {
    const item = node.items[segment] as Node | undefined;
    return item ? { at: item, node: item } : undefined;
  }
  return undefined;
}

/** `routes[0].rooms`, `templates["my tpl"]`: the path as a user would write it. */
export function formatPath(path: readonly PropertyKey[]): string | undefined {
  if (path.length === 0) return undefined;
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(String(segment))) out += out === '' ? String(segment) : `.${String(segment)}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}
