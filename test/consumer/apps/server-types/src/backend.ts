// An embedding app's backend, as docs/embedding.md shows it: a Tandem server beside the app's own
// API, and the route that mints a token for the signed-in user. The consumer test type-checks it
// against the packed tandem-server, strictly and without skipLibCheck.
import express, { type Request } from 'express'
import { createServer, mintToken, Role, type TandemServer } from 'tandem-server'

/** The app's own idea of a user; `canEdit` is its own permission check. */
export interface AppUser {
  id: string
  name: string
  canEdit(docId: string): boolean
}

// The same secret the Tandem server runs with (AUTH_SECRET), at least 32 characters.
const secret = process.env.AUTH_SECRET ?? ''

export async function startTandem(): Promise<TandemServer> {
  const tandem = await createServer({
    port: 1234,
    dataDir: './data',
    authSecret: secret,
    allowedOrigins: ['https://app.example.com'], // the origin your pages are served from
  })
  const { url } = await tandem.listen()
  tandem.log.info({ url }, 'tandem started')
  return tandem
}

/** GET /api/tandem-token?doc=<docId>: a short-lived token for the signed-in user, as plain text. */
export function tokenRoute(currentUser: (request: Request) => Promise<AppUser | null>): express.Router {
  return express.Router().get('/api/tandem-token', async (request, response) => {
    const user = await currentUser(request)
    if (!user) {
      response.sendStatus(401)
      return
    }
    const docId = String(request.query.doc)
    const token = await mintToken({
      secret,
      doc: docId,
      role: user.canEdit(docId) ? Role.Edit : Role.View,
      name: user.name,
      userId: user.id,
      ttlSeconds: 60 * 60,
    })
    response.type('text/plain').send(token)
  })
}
