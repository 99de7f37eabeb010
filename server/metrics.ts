import client from 'prom-client'
import type { TransportKind } from '../shared/protocol/transport-kind.js'

/**
 * Prometheus metrics, one registry per server so tests can run several servers in one process.
 * No document ids as labels: their number is unbounded.
 */
export function createMetrics() {
  const registry = new client.Registry()
  client.collectDefaultMetrics({ register: registry, prefix: 'tandem_' })
  const metrics = {
    registry,
    connections: new client.Gauge({
      name: 'tandem_connections',
      help: 'Open client connections, by transport',
      labelNames: ['transport'] as const,
      registers: [registry],
    }),
    openDocuments: new client.Gauge({
      name: 'tandem_open_documents',
      help: 'Documents loaded in memory',
      registers: [registry],
    }),
    updatesIn: new client.Counter({
      name: 'tandem_updates_in_total',
      help: 'Update-bearing frames received from clients',
      registers: [registry],
    }),
    updatesOut: new client.Counter({
      name: 'tandem_updates_out_total',
      help: 'Update frames sent to clients, one per recipient (the updates of one event-loop turn share a frame)',
      registers: [registry],
    }),
    bytesIn: new client.Counter({
      name: 'tandem_bytes_in_total',
      help: 'Frame bytes received from clients',
      labelNames: ['transport'] as const,
      registers: [registry],
    }),
    bytesOut: new client.Counter({
      name: 'tandem_bytes_out_total',
      help: 'Frame bytes sent to clients',
      labelNames: ['transport'] as const,
      registers: [registry],
    }),
    persistSeconds: new client.Histogram({
      name: 'tandem_persist_seconds',
      help: 'Time from applying an update to its commit in storage (group commit included)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    persistFailures: new client.Counter({
      name: 'tandem_persist_failures_total',
      help: 'Commits that failed; clients were disconnected to resend',
      registers: [registry],
    }),
    logRows: new client.Counter({
      name: 'tandem_log_appends_total',
      help: 'Rows appended to document update logs',
      registers: [registry],
    }),
    logTailRows: new client.Gauge({
      name: 'tandem_log_tail_rows',
      help: 'Uncompacted log rows summed over open documents',
      registers: [registry],
    }),
    compactions: new client.Counter({
      name: 'tandem_compactions_total',
      help: 'Log compactions, by result',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    quarantinedUpdates: new client.Counter({
      name: 'tandem_quarantined_updates_total',
      help: 'Stored updates that could not be applied and were set aside',
      registers: [registry],
    }),
    authFailures: new client.Counter({
      name: 'tandem_auth_failures_total',
      help: 'Connections and requests refused or ended for credentials, by error code',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    rejectedFrames: new client.Counter({
      name: 'tandem_rejected_frames_total',
      help: 'Connections closed for bad input, by error code',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    signallingConnections: new client.Gauge({
      name: 'tandem_signalling_connections',
      help: 'Open WebRTC signalling connections (/signal)',
      registers: [registry],
    }),
    signallingMessages: new client.Counter({
      name: 'tandem_signalling_messages_total',
      help: 'Signalling messages by direction and type; out counts one per recipient (type awareness = relayed presence)',
      labelNames: ['direction', 'type'] as const,
      registers: [registry],
    }),
    awarenessFrames: new client.Counter({
      name: 'tandem_awareness_frames_total',
      help: 'Presence (awareness) frames on sync connections, by direction; out counts one per recipient',
      labelNames: ['direction'] as const,
      registers: [registry],
    }),
    webhookDeliveries: new client.Counter({
      name: 'tandem_webhook_deliveries_total',
      help: 'Webhook events the receiver accepted (2xx), by event type',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    webhookFailedAttempts: new client.Counter({
      name: 'tandem_webhook_failed_attempts_total',
      help: 'Webhook attempts that failed (retried or not), by reason: status, timeout, network',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    webhookDropped: new client.Counter({
      name: 'tandem_webhook_dropped_total',
      help: 'Webhook events never delivered, by reason: queue-full, gave-up, rejected, shutdown',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    webhookPending: new client.Gauge({
      name: 'tandem_webhook_pending_events',
      help: 'Webhook events queued or in flight (retries included)',
      registers: [registry],
    }),
  }
  return metrics
}

export type Metrics = ReturnType<typeof createMetrics>

export function countConnection(metrics: Metrics, transport: TransportKind, delta: 1 | -1): void {
  metrics.connections.inc({ transport }, delta)
}
