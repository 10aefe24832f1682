// A Markdown alert's HTML without markdown-it at each render: the template's own Markdown, its outputs left as markers,
// is rendered once and kept; each alert's values are then filled in, HTML-escaped. markdown-it was a third of what a
// Markdown alert cost to render. Where a value could change how the Markdown around it reads, it is not used.
import { escapeHtml, markdownToHtml } from './markdown.js';

/** An output marker of one-pass.ts: private-use characters around the value's index. */
const MARKER = /\uE002(\d+)\uE003/g;
/** Characters of Markdown's emphasis and strikethrough delimiters. */
const DELIMITER = /[*_~]/;
/** A letter or digit: next to a delimiter, it reads as the marker does (neither space nor punctuation). */
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
/**
 * What a value may not hold: control characters (markdown-it rewrites NUL and CR, newlines start lines), and
 * whitespace at either end (trimmed at line ends and in headings and cells; two spaces before a newline break it).
 */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const UNSAFE_VALUE = /[\u0000-\u001f\u007f]|^\s|\s$|#$/u;
/** Before a marker: a backslash escaping its first character, an entity's start, an autolink's or a link label's start. */
const UNSAFE_BEFORE = /[\\&#<[]/;
/** After a marker: an entity's end, an autolink's or a link label's end. */
const UNSAFE_AFTER = /[;>\]]/;
/** Around a value holding `&` or `;`: characters that would make an entity of it with the template's text. */
const ENTITY_PART = /[\w#&;]/;
/** In the HTML: code (values there are not escaped the same way), and a marker percent-encoded into a link. */
const UNSAFE_HTML = /<code|<pre|%EE%80%8[23]/i;
/** Rendered skeletons kept, by marked text: a template has a few shapes (one per branch), a group one per size. */
const MAX_SKELETONS = 512;

/** Fills values into cached HTML skeletons; one per template set, as the skeletons depend on its Markdown options. */
export class HtmlFill {
  readonly #skeletons = new Map<string, string | null>();

  /**
   * The HTML markdown-it gives for `marked` with each marker replaced by its value Markdown-escaped, or undefined
   * when filling cannot promise the same HTML: the caller then renders that text itself.
   */
  html(marked: string, values: readonly string[]): string | undefined {
    if (!safeValues(marked, values)) return undefined;
    const skeleton = this.#skeleton(marked, values.length);
    if (skeleton === null) return undefined;
    return skeleton.replace(MARKER, (_marker, index: string) => escapeHtml(values[Number(index)]!));
  }

  #skeleton(marked: string, count: number): string | null {
    let skeleton = this.#skeletons.get(marked);
    if (skeleton !== undefined) return skeleton;
    const html = markdownToHtml(marked);
    skeleton = fillable(html, count) ? html : null;
    if (this.#skeletons.size >= MAX_SKELETONS) this.#skeletons.clear();
    this.#skeletons.set(marked, skeleton);
    return skeleton;
  }
}

/** Whether each value reads as plain text where its marker stands, exactly as the marker does. */
function safeValues(marked: string, values: readonly string[]): boolean {
  MARKER.lastIndex = 0;
  let seen = 0;
  for (let m = MARKER.exec(marked); m !== null; m = MARKER.exec(marked)) {
    const value = values[Number(m[1])];
    if (value === undefined || value === '' || UNSAFE_VALUE.test(value)) return false;
    const before = marked[m.index - 1] ?? '\n';
    const after = marked[m.index + m[0].length] ?? '\n';
    if (UNSAFE_BEFORE.test(before) || UNSAFE_AFTER.test(after)) return false;
    // Emphasis opens and closes by what stands beside its delimiters: the value's end must read as the marker does.
    if (DELIMITER.test(before) && !LETTER_OR_DIGIT.test(value[0]!)) return false;
    if (DELIMITER.test(after) && !LETTER_OR_DIGIT.test(value.at(-1)!)) return false;
    if ((value.includes('&') || value.includes(';')) && (ENTITY_PART.test(before) || ENTITY_PART.test(after))) return false;
    seen++;
  }
  return seen === values.length;
}

/** Whether the HTML holds each of the `count` markers once, in order, in text: not in a tag, code or a link. */
function fillable(html: string, count: number): boolean {
  if (UNSAFE_HTML.test(html)) return false;
  let expected = 0;
  let inTag = false;
  let at = 0;
  for (const m of html.matchAll(MARKER)) {
    for (; at < m.index; at++) {
      if (html[at] === '<') inTag = true;
      else if (html[at] === '>') inTag = false;
    }
    if (inTag || Number(m[1]) !== expected++) return false;
  }
  return expected === count;
}
