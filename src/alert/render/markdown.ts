// Markdown in templates: deciding if a template uses it, escaping monitor values, and rendering Matrix HTML.
import MarkdownIt from 'markdown-it';
import { printed } from './printed.js';

/** Signs that a template's own text is written in Markdown (checked once, at compile time). */
const MARKDOWN_SIGNS: readonly RegExp[] = [
  /\*\*\S[^\n]*?\*\*/, // **bold**
  /__\S[^\n]*?__/, // __bold__
  /(^|[^\w*\\])\*[^\s*][^*\n]*\*(?![\w*])/m, // *italic*
  /(^|[^\w\\])_[^\s_][^_\n]*_(?!\w)/m, // _italic_
  /~~\S[^\n]*?~~/, // ~~strike~~
  /`[^`\n]+`/, // `code`
  /^ {0,3}(```|~~~)/m, // fenced code
  /^ {0,3}#{1,6}[ \t]+\S/m, // # heading
  /^ {0,3}[-*+][ \t]+\S/m, // - list
  /^ {0,3}\d{1,9}[.)][ \t]+\S/m, // 1. list
  /^ {0,3}>/m, // > quote
  /\[[^\]\n]+\]\([^)\n]*\)/, // [text](url)
];
/** Liquid tags, outputs and comments: not the template's own text. */
const LIQUID_COMMENT = /\{%-?\s*comment\s*-?%\}[\s\S]*?\{%-?\s*endcomment\s*-?%\}/g;
const LIQUID_MARKUP = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;

/** Characters that make inline markup anywhere (emphasis, code, links, autolinks, tables, strikethrough, escapes). */
const INLINE_MARKUP = /[\\`*_[\]<>|~]/g;
/** An entity (`&amp;`, `&#64;`) that Markdown would decode. */
const ENTITY = /&(?=#?\w+;)/g;
/** Block markup at the start of a line: headings, lists, quotes, setext underlines, a table's `:-` alignment row. */
const LINE_START_MARK = /(^|\n)([ \t]*)([-+=#>:])/g;
/** An ordered-list marker at the start of a line (`1.`, `2)`). */
const LINE_START_NUMBER = /(^|\n)([ \t]*)(\d+)([.)])/g;

const markdownIt = new MarkdownIt({ html: false, linkify: false, breaks: true, typographer: false });

/** Escapes text for HTML (`&`, `<`, `>`, `"`), as markdown-it does in what it renders. */
export const escapeHtml: (text: string) => string = markdownIt.utils.escapeHtml;

/** True when a template's literal text (outside Liquid markup) uses Markdown, so its messages get HTML. */
export function usesMarkdown(source: string): boolean {
  const literal = source.replace(LIQUID_COMMENT, '').replace(LIQUID_MARKUP, 'x');
  return MARKDOWN_SIGNS.some((sign) => sign.test(literal));
}

/**
 * LiquidJS `outputEscape` for the Markdown pass: a value coming from a monitor is shown as text, never markup.
 * (Code spans have no escapes: values there are handled by code-spans.ts instead.)
 */
export function markdownEscape(value: unknown): string {
  return printed(value)
    .replace(INLINE_MARKUP, '\\$&')
    .replace(ENTITY, '\\&')
    .replace(LINE_START_MARK, '$1$2\\$3')
    .replace(LINE_START_NUMBER, '$1$2$3\\$4');
}

/** Matrix `formatted_body` (org.matrix.custom.html) for Markdown text; single newlines stay line breaks. */
export function markdownToHtml(markdown: string): string {
  return markdownIt.render(markdown).trim();
}
