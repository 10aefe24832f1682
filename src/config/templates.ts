// Templates given as `{ file: path }`: read (relative to the config's folder) so every template is Liquid source.
import { compileTemplates, TemplateError, type TemplateSet } from '../alert/render/templates.js';
import { osReason, readReferencedFile, type FileContext } from './files.js';
import type { ParsedConfig } from './schema.js';

/** Replaces each `{ file }` template by the file's text (untrimmed: the template is the file as written). */
export async function resolveTemplates(templates: ParsedConfig['templates'], ctx: FileContext): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(templates).map(async ([name, template]): Promise<[string, string]> => {
      if (typeof template === 'string') return [name, template];
      try {
        return [name, (await readReferencedFile(template.file, ctx.dir)).text];
      } catch (error) {
        throw ctx.error(['templates', name, 'file'], `cannot read the template file ${template.file}: ${osReason(error)}`, error);
      }
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * Compiles every template (built-ins included) as Vigie renders them, so one that does not parse stops the load: at
 * start-up or reload, not when its alert fires. The load keeps the result, so nothing compiles them twice.
 */
export function compileConfigTemplates(templates: Record<string, string>, timezone: string, blame: (name: string, error: TemplateError) => Error): TemplateSet {
  try {
    return compileTemplates(templates, { timezone });
  } catch (error) {
    if (error instanceof TemplateError && error.template in templates) throw blame(error.template, error);
    throw error;
  }
}
