// The configuration file's schema (zod): every field with its default and a one-line description.
import { z } from 'zod';
import { duration, isHomeserver, listenAddress, roomTarget, secret, secretFile, timeZoneField } from './fields.js';
import { createChecks, PushRegistry, type CheckType } from '../monitor/checks/index.js';
import { maintenanceSchema } from '../monitor/maintenance.js';
import { applyDefaultRoutes, checkReferences } from './references.js';
import { didYouMean } from './suggest.js';
import { INCIDENT_MODES } from '../incidents/policy.js';

/** A Matrix user id: @localpart:server. */
const MATRIX_USER_ID = /^@[^\s:]+:\S+$/;

/** Who may use `!vigie` commands, and whose invites are accepted. */
const commandsSchema = z.strictObject({
  enabled: z.boolean().default(true).describe('Follow the rooms (/sync) to answer !vigie commands, acknowledge on reactions and accept invites'),
  powerLevel: z.int().default(50).describe('Power level a member needs for commands and acknowledging reactions (50: moderator)'),
  allowInvitesFrom: z.array(z.string().regex(/^@[^\s:]+:\S+$|^\*:\S+$/, { message: 'expected a user id like "@alice:example.org" or "*:example.org"' }))
    .default([]).describe('Users ("@alice:example.org") or servers ("*:example.org") whose invites Vigie accepts; configured rooms are always joined'),
}).prefault({}).describe('Acting from the room: commands, reactions, invites');

/** Statuses a route can match (`certificate`: a TLS certificate about to expire). */
export const ROUTE_STATUSES = ['down', 'up', 'pending', 'maintenance', 'test', 'certificate'] as const;

/** Check types the monitor engine knows. */
export const MONITOR_TYPES = ['http', 'tcp', 'dns', 'ping', 'push'] as const;
/** pino's levels, as `log.level` and VIGIE_LOG_LEVEL take them. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const encryptionSchema = z
  .strictObject({
    enabled: z.boolean().default(true)
      .describe('Encrypt alerts for encrypted rooms; when false (or without a passphrase) such rooms wait, never get plaintext'),
    storePassphrase: secret('Passphrase encrypting the bot\'s keys at rest, usually ${VIGIE_E2EE_PASSPHRASE}'),
    storePassphraseFile: secretFile('File holding that passphrase (relative to this file); instead of storePassphrase'),
    devices: z.enum(['all', 'cross-signed']).default('all')
      .describe('Which devices get room keys: every device of every member, or only devices their owner cross-signed (then the bot must be cross-signed too: vigie login --cross-signing)'),
    plaintextRooms: z.array(z.string()).default([])
      .describe('Rooms (short names) that may get plaintext when Vigie cannot encrypt for them'),
  })
  .superRefine((enc, ctx) => {
    if (enc.storePassphrase && enc.storePassphraseFile) {
      ctx.addIssue({ code: 'custom', path: ['storePassphraseFile'], message: 'set either storePassphrase or storePassphraseFile, not both' });
    }
  })
  .transform(({ storePassphrase, ...rest }) => ({ ...rest, storePassphrase: storePassphrase === '' ? undefined : storePassphrase }))
  .prefault({})
  .describe('End-to-end encryption for encrypted rooms');

const matrixSchema = z
  .strictObject({
    homeserver: z.string()
      .refine(isHomeserver, {
        message: 'expected a homeserver URL like "https://matrix.example.org" or a domain like "example.org"',
        params: { showValue: true },
      })
      .describe('Homeserver base URL (https://matrix.example.org), or a bare domain found through .well-known'),
    accessToken: secret('Access token of the bot account, usually ${VIGIE_MATRIX_TOKEN}; empty means not set'),
    accessTokenFile: secretFile('File holding the access token (relative to this file); instead of accessToken'),
    msgtype: z.enum(['m.text', 'm.notice']).default('m.text')
      .describe('Message type of alerts: m.text notifies by default, m.notice does not'),
    requestTimeout: duration().prefault('30s').describe('Time limit of one request to the homeserver'),
    deviceName: z.string().min(1).default('Vigie').describe('Device name shown in the bot\'s sessions (vigie login)'),
    encryption: encryptionSchema,
  })
  .superRefine((matrix, ctx) => {
    if (matrix.accessToken && matrix.accessTokenFile) {
      ctx.addIssue({ code: 'custom', path: ['accessTokenFile'], message: 'set either accessToken or accessTokenFile, not both' });
    }
  })
  .transform(({ accessToken, ...rest }) => ({ ...rest, accessToken: accessToken === '' ? undefined : accessToken }))
  .describe('The Matrix homeserver and the bot account that posts alerts');

const templateSchema = z.union([
  z.string().describe('Liquid source'),
  z.strictObject({ file: z.string().min(1).describe('Liquid file, relative to this file') }),
], { error: 'expected Liquid source text, or { file: path }' });

const matchSchema = z.strictObject({
  tags: z.array(z.string()).optional().describe('Matches events of monitors with any of these tags'),
  status: z.array(z.enum(ROUTE_STATUSES)).optional().describe('Matches events with any of these statuses'),
  monitors: z.array(z.string()).optional().describe('Matches events of monitors with any of these names'),
  groups: z.array(z.string()).optional().describe('Matches events of monitors in any of these groups (a monitor\'s group, or its Kuma group)'),
  sources: z.array(z.string()).optional().describe('Matches events from these sources: monitor, uptime-kuma:<name>'),
}).describe('Conditions, all of which must hold; absent = every event');

const routeSchema = z.strictObject({
  rooms: z.array(z.string()).min(1, { message: 'needs at least one room' }).describe('Short names of the rooms (keys of rooms)'),
  template: z.string().default('default').describe('Template name (a key of templates), or "default" for the built-in one'),
  match: matchSchema.optional(),
  continue: z.boolean().default(false).describe('Keep looking at the next routes after this one matched'),
  // Optional rather than defaulted, so routes read back as written; the defaults live in src/incidents/policy.ts.
  incidents: z.enum(INCIDENT_MODES).optional()
    .describe('Incidents in the room (default both): recovery and resends in the first message\'s thread, the first message edited to read resolved, both, or off'),
  groupWait: duration({ zero: true }).optional()
    .describe('Alerts for a room arriving within this window are sent as one message (default 10s; 0 turns grouping off)'),
  mentions: z.array(z.string().regex(MATRIX_USER_ID, { message: 'expected a Matrix user id like "@alice:example.org"' })).optional()
    .describe('Users pinged by this route\'s alerts (m.mentions and a pill), e.g. ["@alice:example.org"]'),
  atRoom: z.boolean().optional().describe('Ping the whole room (@room) with this route\'s alerts (default false)'),
});

/** The fields every monitor has, whatever its type. */
const COMMON_MONITOR_FIELDS = {
  name: z.string().min(1).describe('Unique name of the service, as messages show it'),
  interval: duration().prefault('60s').describe('Time between checks'),
  retryInterval: duration().optional().describe('Time between checks while retrying; default: interval'),
  maxretries: z.int().nonnegative().default(0).describe('Failures tolerated (PENDING) before DOWN'),
  resendInterval: z.int().nonnegative().default(0).describe('Re-send a DOWN alert every N down checks; 0: never'),
  tags: z.array(z.string()).default([]).describe('Tags, for routes and maintenance windows'),
  group: z.string().min(1).optional().describe('Group of the monitor (like Kuma\'s group monitors), for routes; shown in monitorJSON.path'),
  upsideDown: z.boolean().default(false).describe('Invert the result: a reachable target is DOWN'),
};

