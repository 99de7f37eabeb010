// An embedding app's backend: runs a Tandem server beside its own API and mints tokens for its
// signed-in users (docs/embedding.md). Type-checked strictly, without skipLibCheck.
import { createServer, mintToken, Role, type TandemServer } from 'tandem-server'

const secret = process.env.AUTH_SECRET ?? 'a development secret of at least 32 chars'

export async function startTandem(): Promise<TandemServer> {
  const server = await createServer({
    port: 1234,
    dataDir: './data',
    authSecret: secret,
    allowedOrigins: ['https://app.example.com'],
  })
  const { url } = await server.listen()
  server.log.info({ url }, 'tandem started')
  return server
}

/** What the app's `GET /api/tandem-token?doc=…` route answers for a signed-in user. */
export function tokenFor(docId: string, user: { id: string; name: string }, canEdit: boolean): Promise<string> {
  return mintToken({
    secret,
    doc: docId,
    role: canEdit ? Role.Edit : Role.View,
    name: user.name,
    userId: user.id,
    ttlSeconds: 60 * 60,
  })
}
