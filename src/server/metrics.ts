// Prometheus metrics of the delivery path, on a registry of Vigie's own (no global state).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Deliverer } from '../delivery/deliverer.js';
import type { Outbox } from '../delivery/outbox.js';
import type { MonitorEngine } from '../monitor/engine.js';

/** The registry /metrics serves, with the delivery metrics wired to a deliverer and an outbox. */
export function createMetrics(parts: { deliverer?: Deliverer; outbox: Outbox; engine?: MonitorEngine }): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vigie_process_' });
  const { outbox, deliverer, engine } = parts;
  if (engine) monitorMetrics(registry, engine);

  new Gauge({
    name: 'vigie_outbox_pending', help: 'Alerts waiting in the outbox', registers: [registry],
    collect() { this.set(outbox.depth().total); },
  });
  new Gauge({
    name: 'vigie_delivery_parked_rooms', help: 'Rooms whose delivery is parked after a permanent error', registers: [registry],
    collect() { this.set(deliverer?.parked().length ?? 0); },
  });
  if (!deliverer) return registry;

  const sent = new Counter({ name: 'vigie_delivery_sent_total', help: 'Messages accepted by the homeserver', registers: [registry] });
  const retries = new Counter({ name: 'vigie_delivery_retries_total', help: 'Failed attempts that will be retried, by kind', labelNames: ['kind'], registers: [registry] });
  const rejected = new Counter({ name: 'vigie_delivery_rejected_total', help: 'Messages the homeserver will never accept', registers: [registry] });
  const latency = new Histogram({
    name: 'vigie_delivery_latency_seconds', help: 'From enqueue to accepted by the homeserver', registers: [registry],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
  });
  deliverer.on('sent', ({ latencyMs }) => { sent.inc(); latency.observe(latencyMs / 1000); });
  deliverer.on('retry', ({ kind }) => retries.inc({ kind }));
  deliverer.on('rejected', () => rejected.inc());
  return registry;
}

/** Kuma's heartbeat codes, as vigie_monitor_status reports them. */
const STATUS_CODES: Partial<Record<string, number>> = { down: 0, up: 1, pending: 2, maintenance: 3 };

/** Per monitor: check durations, the current status (1 up, 0 down, 2 pending, 3 maintenance), scheduling lag. */
function monitorMetrics(registry: Registry, engine: MonitorEngine): void {
  const duration = new Histogram({
    name: 'vigie_check_duration_seconds', help: 'How long checks take', labelNames: ['monitor', 'type'], registers: [registry],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  // Read from the engine at each scrape: a monitor removed by a reload disappears (a stale 0 would alert for ever),
  // and after a restart the status saved from the last run shows before the first beat.
  new Gauge({
    name: 'vigie_monitor_status', help: 'Heartbeat status: 0 down, 1 up, 2 pending, 3 maintenance', labelNames: ['monitor'], registers: [registry],
    collect() {
      this.reset();
      for (const m of engine.snapshot()) {
        const code = m.status === null ? undefined : STATUS_CODES[m.status];
        if (code !== undefined) this.set({ monitor: m.name }, code);
      }
    },
  });
  const lag = new Histogram({
    name: 'vigie_check_lag_seconds', help: 'How late checks start after their due time', registers: [registry],
    buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5],
  });
  const alerts = new Counter({ name: 'vigie_monitor_alerts_total', help: 'Alerts raised by monitors, by status', labelNames: ['status'], registers: [registry] });
  engine.on('beat', (beat) => {
    if (beat.durationMs > 0) duration.observe({ monitor: beat.monitor, type: beat.type }, beat.durationMs / 1000);
    lag.observe(beat.lagMs / 1000);
  });
  engine.on('alert', ({ status: s }) => alerts.inc({ status: s }));
}
