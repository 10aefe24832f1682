// Loads vigie.yaml: YAML with line numbers, ${ENV} substitution, schema check, then templates and secrets from files.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { substituteEnv, type Substitutions } from './env.js';
import { ConfigError, formatProblem } from './errors.js';
import { SECRET_FIELDS } from './fields.js';
import type { FileContext } from './files.js';
import { describeValue, problemsFromIssue, valueAt, type Problem } from './issues.js';
import { knownFieldsOf } from './known-fields.js';
import { createLocator, formatPath, type Locator } from './locate.js';
import { configSchema, type Config } from './schema.js';
import { resolveSecrets } from './secrets.js';
import { compileConfigTemplates, resolveTemplates } from './templates.js';
import type { TemplateError, TemplateSet } from '../alert/render/templates.js';

/** Options of `loadConfig` and `parseConfig`. */
export interface LoadOptions {
  /** Variables for `${VAR}`; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Leave `matrix.accessTokenFile` unread: `vigie login` loads the configuration before it writes that file. */
  skipAccessToken?: boolean;
}

/** A loaded configuration and where it came from. */
export interface LoadedConfig {
  config: Config;
  /** Every template of `config` (and the built-ins), compiled. */
  templates: TemplateSet;
  /** Absolute path of the file. */
  path: string;
  /** Its folder, against which relative paths were resolved. */
  dir: string;
  /** Things worth telling the user that do not stop Vigie (`file:line: field: …`). */
  warnings: string[];
}

/** Reads and loads a configuration file; every problem is a ConfigError naming file, line and field. */
export async function loadConfig(path: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(resolve(path), 'utf8');
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    const reason = code === 'ENOENT' ? `there is no configuration file at ${resolve(path)}` : `cannot read ${resolve(path)}: ${String(code)}`;
    throw new ConfigError(path, undefined, undefined,
      `${reason}; give its path with --config, or start from a copy of vigie.example.yaml`, { cause: error });
  }
  return parseConfig(text, path, options);
}

/** Loads a configuration from its text; `path` names it in errors and anchors relative paths. */
export async function parseConfig(text: string, path: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  const absolute = resolve(path);
  const dir = dirname(absolute);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, merge: true });
  // The first syntax error only: the ones after it are mostly its echoes, and each may quote a secret's line.
  if (doc.errors.length > 0) throw syntaxError(path, doc.errors[0]!, text, doc.errors.length - 1);
  const tags = doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED').map((w) => unquotedTag(path, w, text));
  if (tags.length > 0) throw ConfigError.combine(tags);
  const locate = createLocator(doc, lines);

  const { substitutions, problems: envProblems } = substituteEnv(doc, options.env ?? process.env, lines);
  if (envProblems.length > 0) {
    throw ConfigError.combine(envProblems.map((p) => new ConfigError(path, p.line, formatPath(p.path), p.message)));
  }
  const raw = toPlainValue(doc, path, text);
  const redact = secretRedactor(raw, locate, substitutions, options.env ?? process.env);
  const blame = (fieldPath: PropertyKey[], message: string, cause?: unknown) =>
    new ConfigError(path, locate(fieldPath).line, formatPath(fieldPath), redact(message), { cause });

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = schemaProblems(parsed.error.issues, raw);
    throw ConfigError.combine(problems.map((p) => blame(p.path, renderProblem(p, raw, locate, substitutions) + commentHint(p, raw, locate, text))));
  }

  const warnings: string[] = [];
  const ctx: FileContext = {
    dir,
    error: blame,
    warn: (fieldPath, message) => warnings.push(formatProblem(path, locate(fieldPath).line, formatPath(fieldPath), redact(message))),
  };
  const withSecrets = await resolveSecrets(parsed.data, ctx, { accessToken: !options.skipAccessToken });
  const templates = await resolveTemplates(parsed.data.templates, ctx);
  const compiled = compileConfigTemplates(templates, parsed.data.timezone,
    (name, error) => templateError(name, error, parsed.data.templates[name], { path, dir, locate, lines }));
  const store = { ...withSecrets.store, path: resolveStorePath(withSecrets.store.path, dir) };
  return { config: { ...withSecrets, templates, store }, templates: compiled, path: absolute, dir, warnings };
}

