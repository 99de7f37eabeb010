import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'

/**
 * Above either figure the generator itself is the bottleneck: its timers fire late and received
 * frames wait in its queue, so the latencies it measures say more about it than about the server.
 */
export const GENERATOR_SATURATED_CPU_SHARE = 0.85
export const GENERATOR_SATURATED_LAG_P99_MS = 20

export interface GeneratorLoad {
  /** Generator CPU (user + system) as a share of one core over the window. */
  cpuShare: number
  /** Event-loop delay beyond the expected timer tick, p99 and max, ms. */
  lagP99Ms: number
  lagMaxMs: number
  isSaturated: boolean
}

/** Measures the load generator's own CPU and event-loop lag over a window. */
export class GeneratorMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 })
  private readonly cpuAtStart = process.cpuUsage()
  private readonly startedAt = performance.now()

  constructor() {
    this.histogram.enable()
  }

  stop(): GeneratorLoad {
    this.histogram.disable()
    const cpu = process.cpuUsage(this.cpuAtStart)
    const elapsedMs = performance.now() - this.startedAt
    const cpuShare = (cpu.user + cpu.system) / 1000 / Math.max(1, elapsedMs)
    // The histogram includes the sampling interval itself; subtract it to keep only the lag.
    const lagP99Ms = Math.max(0, this.histogram.percentile(99) / 1e6 - 10)
    const lagMaxMs = Math.max(0, this.histogram.max / 1e6 - 10)
    return {
      cpuShare,
      lagP99Ms,
      lagMaxMs,
      isSaturated: cpuShare >= GENERATOR_SATURATED_CPU_SHARE || lagP99Ms >= GENERATOR_SATURATED_LAG_P99_MS,
    }
  }
}
