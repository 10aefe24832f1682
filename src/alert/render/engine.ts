// The LiquidJS engine Vigie renders with: limits set, no filesystem, strict filters, zone-aware date filters.
import { Liquid } from 'liquidjs';
import type { FilterImplOptions, FS } from 'liquidjs';
import { dateFilters } from './date-filter.js';

/** Resource limits for a template; a template that breaks one fails with an error instead of hanging the process. */
export interface TemplateLimits {
  /** Longest template source accepted, in characters. */
  parseLimit: number;
  /** Longest time one render may take, in milliseconds. */
  renderLimitMs: number;
  /** Most memory one render may allocate, in LiquidJS units (characters / array items). */
  memoryLimit: number;
}

/** Alert templates are a few lines; these leave a wide margin and still stop a runaway loop at once. */
export const DEFAULT_LIMITS: TemplateLimits = { parseLimit: 100_000, renderLimitMs: 200, memoryLimit: 10_000_000 };

/** Tags that would read other templates from disk: templates come only from the config. */
const FILE_TAGS = ['include', 'render', 'layout'];

const FILES_DISABLED = 'templates cannot read files (include, render and layout are disabled): put the whole template in the config';

function refuseFiles(): never {
  throw new Error(FILES_DISABLED);
}

/** A filesystem with nothing in it, in case a file lookup is ever attempted despite the tags being removed. */
const NO_FILES: FS = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async () => refuseFiles(),
  readFileSync: refuseFiles,
  resolve: (_dir, file) => file,
  sep: '/',
  dirname: () => '',
};

/** Options of an engine. */
export interface EngineOptions {
  /** IANA zone (or `+05:30`) in which `date` shows times. */
  timezone: string;
  limits: TemplateLimits;
  /** Applied to every `{{ output }}` (the Markdown pass escapes monitor values with it); none for plain text. */
  outputEscape?: (value: unknown) => string;
  /** Filters added to Liquid's (the Markdown pass adds the one that handles values in code spans). */
  filters?: Record<string, FilterImplOptions>;
}

/** Builds an engine; the timezone is checked here (a RangeError names it when unknown). */
export function createEngine(options: EngineOptions): Liquid {
  const { timezone, limits, outputEscape, filters = {} } = options;
  const engine = new Liquid({
    fs: NO_FILES,
    root: [],
    partials: [],
    layouts: [],
    relativeReference: false,
    dynamicPartials: false,
    cache: false,
    strictFilters: true,
    // Kuma's templates rely on missing variables printing nothing.
    strictVariables: false,
    ownPropertyOnly: true,
    parseLimit: limits.parseLimit,
    renderLimit: limits.renderLimitMs,
    memoryLimit: limits.memoryLimit,
    ...(outputEscape ? { outputEscape } : {}),
  });
  for (const tag of FILE_TAGS) delete engine.tags[tag];
  for (const [name, filter] of Object.entries({ ...dateFilters(timezone), ...filters })) engine.registerFilter(name, filter);
  return engine;
}