/** Where a template's first line is, to turn a Liquid error's line into the file's. */
interface TemplateSite { path: string; dir: string; locate: Locator; lines: LineCounter }

/**
 * A template that does not parse, as a ConfigError at its line: in the config file (its text starts on the line
 * after `name: |`) or in the file named by `{ file }`.
 */
function templateError(name: string, error: TemplateError, written: unknown, site: TemplateSite): ConfigError {
  const field = formatPath(['templates', name]);
  const liquidLine = /line:(\d+)/.exec(error.detail)?.[1];
  const detail = error.detail.replace(/, line:\d+, col:\d+/, '').replace(' (fix it under templates: in the config)', '');
  if (typeof written === 'object' && written !== null && 'file' in written) {
    const file = resolve(site.dir, String(written.file));
    return new ConfigError(file, liquidLine === undefined ? undefined : Number(liquidLine), field, detail, { cause: error });
  }
  const { node, line } = site.locate(['templates', name]);
  let first = line;
  if (isScalar(node) && node.range) {
    const block = node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
    first = site.lines.linePos(node.range[0]).line + (block ? 1 : 0);
  }
  const at = first !== undefined && liquidLine !== undefined ? first + Number(liquidLine) - 1 : line;
  return new ConfigError(site.path, at, field, detail, { cause: error });
}

/** The document as plain values; yaml refuses alias bombs (an alias expanded too many times) here. */
function toPlainValue(doc: Document, file: string, text: string): unknown {
  try {
    return (doc.toJS() as unknown) ?? {};
  } catch (error) {
    const alias = /^Unresolved alias .*: (.*)$/.exec((error as Error).message)?.[1];
    if (alias !== undefined) {
      // `*` starts an alias in YAML: an unquoted `*:example.org` (any server) is read as one.
      const index = text.split('\n').findIndex((l) => l.includes(`*${alias}`));
      const line = index >= 0 ? index + 1 : undefined;
      throw new ConfigError(file, line, undefined, misreadValue(`*${alias}`, 'a YAML alias', sourceLine(text, line)), { cause: error });
    }
    throw new ConfigError(file, undefined, undefined, `YAML error: ${(error as Error).message}`, { cause: error });
  }
}

