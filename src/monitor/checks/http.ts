// The http check: Kuma's http, keyword and json-query monitors in one type, with the certificate's expiry recorded.
import { z } from 'zod';
import { USER_AGENT } from '../../version.js';
import { abortMessage, elapsedSince, limitSignal, networkErrorMessage } from './failure.js';
import { timeoutField } from './fields.js';
import { TooManyRedirectsError, exchangeHttp, type HttpAnswer } from './http-request.js';
import { checkContent } from './http-content.js';
import { JSON_OPERATORS, compileJsonQuery, jsonataErrorText } from './json-query.js';
import { STATUS_CODE_PATTERN, statusAccepted } from './status-codes.js';
import type { CheckDefinition, CheckResult } from './types.js';

/** The most of a body read for a keyword or a JSON query; a status-only check reads as much and keeps none. */
export const BODY_LIMIT = 1024 * 1024;

/** What Kuma's http monitor sends as Accept: a browser's. */
const ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8';

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A JSON query is compiled when the config loads, so a typo shows there and not at the first check. */
function checkJsonata(expression: string, ctx: z.core.$RefinementCtx<string>): void {
  try {
    compileJsonQuery(expression);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `is not a valid JSONata expression: ${jsonataErrorText(error)}` });
  }
}

const schema = z.object({
  url: z.string().trim().refine(isHttpUrl, { message: 'expected an http or https URL like "https://example.org/health"', params: { showValue: true } })
    .describe('URL to request'),
  method: z.string().regex(/^[A-Za-z]+$/, { message: 'expected an HTTP method like GET, HEAD or POST' }).default('GET')
    .transform((method) => method.toUpperCase()).describe('HTTP method'),
  headers: z.record(z.string().regex(HEADER_NAME, { message: 'expected a header name like "Authorization" or "X-Api-Key"' }), z.string())
    .default({}).describe('Extra request headers; they may hold secrets, which Vigie never logs'),
  body: z.string().optional().describe('Request body; sent as application/json when it parses as JSON and no Content-Type is given'),
  acceptedStatusCodes: z.array(z.string().regex(STATUS_CODE_PATTERN, { message: 'expected a status code like "200" or a range like "200-299"' }))
    .min(1).default(['200-299']).describe('Status codes that count as UP: codes ("301") and ranges ("200-299")'),
  maxRedirects: z.int().min(0).max(50).default(10).describe('Redirects followed; 0 checks the first answer itself'),
  ignoreTls: z.boolean().default(false).describe('Accept any certificate (self-signed, expired, wrong name); its expiry is still recorded, not warned about (as Kuma)'),
  keyword: z.string().min(1).optional().describe('Text the body must contain (case-sensitive; searched in the first 64 MiB)'),
  invertKeyword: z.boolean().default(false).describe('UP when keyword is absent instead'),
  jsonQuery: z.string().min(1).superRefine(checkJsonata).optional()
    .describe('JSONata expression evaluated on the JSON body, e.g. "status" or "$count(items)"'),
  expectedValue: z.union([z.string(), z.number(), z.boolean()]).transform(String).default('true')
    .describe('Value the JSON query is compared with'),
  jsonPathOperator: z.enum(JSON_OPERATORS).default('==').describe('How the JSON query value is compared: ==, !=, <, <=, >, >=, contains'),
  keepAlive: z.boolean().default(false).describe('Reuse connections between checks; default: a fresh connection each time, like a first visit'),
  expiryNotification: z.boolean().default(true).describe('Warn before the https certificate expires (not with ignoreTls, as Kuma)'),
  tlsExpiryDays: z.array(z.int().positive()).default([14, 7, 1]).describe('Days before expiry at which to warn, once each'),
  timeout: timeoutField(),
});

/** The http fields of a monitor, parsed. */
export type HttpTarget = z.output<typeof schema>;

/** Request headers: Vigie's defaults, then the monitor's (names in lower case so a monitor's win). */
function requestHeaders(target: HttpTarget): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: ACCEPT };
  for (const [name, value] of Object.entries(target.headers)) headers[name.toLowerCase()] = value;
  if (target.body !== undefined && headers['content-type'] === undefined) {
    headers['content-type'] = isJson(target.body) ? 'application/json' : 'text/plain; charset=utf-8';
  }
  return headers;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** TLS verification errors, for which the fix is usually ignoreTls. */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_NOT_YET_VALID',
]);

function failureMessage(error: unknown): string {
  if (error instanceof TooManyRedirectsError) return error.message;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNRESET' && error instanceof Error && /socket hang up|aborted/.test(error.message)) {
    return `connection closed by the server before a full answer (${error.message})`;
  }
  const message = networkErrorMessage(error);
  return code !== undefined && TLS_CODES.has(code) ? `${message} (set ignoreTls: true to accept this certificate)` : message;
}

/** Judges an answer: status code first, then keyword, then JSON query. */
async function judge(target: HttpTarget, answer: HttpAnswer, ms: number): Promise<CheckResult> {
  const facts = answer.tls ? { ms, tls: answer.tls } : { ms };
  if (!statusAccepted(answer.status, target.acceptedStatusCodes)) {
    return { status: 'down', message: `status ${answer.status} (expected ${target.acceptedStatusCodes.join(', ')})`, ...facts };
  }
  const line = `${answer.status} - ${answer.statusText}`;
  const content = await checkContent(target, answer);
  if (!content.pass) return { status: 'down', message: content.message, ...facts };
  return { status: 'up', message: content.message ? `${line}, ${content.message}` : line, ...facts };
}

async function runHttp(target: HttpTarget, signal: AbortSignal): Promise<CheckResult> {
  const { signal: limit, dispose } = limitSignal(signal, target.timeout);
  const start = performance.now();
  try {
    const answer = await exchangeHttp({
      url: new URL(target.url), method: target.method, headers: requestHeaders(target), body: target.body,
      maxRedirects: target.maxRedirects, ignoreTls: target.ignoreTls, keepAlive: target.keepAlive,
      bodyLimit: BODY_LIMIT, keepBody: target.keyword !== undefined || target.jsonQuery !== undefined, signal: limit,
      find: target.keyword === undefined ? undefined : Buffer.from(target.keyword, 'utf8'),
    });
    return await judge(target, answer, elapsedSince(start));
  } catch (error) {
    if (limit.aborted) return { status: 'down', message: abortMessage(limit, target.timeout) };
    return { status: 'down', message: failureMessage(error), ms: elapsedSince(start) };
  } finally {
    dispose();
  }
}

/** The http check type. */
export const http: CheckDefinition<HttpTarget> = {
  type: 'http',
  schema,
  run: runHttp,
  hostnameOrURL: (target) => target.url,
};
