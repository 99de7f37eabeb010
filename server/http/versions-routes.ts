import express, { type Request, type Router } from 'express'
import { z } from 'zod'
import { ErrorCode, SyncError } from '../../shared/errors.js'
import { requireEdit, type Authenticator } from '../auth/authenticator.js'
import { CONTENT_FORMATS, CONTENT_TYPES, type ContentFormat } from '../content/formats.js'
import { checkDocId } from '../documents/document-service.js'
import {
  CURRENT,
  MAX_VERSION_NAME_LENGTH,
  type ComparisonTarget,
  type HistoryService,
} from '../history/history-service.js'
import type { VersionMeta } from '../history/version-store.js'
import { param, parse } from './docs-routes.js'
import type { RequestOriginOf } from './client-address.js'
import { requestToken } from './request-token.js'

const nameBody = z.object({ name: z.string().max(MAX_VERSION_NAME_LENGTH).nullable() }).strict()
const createBody = z.object({ name: z.string().max(MAX_VERSION_NAME_LENGTH) }).strict()

/**
 * Version history under /api/docs/:docId/versions. Reading needs a view or edit token; naming,
 * creating, deleting and restoring need edit.
 */
export function versionsRoutes(
  history: HistoryService,
  authenticator: Authenticator,
  /** Version downloads resolve uploaded images' URLs against the request's origin, like content exports. */
  originOf?: RequestOriginOf,
): Router {
  const router = express.Router({ mergeParams: true })
  router.use(express.json({ limit: 16 * 1024 }))
  const authorize = (request: Request) => authenticator.authorize(requestToken(request), docIdOf(request))

  router.get('/', async (request, response) => {
    await authorize(request)
    response.json({ versions: (await history.list(docIdOf(request))).map(toJson) })
  })

  router.post('/', async (request, response) => {
    requireEdit(await authorize(request), 'name versions')
    const body = parse(createBody, request.body ?? {})
    response.status(201).json(toJson(await history.createNamed(docIdOf(request), body.name)))
  })

  router.get('/:versionId', async (request, response) => {
    await authorize(request)
    const format = (request.query.format ?? 'json') as ContentFormat
    if (!CONTENT_FORMATS.includes(format)) {
      throw new SyncError(ErrorCode.BadRequest, `format must be one of ${CONTENT_FORMATS.join(', ')}`)
    }
    const { meta, body } = await history.render(docIdOf(request), versionIdOf(request), format, originOf?.(request))
    // Versions never change: clients may cache them for good.
    response.set('Cache-Control', 'private, max-age=31536000, immutable').set('X-Tandem-Version', String(meta.id))
    response.type(CONTENT_TYPES[format]).send(body)
  })

  // What changed from one version to another, or to now, with who made each change (docs/history.md).
  router.get('/:versionId/compare/:otherId', async (request, response) => {
    await authorize(request)
    const raw = String(request.params.otherId)
    const target: ComparisonTarget = raw === CURRENT ? CURRENT : versionIdOf(request, 'otherId')
    const result = await history.compare(docIdOf(request), versionIdOf(request), target)
    // A comparison with now changes as the document does; one between versions never changes.
    response.set('Cache-Control', target === CURRENT ? 'no-store' : 'private, max-age=31536000, immutable')
    response.json({
      older: toJson(result.older),
      newer: result.newer ? toJson(result.newer) : null,
      doc: result.doc,
      authors: result.authors,
    })
  })

  router.patch('/:versionId', async (request, response) => {
    requireEdit(await authorize(request), 'name versions')
    const body = parse(nameBody, request.body ?? {})
    response.json(toJson(await history.setName(docIdOf(request), versionIdOf(request), body.name)))
  })

  router.delete('/:versionId', async (request, response) => {
    requireEdit(await authorize(request), 'delete versions')
    await history.deleteAutomatic(docIdOf(request), versionIdOf(request))
    response.status(204).end()
  })

  router.post('/:versionId/restore', async (request, response) => {
    requireEdit(await authorize(request), 'restore versions')
    const { before, restored } = await history.restore(docIdOf(request), versionIdOf(request))
    response.json({ restored: toJson(restored), savedBefore: toJson(before) })
  })

  return router
}

function docIdOf(request: Request) {
  return checkDocId(param(request))
}

function versionIdOf(request: Request, param = 'versionId'): number {
  const raw = String(request.params[param])
  if (!/^\d{1,15}$/.test(raw)) throw new SyncError(ErrorCode.BadRequest, `version id must be a number; got "${raw}"`)
  return Number(raw)
}

export function toJson(meta: VersionMeta) {
  return {
    id: meta.id,
    createdAt: new Date(meta.createdAt).toISOString(),
    name: meta.name,
    isNamed: meta.name !== null,
    authors: meta.authors,
    sizeBytes: meta.sizeBytes,
  }
}