function syntaxError(file: string, error: Document['errors'][number], text: string, more: number): ConfigError {
  // The context lines yaml appends may quote a secret, and so may the token it quotes: only the position is kept.
  const reason = error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '').replace(/: "(?:[^"\\]|\\.)*"$/, '');
  const line = error.linePos?.[0].line;
  const source = sourceLine(text, line);
  let hint = '';
  // `{` and `}` end a flow collection, so an unquoted ${VAR} inside one breaks the YAML.
  if (/[{[].*\$\{/.test(source)) hint = ' (inside { } or [ ], quote values that use ${…}: "${VAR}")';
  else if (error.code === 'BAD_SCALAR_START') hint = ' (quote values that start with @, `, % or *: "@alice:example.org")';
  const after = more > 0 ? ` (${more} more error${more > 1 ? 's' : ''} after it, most likely caused by this one)` : '';
  return new ConfigError(file, line, undefined, `YAML syntax error: ${reason}${hint}${after}`);
}

/** A value starting with `!` is a YAML tag: a room id pasted without quotes is the usual cause. */
function unquotedTag(file: string, warning: Document['warnings'][number], text: string): ConfigError {
  const line = warning.linePos?.[0].line;
  const tag = /Unresolved tag: (\S+)/.exec(warning.message)?.[1] ?? '!…';
  return new ConfigError(file, line, undefined, misreadValue(tag, 'a YAML tag', sourceLine(text, line), ' (room ids start with !)'));
}

/**
 * Says that `value` (unquoted, on line `source`) was read as YAML syntax, and to quote it; a secret's value is not
 * repeated (a passphrase may well start with ! or *).
 */
function misreadValue(value: string, readAs: string, source: string, hint = ''): string {
  const before = source.slice(0, source.indexOf(value));
  const secret = [...SECRET_FIELDS].find((field) => new RegExp(`\\b${field}\\s*:\\s*$`).test(before));
  if (secret) return `the value of ${secret} is read as ${readAs}, not as text: put it in quotes`;
  return `${value} is read as ${readAs}, not as text: quote it, "${value}"${hint}`;
}

/** The text of a line of the file (1-based), or '' when there is none. */
function sourceLine(text: string, line: number | undefined): string {
  return line === undefined ? '' : (text.split('\n')[line - 1] ?? '');
}

/** Problems from zod's issues; a "missing field" that an unknown field's suggestion explains is dropped. */
function schemaProblems(issues: readonly Parameters<typeof problemsFromIssue>[0][], raw: unknown): Problem[] {
  const knownFields = knownFieldsOf(configSchema);
  const problems = issues.flatMap((issue) => problemsFromIssue(issue, raw, knownFields));
  const explained = new Set(problems.flatMap((p) => (p.suggests ? [JSON.stringify(p.suggests)] : [])));
  return problems.filter((p) => !(p.message === 'required field is missing' && explained.has(JSON.stringify(p.path))));
}

/** The problem's message with ", got <value>" when the value may be shown. */
function renderProblem(problem: Problem, raw: unknown, locate: Locator, substitutions: Substitutions): string {
  const last = problem.path[problem.path.length - 1];
  // A monitor's headers often hold credentials (Authorization, X-Api-Key): their values are never shown.
  if (!problem.showValue || SECRET_FIELDS.has(String(last)) || problem.path.includes('headers')) return problem.message;
  const { node } = locate(problem.path);
  const variables = isScalar(node) ? substitutions.get(node) : undefined;
  // A value that came from the environment may be a secret put in the wrong place: name its source instead.
  if (variables) return `${problem.message}, got the value of ${variables.map((v) => `\${${v}}`).join(', ')}`;
  return `${problem.message}, got ${withoutCredentials(describeValue(valueAt(raw, problem.path)))}`;
}

/** A shown value without what a URL may carry as secrets: its user and password, and its query. */
function withoutCredentials(shown: string): string {
  return shown.replace(/(\/\/)[^/@\s"]*@/g, '$1…@').replace(/\?[^\s"]+/g, '?…');
}

/** Why a value may be empty: an unquoted `#` (an alias such as #ops:example.org) starts a comment in YAML. */
function commentHint(problem: Problem, raw: unknown, locate: Locator, text: string): string {
  if (valueAt(raw, problem.path) !== null) return '';
  const { line } = locate(problem.path);
  const source = sourceLine(text, line);
  return /:\s+#/.test(source) ? ' (an unquoted # starts a comment in YAML: quote room aliases, "#ops:example.org")' : '';
}

/** Removes every secret written in the file (or substituted into a secret field) from a message, as a last guard. */
function secretRedactor(raw: unknown, locate: Locator, substitutions: Substitutions, env: NodeJS.ProcessEnv) {
  const secretPaths: PropertyKey[][] = [['matrix', 'accessToken'], ['matrix', 'encryption', 'storePassphrase']];
  const sources = valueAt(raw, ['sources', 'uptimeKuma']);
  if (Array.isArray(sources)) sources.forEach((_, i) => secretPaths.push(['sources', 'uptimeKuma', i, 'token']));
  const secrets = new Set<string>();
  for (const fieldPath of secretPaths) {
    const value = valueAt(raw, fieldPath);
    if (typeof value === 'string' && value.length >= 4) secrets.add(value);
    const { node } = locate(fieldPath);
    for (const name of (isScalar(node) ? substitutions.get(node) : undefined) ?? []) {
      const secret = env[name];
      if (secret !== undefined && secret.length >= 4) secrets.add(secret);
    }
  }
  return (message: string): string => [...secrets].reduce((text, secret) => text.split(secret).join('[redacted]'), message);
}

function resolveStorePath(path: string, dir: string): string {
  return path === ':memory:' ? path : resolve(dir, path);
}
