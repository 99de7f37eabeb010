import express, { type Request, type Response, type Router } from 'express'
import { z } from 'zod'
import { ErrorCode, SyncError } from '../../shared/errors.js'
import { CONTENT_FORMATS, CONTENT_TYPES, type ContentFormat } from '../content/formats.js'
import { MAX_TITLE_LENGTH, type DocumentService } from '../documents/document-service.js'
import type { DocInfo } from '../storage/doc-store.js'

const createBody = z
  .object({
    id: z.string().optional(),
    title: z.string().max(MAX_TITLE_LENGTH).optional(),
    markdown: z.string().optional(),
    html: z.string().optional(),
  })
  .strict()
  .refine((body) => body.markdown === undefined || body.html === undefined, 'give markdown or html, not both')

const patchBody = z.object({ title: z.string().max(MAX_TITLE_LENGTH) }).strict()

/** REST: GET/POST /api/docs, GET/PATCH/DELETE /api/docs/:docId, GET /api/docs/:docId/content. */
export function docsRoutes(documents: DocumentService, maxBodyBytes: number): Router {
  const router = express.Router()
  router.use(express.json({ limit: maxBodyBytes }))

  router.get('/', async (_request, response) => {
    const docs = await documents.list()
    response.json({ documents: docs.map(toJson) })
  })

  router.post('/', async (request, response) => {
    const body = parse(createBody, request.body ?? {})
    const content =
      body.markdown !== undefined
        ? { source: body.markdown, format: 'markdown' as const }
        : body.html !== undefined
          ? { source: body.html, format: 'html' as const }
          : undefined
    const info = await documents.create({ docId: body.id, title: body.title, content })
    response.status(201).location(`/api/docs/${info.docId}`).json(toJson(info))
  })

  router.get('/:docId', async (request, response) => {
    response.json(toJson(await documents.info(param(request))))
  })

  router.patch('/:docId', async (request, response) => {
    const body = parse(patchBody, request.body ?? {})
    response.json(toJson(await documents.rename(param(request), body.title)))
  })

  router.delete('/:docId', async (request, response) => {
    await documents.delete(param(request))
    response.status(204).end()
  })

  router.get('/:docId/content', async (request: Request, response: Response) => {
    const format = (request.query.format ?? 'markdown') as ContentFormat
    if (!CONTENT_FORMATS.includes(format)) {
      throw new SyncError(ErrorCode.BadRequest, `format must be one of ${CONTENT_FORMATS.join(', ')}`)
    }
    const { etag, body } = await documents.render(param(request), format, request.get('if-none-match'))
    response.set('ETag', etag).set('Cache-Control', 'no-cache')
    if (body === null) {
      response.status(304).end()
      return
    }
    response.type(CONTENT_TYPES[format]).send(body)
  })

  return router
}

function param(request: Request): string {
  return String(request.params.docId)
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value)
  if (!result.success) {
    const problems = result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    throw new SyncError(ErrorCode.BadRequest, problems.join('; '))
  }
  return result.data
}

function toJson(info: DocInfo) {
  return {
    id: info.docId,
    title: info.title,
    createdAt: new Date(info.createdAt).toISOString(),
    updatedAt: new Date(info.updatedAt).toISOString(),
    sizeBytes: info.sizeBytes,
  }
}
