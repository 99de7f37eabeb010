import { Worker } from 'node:worker_threads'

export interface EvalWorkerOptions {
  /**
   * The worker's code as plain JavaScript: it then loads the same way compiled (`npm start`), under
   * tsx (the CLI in development, the bench) and under vitest, none of which share a TypeScript
   * loader with a worker thread. It answers `{ id, ...request }` with `{ id, value }` or
   * `{ id, error }`, and on `{ close: true }` releases what it holds and closes its port.
   */
  source: string
  workerData: () => unknown
  /** Names the worker in errors ("SQLite writer", "compaction worker"). */
  name: string
  /** A request unanswered after this long: the worker is taken as hung and replaced. */
  timeoutMs?: number
}

interface Waiting {
  resolve: (value: never) => void
  reject: (error: Error) => void
  timer: NodeJS.Timeout | null
}

/**
 * Requests to a worker thread, each answered once. The thread starts on first use and is
 * referenced only while a request is outstanding (an idle worker never keeps the process alive). A
 * worker that dies, or outlives a request's deadline, fails everything it held; the next request
 * starts a fresh one.
 */
export class EvalWorker {
  private worker: Worker | null = null
  private readonly waiting = new Map<number, Waiting>()
  private nextId = 1
  /** Settable for tests. */
  timeoutMs: number | undefined

  constructor(private readonly options: EvalWorkerOptions) {
    this.timeoutMs = options.timeoutMs
  }

  request<T>(message: object, transfer: ArrayBuffer[] = []): Promise<T> {
    const worker = this.worker ?? this.start()
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const timeoutMs = this.timeoutMs
      const timer =
        timeoutMs === undefined
          ? null
          : setTimeout(() => {
              worker.terminate().catch(() => undefined)
              this.fail(worker, new Error(`${this.options.name} took over ${timeoutMs} ms; worker replaced`))
            }, timeoutMs)
      timer?.unref()
      this.waiting.set(id, { resolve: resolve as (value: never) => void, reject, timer })
      worker.ref()
      worker.postMessage({ id, ...message }, transfer)
    })
  }

  /** Starts the thread now rather than on the first request. */
  warm(): void {
    this.worker ??= this.start()
  }

  /** Lets the worker release what it holds and exit; call after the last request settled. */
  async close(): Promise<void> {
    const worker = this.worker
    if (!worker) return
    this.worker = null
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    worker.ref()
    worker.postMessage({ close: true })
    await exited
  }

  private start(): Worker {
    const worker = new Worker(this.options.source, { eval: true, workerData: this.options.workerData() })
    worker.unref()
    worker.on('message', (reply: { id: number; value?: unknown; error?: string }) => {
      const waiting = this.waiting.get(reply.id)
      if (!waiting) return
      this.waiting.delete(reply.id)
      if (waiting.timer) clearTimeout(waiting.timer)
      if (this.waiting.size === 0) worker.unref()
      if (reply.error === undefined) waiting.resolve(reply.value as never)
      else waiting.reject(new Error(`${this.options.name} failed: ${reply.error}`))
    })
    worker.on('error', (error) => this.fail(worker, error))
    worker.on('exit', (code) => this.fail(worker, new Error(`${this.options.name} stopped (exit code ${code})`)))
    this.worker = worker
    return worker
  }

  private fail(worker: Worker, error: Error): void {
    if (this.worker === worker) this.worker = null
    else if (this.worker !== null) return // an older worker's exit: its requests were failed already
    for (const waiting of this.waiting.values()) {
      if (waiting.timer) clearTimeout(waiting.timer)
      waiting.reject(error)
    }
    this.waiting.clear()
  }
}
