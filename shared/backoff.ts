/** Full-jitter exponential backoff: spreads reconnects so a restart is not a thundering herd. */
export function backoffDelayMs(attempt: number, baseMs = 250, maxMs = 10_000, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt))
  return Math.round(random() * ceiling)
}
