import { startApp } from './helpers/app-server.js'
import { launchChromium } from './helpers/browser.js'
import { newWriterContext, openDocument } from './helpers/editor-page.js'
import { commentOn } from "./helpers/comments-page.js"

const app = await startApp()
const browser = await launchChromium()
try {
  const docId = 'shots' + Date.now().toString(36)
  await app.server.documents.create({
    docId,
    title: 'Field notes',
    content: {
      source:
        '# Field notes\n\nThe heron stood in the shallows for **forty minutes** before it struck. Nobody on the bank moved.\n\nLater the light went amber and the wind turned, carrying the smell of rain across the marsh.\n\n- count the eggs\n- check the hide',
      format: 'markdown',
    },
  })
  const setup = await newWriterContext(browser, { name: 'Alice Liddell', color: '#e5484d' })
  const page = await openDocument(setup, app.url, docId)
  await commentOn(page, 'forty minutes', 'Was it really forty? I timed closer to thirty-five.')
  await page.locator('.tandem-comment__body', { hasText: 'thirty-five' }).waitFor()
  await commentOn(page, 'the wind turned', 'Lovely line. Maybe say which way it turned: see https://example.com/wind')
  await page.locator('.tandem-comment__body', { hasText: 'Lovely line' }).waitFor()
  await setup.close()

  for (const theme of ['light', 'dark']) {
    for (const [label, width, height] of [['wide', 1400, 900], ['phone', 390, 844]] as const) {
      const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 })
      await context.addInitScript(`localStorage.setItem('tandem:theme', '${theme}'); localStorage.setItem('tandem:user', JSON.stringify({ name: 'Bob Ross', color: '#30a46c' }))`)
      const p = await context.newPage()
      await p.goto(`${app.url}/d/${docId}`)
      await p.locator('.ProseMirror[contenteditable="true"]').waitFor()
      await p.locator('.tandem-comment-highlight').first().waitFor()
      if (label === 'phone') {
        await p.screenshot({ path: `/tmp/shots/${label}-${theme}-closed.png` })
        await p.locator('button[aria-controls^="tandem-comments-"]').click()
      }
      await p.locator('.tandem-comment-highlight').first().click()
      await p.waitForTimeout(400) // smooth scrolling settles (screenshots only)
      await p.screenshot({ path: `/tmp/shots/${label}-${theme}.png` })
      await context.close()
    }
  }
} finally {
  await browser.close()
  await app.close()
}
