// Schema fields several check types share: the time limit, host names and ports.
import { z } from 'zod';
import { duration } from '../../config/fields.js';

/** Default time limit of one check; Kuma uses 0.8 × interval (48 s for 60 s). */
export const DEFAULT_TIMEOUT = '30s';

/** `timeout`: how long one check may take before it counts as down (milliseconds once parsed). */
export function timeoutField() {
  return duration().prefault(DEFAULT_TIMEOUT)
    .describe('Time limit of one check, after which it is DOWN "timeout after …"; keep it below interval');
}

/** A host name or IP address, without scheme or port. */
export function hostnameField(description: string) {
  return z.string().trim().min(1, { message: 'must not be empty' })
    // A leading "-" would reach `ping` as an option.
    .refine((value) => !/[\s/]/.test(value) && !value.startsWith('-') && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value), {
      message: 'expected a host name or IP address like "db.example.org" or "10.0.0.5", without scheme, path, spaces or leading "-"',
      params: { showValue: true },
    })
    .describe(description);
}

/** A TCP/UDP port number. */
export function portField(description: string) {
  return z.int({ error: 'expected a port number between 1 and 65535' }).min(1).max(65_535).describe(description);
}
