// Doctor's rate-limit check: Synapse limits a bot to 0.2 messages/s (burst 10) unless an admin lifts it.
import type { MatrixClient } from '../matrix/client.js';
import type { Finding } from './report.js';

/** Reads the bot's rate-limit override when the bot may (it needs to be a server admin); otherwise gives the hint. */
export async function checkRateLimit(client: MatrixClient, userId: string): Promise<Finding> {
  const override = await client.getRateLimitOverride(userId).catch(() => undefined);
  if (override && override.messages_per_second === 0) {
    return { verdict: 'ok', text: 'the homeserver does not rate-limit the bot\'s messages (override set)' };
  }
  return {
    verdict: 'info',
    text: 'the bot is subject to the homeserver\'s message rate limit (Synapse\'s default: 0.2/s, burst 10); Vigie waits and never drops, but a large outage is delivered slowly',
    fix: `a Synapse admin can lift it: POST /_synapse/admin/v1/users/${encodeURIComponent(userId)}/override_ratelimit {"messages_per_second":0,"burst_count":0}`,
  };
}
