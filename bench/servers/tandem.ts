/** Tandem as a server under test: SQLite in BENCH_DATA_DIR, durable before acknowledged. */
import { createServer } from '../../server/create-server.js'
import { serveControl } from './child-control.js'

const dataDir = process.env.BENCH_DATA_DIR
if (!dataDir) throw new Error('BENCH_DATA_DIR is required')
const server = await createServer({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'warn' })
const { port } = await server.listen()
serveControl(port, () => server.close())
