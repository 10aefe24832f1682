// One Liquid render for both texts of a Markdown template: each output is printed as a marker, then the plain text
// gets the values as they are and the Markdown text gets them escaped, exactly as two separate renders would.
import { CODE_VALUES } from './code-spans.js';
import { markdownEscape } from './markdown.js';
import { printed } from './printed.js';

/** Where a render's output values wait for the split (a symbol on the render scope, invisible to templates). */
const OUTPUT_VALUES: unique symbol = Symbol('vigie.outputValues');
/** Output markers: private-use characters around the value's index (the code placeholders use \uE000 and \uE001). */
const MARKER = /\uE002(\d+)\uE003/g;
/** Any character of the markers and of the code placeholders. */
const PRIVATE_MARK = /[\uE000-\uE003]/;
/** Code placeholders of code-spans.ts, which the plain text gets as their values. */
const CODE_PLACEHOLDER = /\uE000(\d+)\uE001/g;
/**
 * Templates that cannot be rendered once: `capture` puts rendered outputs (markers, here) back into variables, where
 * filters and comparisons would see the marker instead of the value; marker characters in the template itself.
 */
const NEEDS_TWO_PASSES = /capture|[\uE000-\uE003]/;

/** Whether a template's two texts may come from one render. */
export function oneRenderSuffices(source: string): boolean {
  return !NEEDS_TWO_PASSES.test(source);
}

/** What an output-escaping filter sees as `this` (LiquidJS: the render context, whose scope carries the values). */
interface EscapeThis {
  context: { environments: object };
}

/** LiquidJS `outputEscape` of the one render: keeps the value as `{{ … }}` would print it, and prints its marker. */
export function markOutput(this: EscapeThis, value: unknown): string {
  const scope = this.context.environments as Record<symbol, string[] | undefined>;
  const values = (scope[OUTPUT_VALUES] ??= []);
  values.push(printed(value));
  return `\uE002${values.length - 1}\uE003`;
}

/** Forgets what a render left on the scope, so the scope can serve another render (the two-pass fallback). */
export function clearRenderValues(scope: object): void {
  const values = scope as Record<symbol, unknown>;
  delete values[OUTPUT_VALUES];
  delete values[CODE_VALUES];
}

/** A marked render split: the plain text now, the Markdown text when asked (a filled HTML skeleton needs none). */
export interface SplitRender {
  /** The plain text: values as they are, code values too. */
  plain: string;
  /** The render as it came: output markers, and code placeholders for fillCodeValues. */
  marked: string;
  /** Each output marker's value, as printed. */
  values: readonly string[];
  /** The Markdown text: values escaped, code placeholders kept. */
  markdown(): string;
}

/**
 * The plain text and the Markdown text of one marked render. Undefined when a value carries marker characters, or
 * when the markers are not exactly the ones the render printed, in order (a value printed raw carried some): render
 * twice.
 */
export function splitRender(text: string, scope: object): SplitRender | undefined {
  const held = scope as Record<symbol, string[] | undefined>;
  const values = held[OUTPUT_VALUES] ?? [];
  const codeValues = held[CODE_VALUES] ?? [];
  if (values.some((v) => PRIVATE_MARK.test(v)) || codeValues.some((v) => PRIVATE_MARK.test(v))) return undefined;
  const withCode = substitute(text, CODE_PLACEHOLDER, codeValues, (v) => v);
  const plain = withCode === undefined ? undefined : substitute(withCode, MARKER, values, (v) => v);
  if (plain === undefined) return undefined;
  return { plain, marked: text, values, markdown: () => substitute(text, MARKER, values, markdownEscape)! };
}

/** Replaces the markers of `pattern` by their values; undefined unless they are exactly 0…n-1, in order. */
function substitute(text: string, pattern: RegExp, values: readonly string[], shown: (value: string) => string): string | undefined {
  let expected = 0;
  let exact = true;
  const out = text.replace(pattern, (_marker, index: string) => {
    if (Number(index) !== expected++) exact = false;
    return shown(values[Number(index)] ?? '');
  });
  return exact && expected === values.length ? out : undefined;
}
