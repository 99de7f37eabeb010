import type { Browser } from 'playwright-core'
import type { RunningApp } from './app-server.js'
import { eventually, newWriterContext, openDocument, syncState, type TestUser } from './editor-page.js'

export const ALICE: TestUser = { name: 'Alice Liddell', color: '#e5484d' }
export const BOB: TestUser = { name: 'Bob Ross', color: '#30a46c' }

/** The document as the server renders it (plain text), or '' when it does not exist yet. */
export async function serverText(app: RunningApp, docId: string): Promise<string> {
  const response = await fetch(`${app.url}/api/docs/${docId}/content?format=text`)
  return response.ok ? response.text() : ''
}

/** Alice and Bob, each in their own browser profile, in one document, both saved. */
export async function twoWriters(browser: Browser, app: RunningApp, docId: string) {
  const [aliceContext, bobContext] = await Promise.all([
    newWriterContext(browser, ALICE),
    newWriterContext(browser, BOB),
  ])
  const [alice, bob] = await Promise.all([
    openDocument(aliceContext, app.url, docId),
    openDocument(bobContext, app.url, docId),
  ])
  await eventually(() => syncState(alice)).toBe('saved')
  await eventually(() => syncState(bob)).toBe('saved')
  return {
    alice,
    bob,
    aliceContext,
    bobContext,
    close: () => Promise.all([aliceContext.close(), bobContext.close()]),
  }
}