/** Check definitions, for their schemas only (the push registry here receives nothing). */
const CHECKS = createChecks({ pushes: new PushRegistry() });

/** A check type's own fields, merged with the common ones so each keeps its parsing, default and message. */
function checkFields(type: CheckType): Record<string, z.ZodType> {
  const schema: unknown = CHECKS[type].schema;
  // Merging shapes would drop object-level refinements: a check schema must not have any.
  if (!(schema instanceof z.ZodObject) || (schema._zod.def.checks?.length ?? 0) > 0) {
    throw new Error(`the ${type} check's schema must be a plain z.object to merge into the monitor schema (a bug in Vigie)`);
  }
  return { ...schema.shape };
}

/** A monitor of one type: common fields and the type's own; any other field is reported with the ones it may mean. */
function monitorOfType<T extends CheckType>(type: T) {
  const own = checkFields(type);
  // Vigie never shows a push token (not in logs, not in /api/monitors): one it made up could never be learnt.
  if (own.token) own.token = own.token.describe('Secret of the push URL (/api/push/<token>), required; keep it out of sight like a password');
  const known = ['name', 'type', ...Object.keys(COMMON_MONITOR_FIELDS).slice(1), ...Object.keys(own)];
  return z.looseObject({ ...own, ...COMMON_MONITOR_FIELDS, type: z.literal(type).describe(`Check type: ${MONITOR_TYPES.join(', ')}`) })
    .superRefine((monitor, ctx) => {
      for (const key of Object.keys(monitor)) {
        if (known.includes(key)) continue;
        const hint = didYouMean(key, known) || ` (a ${type} monitor's fields are: ${known.join(', ')})`;
        ctx.addIssue({ code: 'custom', path: [key], message: `unknown field '${key}'${hint}` });
      }
      if (type === 'push' && monitor.token === undefined) {
        ctx.addIssue({
          code: 'custom', path: ['token'],
          message: 'a push monitor needs token, the secret of its push URL /api/push/<token> (e.g. the output of `openssl rand -hex 16`)',
        });
      }
    });
}

