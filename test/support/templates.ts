// Templates compiled so that every render takes the slow, plain way: two Liquid renders and markdown-it each time.
import { compileTemplates, type TemplateSet } from '../../src/alert/render/templates.js';

/** A comment naming `capture` renders nothing, and keeps a template from being rendered once for both texts. */
const TWICE = '{% comment %}capture{% endcomment %}';

/** The templates as compileTemplates gives them, and the same forced through two renders, to compare. */
export function compiledBothWays(templates: Record<string, string>, timezone: string): { fast: TemplateSet; slow: TemplateSet } {
  return {
    fast: compileTemplates(templates, { timezone }),
    slow: compileTemplates(Object.fromEntries(Object.entries(templates).map(([name, source]) => [name, source + TWICE])), { timezone }),
  };
}
