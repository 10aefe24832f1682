// Vigie's version and the User-Agent it sends, read once from package.json.
import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

/** Vigie's version, from package.json. */
export const VERSION: string = pkg.version;

/** The User-Agent of every request Vigie makes. */
export const USER_AGENT = `Vigie/${VERSION} (+https://github.com/vigie-monitor/vigie)`;
