// Reads a zod schema to list the fields an object accepts at a path, for "unknown field … did you mean …".
import type { z } from 'zod';
import type { KnownFields } from './issues.js';

/** The slice of zod's definition objects this walk reads. */
interface Def {
  type: string;
  shape?: Record<string, Walkable>;
  element?: Walkable;
  valueType?: Walkable;
  innerType?: Walkable;
  in?: Walkable;
  options?: Walkable[];
}
interface Walkable {
  _zod: { def: Def };
}

/** A `KnownFields` lookup backed by `schema`. */
export function knownFieldsOf(schema: z.ZodType): KnownFields {
  return (path) => {
    const found = descend(unwrap(schema), path);
    return found?.shape ? Object.keys(found.shape) : [];
  };
}

/** Peels wrappers (optional, default, pipe…) down to the schema that does the work. */
function unwrap(schema: Walkable | undefined): Def | undefined {
  let def = schema?._zod.def;
  for (let depth = 0; def && depth < 20; depth++) {
    const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (!inner) return def;
    def = inner._zod.def;
  }
  return def;
}

function descend(def: Def | undefined, path: readonly PropertyKey[]): Def | undefined {
  const [segment, ...rest] = path;
  if (!def || segment === undefined) return def;
  if (def.type === 'union') {
    for (const option of def.options ?? []) {
      const found = descend(unwrap(option), path);
      if (found) return found;
    }
    return undefined;
  }
  const child = def.shape?.[String(segment)] ?? def.element ?? def.valueType;
  return descend(unwrap(child), rest);
}
