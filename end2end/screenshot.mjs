// Screenshots of pages at 360 px in Debian's Chromium, for looking at what we built.
// Usage: node end2end/screenshot.mjs BASE_URL OUT_DIR [--en] [--no-js] PATH...
import { chromium } from '@playwright/test';
import { chromiumArgs } from './tests/support.mjs';

const [base, out, ...rest] = process.argv.slice(2);
const english = rest.includes('--en');
const noJs = rest.includes('--no-js');
const paths = rest.filter((a) => !a.startsWith('--'));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
const context = await browser.newContext({
  viewport: { width: 360, height: 740 },
  deviceScaleFactor: 1,
  locale: english ? 'en-US' : 'vi-VN',
  javaScriptEnabled: !noJs,
});
const page = await context.newPage();
for (const p of paths) {
  await page.goto(base + p);
  await page.waitForLoadState('networkidle');
  const name = (p.replace(/[^a-z0-9]+/gi, '_') || 'home') + (english ? '-en' : '') + '.png';
  await page.screenshot({ path: `${out}/${name}`, fullPage: true });
  console.log(`${out}/${name}`);
}
await browser.close();
