import os from 'node:os'
import { ServerProcess, type ServerKind, type StartOptions } from './server-process.js'

/** Runs `work` against a fresh server process and always stops it. */
export async function withServer<T>(
  kind: ServerKind,
  work: (server: ServerProcess) => Promise<T>,
  options: StartOptions = {},
): Promise<T> {
  const server = await ServerProcess.start(kind, options)
  try {
    return await work(server)
  } finally {
    await server.stop()
  }
}

/** One-minute load average: other work on the machine, recorded beside every row. */
export function machineLoad(): number {
  return os.loadavg()[0] ?? Number.NaN
}
