import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/**
 * The serious and critical axe-core violations on the page as it is now (`id: target, …`).
 * The page's context must bypass the CSP: axe is injected as a script, which the CSP (rightly) refuses.
 */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE)
  return page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected at run time
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] })
    return result.violations
      .filter(
        (violation: { impact: string }) => violation.impact === 'serious' || violation.impact === 'critical',
      )
      .map(
        (violation: { id: string; nodes: { target: string[] }[] }) =>
          `${violation.id}: ${violation.nodes
            .map((node) => node.target.join(' '))
            .slice(0, 3)
            .join(', ')}`,
      )
  })
}

/** How many pixels the page is wider than the screen, and the first elements that stick out. */
export async function horizontalOverflow(page: Page): Promise<{ overflow: number; wide: string[] }> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  const wide =
    overflow <= 1
      ? []
      : await page.evaluate(() =>
          [...document.querySelectorAll('main *')]
            .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 5)
            .map((element) => `${element.tagName.toLowerCase()}.${element.className}`),
        )
  return { overflow, wide }
}