const monitorSchema = z
  .discriminatedUnion('type', [
    monitorOfType('http'), monitorOfType('tcp'), monitorOfType('dns'), monitorOfType('ping'), monitorOfType('push'),
  ], { error: (issue) => (issue.code === 'invalid_union' ? `expected one of ${MONITOR_TYPES.map((t) => `"${t}"`).join(', ')}` : undefined) })
  // Object.assign rather than a spread keeps each type's fields as parsed.
  .transform((monitor) => Object.assign(monitor, { retryInterval: monitor.retryInterval ?? monitor.interval }))
  .describe('A service Vigie checks itself; fields beyond the common ones depend on type');

const kumaSourceSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_-]+$/, { message: 'expected letters, digits, _ or - (it is part of the ingest URL)' })
      .describe('Name of the source, part of its ingest URL'),
    token: secret('Secret in the ingest URL or bearer token, usually ${VIGIE_KUMA_TOKEN}; empty: the source is refused'),
    tokenFile: secretFile('File holding the token (relative to this file); instead of token'),
    rooms: z.array(z.string()).optional().describe('Rooms (short names) this source may post to; routes still apply'),
    template: z.string().optional().describe('Template for this source\'s alerts, instead of the route\'s'),
  })
  .superRefine((source, ctx) => {
    if (source.token === undefined && source.tokenFile === undefined) {
      ctx.addIssue({ code: 'custom', path: ['token'], message: 'a source needs token or tokenFile (its ingest secret)' });
    } else if (source.token && source.tokenFile) {
      ctx.addIssue({ code: 'custom', path: ['tokenFile'], message: 'set either token or tokenFile, not both' });
    }
  })
  .transform(({ token, ...rest }) => ({ ...rest, token: token === '' ? undefined : token }));

/** The whole configuration file, before `…File` fields are read (see load.ts). */
export const configSchema = z
  .strictObject({
    timezone: timeZoneField,
    matrix: matrixSchema,
    rooms: z.record(z.string(), roomTarget()).default({})
      .describe('Short names → room ids (!abc:example.org) or aliases (#ops:example.org)'),
    templates: z.record(z.string(), templateSchema).default({})
      .describe('Liquid templates by name: source text, or { file: path }; a template named default replaces the built-in one'),
    routes: z.array(routeSchema).optional()
      .describe('Which alerts go to which rooms, first match wins unless continue; absent: everything to every room'),
    monitors: z.array(monitorSchema).default([]).describe('Services Vigie checks itself'),
    maintenance: z.array(maintenanceSchema).default([])
      .describe('Maintenance windows: the monitors they hold are not checked and send no alert'),
    sources: z.strictObject({
      uptimeKuma: z.array(kumaSourceSchema).default([]).describe('Uptime Kuma instances posting to Vigie (webhook or Matrix notification)'),
    }).prefault({}).describe('Alerts coming from elsewhere'),
    store: z.strictObject({
      path: z.string().min(1).default('./data/vigie.db').describe('SQLite file (relative to this file), created on first run'),
      heartbeatRetention: duration({ max: Number.MAX_SAFE_INTEGER }).prefault('90d').describe('How long heartbeats are kept (hourly aggregates too; minute ones a day)'),
    }).prefault({}).describe('Where Vigie keeps its state and outbox'),
    server: z.strictObject({
      listen: listenAddress().default('127.0.0.1:8080').describe('host:port of the HTTP server (ingest, /healthz, /metrics)'),
    }).prefault({}).describe('The HTTP server'),
    delivery: z.strictObject({
      maxBackoff: duration().prefault('5m').describe('Longest wait between two attempts to send a message'),
      parkedRetry: duration().prefault('5m').describe('Wait before retrying a message parked after a permanent error'),
    }).prefault({}).describe('How messages reach the rooms'),
    commands: commandsSchema,
    log: z.strictObject({
      level: z.enum(LOG_LEVELS).default('info').describe('Log level'),
    }).prefault({}).describe('Logging'),
  })
  .superRefine(checkReferences)
  .transform(applyDefaultRoutes);

/** The file as parsed: defaults applied, durations in ms, templates possibly still `{ file }`. */
export type ParsedConfig = z.output<typeof configSchema>;

/** The loaded configuration: templates are Liquid sources, secrets read from their files, paths absolute. */
export type Config = Omit<ParsedConfig, 'templates'> & { templates: Record<string, string> };

/** The `matrix` section. */
export type MatrixConfig = Config['matrix'];
/** One entry of `routes` (after defaults). */
export type RouteConfig = Config['routes'][number];
/** One entry of `monitors`: the common fields, plus the type's own, parsed by that check type's schema. */
export type MonitorConfig = Config['monitors'][number];
/** The `commands` section. */
export type CommandsConfig = Config['commands'];
/** One entry of `maintenance`. */
export type MaintenanceWindowConfig = Config['maintenance'][number];
/** One entry of `sources.uptimeKuma`; `token` is undefined when it was left empty (the source is refused). */
export type UptimeKumaSourceConfig = Config['sources']['uptimeKuma'][number];
