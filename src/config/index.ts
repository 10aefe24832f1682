// The configuration module's public face: load the file, read its typed values, report its errors.
export { ConfigError } from './errors.js';
export { loadConfig, parseConfig, type LoadedConfig, type LoadOptions } from './load.js';
export { requireAccessToken } from './secrets.js';
export { formatDuration, parseDuration } from './duration.js';
export { parseListenAddress } from './fields.js';
export {
  configSchema, MONITOR_TYPES, ROUTE_STATUSES,
  type Config, type MatrixConfig, type MonitorConfig, type ParsedConfig, type RouteConfig, type UptimeKumaSourceConfig,
} from './schema.js';
