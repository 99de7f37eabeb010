import { createDocument, type DocumentSummary } from './docs-api.js'

/**
 * Imports a Markdown file as a new document; the server parses and stores it (no client seeding).
 * `id` names it (with sign-in the app chooses ids: see newDocumentId); otherwise the server does.
 */
export async function importMarkdownFile(file: File, id?: string): Promise<DocumentSummary> {
  const markdown = await file.text()
  const title = file.name.replace(/\.(md|markdown|txt)$/i, '').slice(0, 200)
  return createDocument({ id, title, markdown })
}
