import { createDocument, type DocumentSummary } from './docs-api.js'

/** Imports a Markdown file as a new document; the server parses and stores it (no client seeding). */
export async function importMarkdownFile(file: File): Promise<DocumentSummary> {
  const markdown = await file.text()
  const title = file.name.replace(/\.(md|markdown|txt)$/i, '').slice(0, 200)
  return createDocument({ title, markdown })
}
