import { startApp } from './helpers/app-server.js'
import { launchChromium } from './helpers/browser.js'
import { newWriterContext, openDocument, focusEnd } from './helpers/editor-page.js'

const app = await startApp()
const browser = await launchChromium()
try {
  const context = await newWriterContext(browser, { name: 'Alice', color: '#e5484d' })
  const page = await openDocument(context, app.url, 'explore1')
  page.on('console', (m) => console.log('console:', m.type(), m.text()))
  await focusEnd(page)
  await page.keyboard.type('Hello brave new world of comments')
  await page.keyboard.press('Shift+Home')
  await page.screenshot({ path: '/tmp/shots/explore-select.png' })
  await page.getByRole('button', { name: 'Comment', exact: true }).click()
  const focused = await page.evaluate('document.activeElement?.getAttribute("aria-label")')
  console.log('focused', focused)
  await page.keyboard.type('is this right?')
  await page.screenshot({ path: '/tmp/shots/explore-composer.png' })
  await page.keyboard.press('Control+Enter')
  await page.waitForTimeout(1000)
  await page.screenshot({ path: '/tmp/shots/explore-posted.png' })
} finally {
  await browser.close()
  await app.close()
}
