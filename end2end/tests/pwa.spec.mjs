// Journey: the citizen installs the app, then loses the network (or the server goes away).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, test, expect } from '@playwright/test';
import { chromiumArgs, startServer, waitForServiceWorker } from './support.mjs';

test('the manifest and service worker make the site installable', async ({ baseURL }) => {
  // Chromium never offers to install from an incognito profile, so this journey uses a real (temporary) profile.
  const profile = mkdtempSync(path.join(os.tmpdir(), 'cds-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: chromiumArgs,
    baseURL,
    viewport: { width: 360, height: 740 },
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto('/');
    await waitForServiceWorker(page);
    const manifest = await (await page.request.get('/manifest.webmanifest')).json();
    expect(manifest.name).toBe('Công Dân Số Đà Nẵng');
    expect(manifest.display).toBe('standalone');
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('a first visit of the home page downloads no browser code and stays under 40 KB, the service worker included', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL });
  const fetched = [];
  // the pages' requests and the service worker's (Chromium reports both to the context)
  context.on('requestfinished', (request) => fetched.push(request));
  try {
    const page = await context.newPage();
    await page.goto('/');
    await waitForServiceWorker(page);
    const paths = fetched.map((r) => new URL(r.url()).pathname);
    expect(paths, 'the worker installed: its offline page was fetched').toContain('/offline');
    expect(paths.filter((p) => /\/pkg\/.*\.(js|wasm)$/.test(p))).toEqual([]);
    let bytes = 0;
    for (const request of fetched) {
      const sizes = await request.sizes();
      bytes += sizes.responseBodySize + sizes.responseHeadersSize;
    }
    console.log(`first visit of /: ${fetched.length} requests, ${bytes} bytes`);
    expect(bytes).toBeLessThanOrEqual(40 * 1024);
  } finally {
    await context.close();
  }
});

test('after one visit, the offline page appears when the browser is offline', async ({ page, context }) => {
  await page.goto('/');
  await waitForServiceWorker(page);
  await context.setOffline(true);
  await page.goto('/units');
  await expect(page.getByTestId('offline-page')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Không có kết nối mạng');
  await context.setOffline(false);
});

test('after one visit, the offline page appears when the server is stopped', async ({ browser }) => {
  const server = await startServer(3190);
  const context = await browser.newContext({ baseURL: server.url });
  const page = await context.newPage();
  try {
    await page.goto('/');
    await waitForServiceWorker(page);
    await server.stop();
    await page.goto('/citizen');
    await expect(page.getByTestId('offline-page')).toBeVisible();
    // with the stylesheet of the build that was cached
    expect(await page.evaluate(() => getComputedStyle(document.body).fontFamily)).not.toMatch(/^"?Times/);
  } finally {
    await server.stop();
    await context.close();
  }
});
