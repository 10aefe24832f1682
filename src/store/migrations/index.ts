// Every schema migration, in order; a new one is a new NNN-name.ts file added to this list.
import type { Migration } from '../migrate.js';
import { migration as m001 } from './001-outbox.js';
import { migration as m002 } from './002-monitors.js';
import { migration as m003 } from './003-crypto.js';
import { migration as m004 } from './004-incidents.js';
import { migration as m005 } from './005-room.js';
import { migration as m006 } from './006-outbox-indexes.js';
import { migration as m007 } from './007-outbox-payload.js';
import { migration as m008 } from './008-outbox-no-event-index.js';
import { migration as m009 } from './009-outbox-checks.js';
import { migration as m010 } from './010-ack-reactions.js';
import { migration as m011 } from './011-outbox-doubt.js';

/** All migrations this Vigie knows, oldest first; versions are 1, 2, 3… without gaps. */
export const MIGRATIONS: readonly Migration[] = [m001, m002, m003, m004, m005, m006, m007, m008, m009, m010, m011];
