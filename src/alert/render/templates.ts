// Alert templates: all parsed at start-up (a bad one stops the start), then rendered synchronously per event.
import type { Liquid, Template } from 'liquidjs';
import type { AlertEvent } from '../event.js';
import { BUILTIN_TEMPLATES } from './builtin.js';
import { CODE_FILTER, codeValueFilter, fillCodeValues, markCodeOutputs } from './code-spans.js';
import { kumaContext } from './context.js';
import { EVENT_TIME } from './date-filter.js';
import { createEngine, DEFAULT_LIMITS, type TemplateLimits } from './engine.js';
import { HtmlFill } from './html-fill.js';
import { markdownEscape, markdownToHtml, usesMarkdown } from './markdown.js';
import { shapeText, type RenderedMessage } from './message.js';
import { clearRenderValues, markOutput, oneRenderSuffices, splitRender } from './one-pass.js';

/** A template that does not parse, or fails to render; names the template so a person can find it. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    /** The template's name (its key under `templates:`, or a built-in's). */
    readonly template: string,
    /** What is wrong, with LiquidJS's line and column when it gave them. */
    readonly detail: string,
  ) {
    super(`template "${template}": ${detail}`);
  }
}

/** Options of compileTemplates. */
export interface CompileOptions {
  /** IANA zone (e.g. Europe/Paris) in which times are shown; `{{ "now" | date: … }}` uses it. */
  timezone: string;
  /** Resource limits per render; defaults are generous for alert-sized templates. */
  limits?: Partial<TemplateLimits>;
}

/** The compiled templates, by name. */
export interface TemplateSet {
  /** Names of all templates, built-ins included. */
  readonly names: readonly string[];
  /** Whether a template of that name exists (for config checks of routes). */
  has(name: string): boolean;
  /** Renders an event; throws TemplateError for an unknown name or a render failure (limit exceeded…). */
  render(name: string, event: AlertEvent): RenderedMessage;
  /** Renders several events as one message (context: `events`, `count`, `counts` by status); throws like render. */
  renderGroup(name: string, events: readonly AlertEvent[]): RenderedMessage;
}

/** The context of a group template: each event's Kuma context, how many there are, and how many per status. */
export function groupContext(events: readonly AlertEvent[]): Record<string, unknown> {
  const counts: Record<string, number> = { down: 0, up: 0, pending: 0, maintenance: 0, test: 0, certificate: 0 };
  for (const event of events) counts[event.status] = (counts[event.status] ?? 0) + 1;
  const contexts = events.map((event) => {
    // Set on the fresh context, not spread into a copy: an object spread with a property added after it costs ~1 µs
    // and leaves the copy for the scavenges to move (Node 20), 100 times a group.
    const context = kumaContext(event);
    context.time = event.time.toISOString();
    return context;
  });
  return { events: contexts, count: events.length, counts };
}

/**
 * One template, parsed for plain text and, when it is Markdown, parsed again with Markdown-escaped outputs, and once
 * more with marked outputs when one render can give both texts (see one-pass.ts).
 */
interface Compiled {
  plain: Template[];
  markdown?: Template[];
  once?: Template[];
  /** Whether some outputs sit in code spans, whose values are put back into the HTML after markdown-it. */
  hasCode?: boolean;
}

const FILE_TAG = /tag "?(include|render|layout)"? not found/;

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (FILE_TAG.test(message)) return `${message}: templates cannot read files, put the whole template in the config`;
  return message;
}

function parse(engine: Liquid, name: string, source: string, parseLimit: number): Template[] {
  if (source.length > parseLimit) {
    throw new TemplateError(name, `is ${source.length} characters long, more than the limit of ${parseLimit}: shorten it`);
  }
  try {
    return engine.parse(source);
  } catch (error) {
    throw new TemplateError(name, `${describe(error)} (fix it under templates: in the config)`);
  }
}

/** Parses every template (config ones replace built-ins of the same name); throws TemplateError on the first bad one. */
export function compileTemplates(templates: Record<string, string>, options: CompileOptions): TemplateSet {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const plainEngine = createEngine({ timezone: options.timezone, limits });
  const markdownEngine = createEngine({
    timezone: options.timezone, limits, outputEscape: markdownEscape, filters: { [CODE_FILTER]: codeValueFilter },
  });
  const onceEngine = createEngine({ timezone: options.timezone, limits, outputEscape: markOutput, filters: { [CODE_FILTER]: codeValueFilter } });
  const compiled = new Map<string, Compiled>();
  const fill = new HtmlFill();
  for (const [name, source] of Object.entries({ ...BUILTIN_TEMPLATES, ...templates })) {
    const plain = parse(plainEngine, name, source, limits.parseLimit);
    if (!usesMarkdown(source)) {
      compiled.set(name, { plain });
      continue;
    }
    const marked = markCodeOutputs(source);
    const once = oneRenderSuffices(source) ? parse(onceEngine, name, marked, Infinity) : undefined;
    compiled.set(name, { plain, markdown: parse(markdownEngine, name, marked, Infinity), once, hasCode: marked !== source });
  }

  function renderWith(engine: Liquid, name: string, templates: Template[], scope: object): string {
    try {
      return String(engine.renderSync(templates, scope));
    } catch (error) {
      throw new TemplateError(name, `render failed: ${describe(error)}`);
    }
  }

  function renderScope(name: string, scope: Record<string | symbol, unknown>, time: Date): RenderedMessage {
    const template = compiled.get(name);
    if (!template) {
      throw new TemplateError(name, `no such template (known: ${[...compiled.keys()].join(', ')}); add it under templates: in the config`);
    }
    scope[EVENT_TIME] = time;
    if (!template.markdown) return { body: shapeText(renderWith(plainEngine, name, template.plain, scope)) };
    // Markdown: one render when it gives both texts (the default template: 41 µs instead of 60), else the plain and the escaped one.
    const split = template.once ? splitRender(renderWith(onceEngine, name, template.once, scope), scope) : undefined;
    if (!split) clearRenderValues(scope);
    const body = shapeText(split?.plain ?? renderWith(plainEngine, name, template.plain, scope));
    if (split && !template.hasCode) {
      const filled = fill.html(shapeText(split.marked), split.values);
      if (filled !== undefined) return { body, html: filled };
    }
    const html = markdownToHtml(shapeText(split?.markdown() ?? renderWith(markdownEngine, name, template.markdown, scope)));
    return { body, html: template.hasCode ? fillCodeValues(html, scope) : html };
  }

  return {
    names: [...compiled.keys()],
    has: (name) => compiled.has(name),
    render: (name, event) => renderScope(name, kumaContext(event), event.time),
    // "now" in a group is its latest event's time.
    renderGroup: (name, events) => renderScope(name, groupContext(events), new Date(Math.max(...events.map((e) => e.time.getTime())))),
  };
}
