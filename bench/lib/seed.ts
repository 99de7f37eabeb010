import * as Y from 'yjs'
import { BenchClient } from './bench-client.js'
import type { ServerProcess } from './server-process.js'
import { sleep, waitUntil } from './stats.js'
import { dialectOf } from './typing-load.js'

/**
 * Puts `state` into a document on the server through an ordinary client (its SyncStep2 answer
 * carries it all) and returns that client, still connected, so the document stays loaded.
 * Done when Tandem acknowledged it, or when a second client syncs to an equal state.
 */
export async function seedDocument(server: ServerProcess, docId: string, state: Uint8Array): Promise<BenchClient> {
  const isTandem = server.kind === 'tandem'
  const seeder = new BenchClient({
    url: server.urlFor(docId, isTandem ? '?acks=1' : ''),
    docId,
    dialect: dialectOf(server.kind),
    index: 0,
  })
  Y.applyUpdate(seeder.doc, state)
  seeder.connect()
  await seeder.synced
  if (isTandem) {
    if (!(await waitUntil(() => seeder.acknowledged >= seeder.updateFramesSent || seeder.error !== null, 60_000))) {
      throw new Error('seed was not acknowledged within 60 s')
    }
    if (seeder.error) throw seeder.error
    return seeder
  }
  const expected = Buffer.from(Y.encodeStateVector(seeder.doc))
  for (let attempt = 0; attempt < 50; attempt++) {
    const verifier = new BenchClient({ url: server.urlFor(docId), docId, dialect: dialectOf(server.kind), index: 1 })
    verifier.connect()
    await verifier.synced
    const isSeeded = expected.equals(Buffer.from(Y.encodeStateVector(verifier.doc)))
    verifier.close()
    if (isSeeded) return seeder
    await sleep(200)
  }
  throw new Error('seeded state never reached the server')
}
