import { Writable } from 'node:stream'
import { createServer, type ServerOptions, type TandemServer } from '../../server/create-server.js'
import { createLogger } from '../../server/logger.js'
import { MemoryDocStore } from '../../server/storage/memory/memory-doc-store.js'

export interface LogLine {
  level: number
  msg: string
  [field: string]: unknown
}

export interface RunningServer {
  server: TandemServer
  port: number
  httpUrl: string
  wsUrl: string
  /** Every log line the server wrote, parsed. */
  logs: LogLine[]
  close(): Promise<void>
}

/** An in-process server on port 0 with captured JSON logs (memory storage unless given another). */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const logs: LogLine[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line) as LogLine)
      callback()
    },
  })
  const server = await createServer({
    port: 0,
    store: options.store ?? (options.dataDir ? undefined : new MemoryDocStore()),
    logger: createLogger('debug', sink),
    ...options,
    limits: { unloadDelayMs: 50, ...options.limits },
  })
  const { port } = await server.listen()
  return {
    server,
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/collab`,
    logs,
    close: () => server.close(),
  }
}

/** Log lines at error level or above (pino: 50 = error, 60 = fatal). */
export function errorLogs(logs: LogLine[]): LogLine[] {
  return logs.filter((line) => line.level >= 50)
}
