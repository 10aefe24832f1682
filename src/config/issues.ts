// Turns zod issues into messages a person can act on, never echoing a secret value.
import type { z } from 'zod';
import { closestName } from './suggest.js';

/** One problem at one field, before it is located in the file. */
export interface Problem {
  path: PropertyKey[];
  message: string;
  /** Whether to append ", got <value>" (only when the value is not a secret). */
  showValue: boolean;
  /** For an unknown field: the path of the known field it is probably a typo of. */
  suggests?: PropertyKey[];
}

/** Gives the fields an object at `path` accepts, for "did you mean". */
export type KnownFields = (path: readonly PropertyKey[]) => string[];

/** The problems one zod issue stands for (an issue about unknown keys gives one per key). */
export function problemsFromIssue(issue: z.core.$ZodIssue, input: unknown, knownFields: KnownFields): Problem[] {
  const path = [...issue.path];
  const value = valueAt(input, path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownFields(path);
      return issue.keys.map((key) => {
        const suggestion = closestName(key, known);
        const hint = suggestion !== undefined ? ` — did you mean '${suggestion}'?` : ` (known fields: ${known.join(', ')})`;
        return {
          path: [...path, key],
          message: `unknown field '${key}'${known.length > 0 ? hint : ''}`,
          showValue: false,
          ...(suggestion !== undefined ? { suggests: [...path, suggestion] } : {}),
        };
      });
    }
    case 'invalid_type':
      if (value === undefined) return [{ path, message: 'required field is missing', showValue: false }];
      return [{ path, message: `expected ${describeType(issue.expected)}`, showValue: true }];
    case 'invalid_value':
      return [{ path, message: `expected ${listChoices(issue.values)}`, showValue: true }];
    case 'too_small':
      return [{ path, message: issue.message.startsWith('Too small') ? tooSmall(issue) : issue.message, showValue: true }];
    case 'invalid_union':
      return [{ path, message: issue.message.startsWith('Invalid input') ? 'has the wrong type' : issue.message, showValue: true }];
    case 'invalid_format':
      return [{ path, message: issue.message, showValue: true }];
    case 'custom':
      return [{ path, message: issue.message, showValue: issue.params?.showValue === true }];
    default:
      return [{ path, message: issue.message, showValue: false }];
  }
}

/** `"a" or "b"`, `one of "a", "b" or "c"`. */
function listChoices(values: readonly unknown[]): string {
  const quoted = values.map((v) => JSON.stringify(v));
  if (quoted.length <= 2) return quoted.join(' or ');
  return `one of ${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

function tooSmall(issue: z.core.$ZodIssueTooSmall): string {
  const min = Number(issue.minimum);
  if (issue.origin === 'array') return `needs at least ${min} item${min === 1 ? '' : 's'}`;
  if (issue.origin === 'string') return min <= 1 ? 'must not be empty' : `must be at least ${min} characters long`;
  return issue.inclusive === false ? `must be more than ${min}` : `must be at least ${min}`;
}

function describeType(expected: string): string {
  const names: Record<string, string> = {
    string: 'text', number: 'a number', int: 'a whole number', boolean: 'true or false',
    object: 'a map of fields (key: value)', record: 'a map (name: value)', array: 'a list',
  };
  return names[expected] ?? expected;
}

/** The raw value at a path of the parsed YAML, if there is one. */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/** A short, quoted rendering of a (non-secret) value for "got …". */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}
