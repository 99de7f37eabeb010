import express, { type Request, type Router } from 'express'
import { z } from 'zod'
import { ROLES } from '../../shared/roles.js'
import type { SessionService, SignedIn } from '../auth/session-service.js'
import type { DocInfo } from '../storage/doc-store.js'
import type { SharingService } from '../people/sharing-service.js'
import { listedDocumentJson, parse } from './docs-routes.js'
import { requestDocId, viewerOf } from './auth-routes.js'

const shareBody = z.object({ role: z.enum(ROLES) }).strict()
const settingsBody = z
  .object({ linkRole: z.enum(ROLES).nullable().optional(), editorsCanShare: z.boolean().optional() })
  .strict()
const ownerBody = z.object({ email: z.string().max(320) }).strict()

export interface SharingRoutesOptions {
  sessions: SessionService
  sharing: SharingService
  /** Every document (for administrators) and one document's facts, for the lists. */
  documents: { list(): Promise<DocInfo[]> }
}

/**
 * People and sharing, authorised by the session cookie (with OIDC_ISSUER): every change needs the
 * session's X-CSRF-Token header. Mounted at /api/docs/:docId/sharing:
 * GET (who has access), PATCH { linkRole?, editorsCanShare? }, PUT|DELETE people/:email ({ role }),
 * PUT owner ({ email }).
 */
export function sharingRoutes({ sessions, sharing }: SharingRoutesOptions): Router {
  const router = express.Router({ mergeParams: true })
  router.use(express.json({ limit: 4096 }))

  /** The signed-in caller of a change, CSRF token checked. */
  const changer = async (request: Request): Promise<SignedIn> => {
    const signedIn = await sessions.require(request)
    sessions.checkCsrf(request, signedIn)
    return signedIn
  }

  router.get('/', async (request, response) => {
    const signedIn = await sessions.require(request)
    response.set('Cache-Control', 'no-store').json(await sharing.describe(viewerOf(signedIn), requestDocId(request)))
  })

  router.patch('/', async (request, response) => {
    const viewer = viewerOf(await changer(request))
    const docId = requestDocId(request)
    await sharing.updateSettings(viewer, docId, parse(settingsBody, request.body ?? {}))
    response.json(await sharing.describe(viewer, docId))
  })

  router.put('/people/:email', async (request, response) => {
    const viewer = viewerOf(await changer(request))
    const docId = requestDocId(request)
    const { role } = parse(shareBody, request.body ?? {})
    await sharing.share(viewer, docId, String(request.params.email), role)
    response.json(await sharing.describe(viewer, docId))
  })

  router.delete('/people/:email', async (request, response) => {
    const viewer = viewerOf(await changer(request))
    const docId = requestDocId(request)
    await sharing.unshare(viewer, docId, String(request.params.email))
    response.status(204).end()
  })

  router.put('/owner', async (request, response) => {
    const viewer = viewerOf(await changer(request))
    const docId = requestDocId(request)
    const { email } = parse(ownerBody, request.body ?? {})
    await sharing.transfer(viewer, docId, email)
    response.json(await sharing.describe(viewer, docId))
  })

  return router
}

/**
 * GET /api/me/documents: "My documents" and "Shared with me" (existing documents, newest first), and
 * for administrators every document.
 */
export function myDocumentsRoutes({ sessions, sharing, documents }: SharingRoutesOptions): Router {
  const router = express.Router()
  router.get('/documents', async (request, response) => {
    const signedIn = await sessions.require(request)
    const all = await documents.list()
    const byId = new Map<string, DocInfo>(all.map((info) => [info.docId, info]))
    const { owned, shared } = await sharing.reachable(signedIn.person)
    response.set('Cache-Control', 'no-store').json({
      owned: owned.flatMap((docId) => listed(byId.get(docId))),
      shared: shared.flatMap(({ docId, role }) => listed(byId.get(docId)).map((doc) => ({ ...doc, role }))),
      ...(signedIn.isAdmin ? { all: all.map(listedDocumentJson) } : {}),
    })
  })
  return router
}

function listed(info: DocInfo | undefined) {
  return info ? [listedDocumentJson(info)] : []
}
