// Journey: the population registry (our simulator, a separate process) confirms a new account: level 2.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { BINARY, ROOT, latestCode, person, signUp, startServer } from './support.mjs';

const REGISTRY_PORT = 3192;
const APP_PORT = 3193;

test('the registry raises a matching account to level 2 and names the field that does not match', async ({ browser }) => {
  test.setTimeout(60_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cds-registry-'));
  const match = person();
  const mismatch = person();
  // the registry knows the second person with another date of birth
  writeFileSync(
    path.join(dir, 'people.csv'),
    `citizen_id,full_name,date_of_birth\n${match.id},Nguyễn Thị Ánh Tuyết,${match.birth}\n${mismatch.id},Nguyễn Thị Ánh Tuyết,06/09/1990\n`,
  );
  const registry = spawn(
    BINARY,
    ['registry-sim', '--data', path.join(dir, 'people.csv'), '--bind', `127.0.0.1:${REGISTRY_PORT}`, '--registry-key', 'test-key', '--log', 'warn'],
    { cwd: ROOT, stdio: 'ignore' },
  );
  let app;
  try {
    for (let i = 0; i < 100; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${REGISTRY_PORT}/v1/verify`, { method: 'POST', body: '{}' });
        if (res.status === 401) break;
      } catch { /* not up yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    app = await startServer(APP_PORT, ['--registry-url', `http://127.0.0.1:${REGISTRY_PORT}`, '--registry-key', 'test-key']);
    const context = await browser.newContext({ baseURL: app.url });
    const page = await context.newPage();

    await signUp(page, match);
    await page.getByLabel('Mã OTP').fill(await latestCode(page.request, match.e164));
    await page.getByRole('button', { name: 'Xác nhận' }).click();
    await expect(page.getByText('Mức 2: đã xác thực')).toBeVisible();

    await context.clearCookies();
    await signUp(page, mismatch);
    await page.getByLabel('Mã OTP').fill(await latestCode(page.request, mismatch.e164));
    await page.getByRole('button', { name: 'Xác nhận' }).click();
    await expect(page.getByText('Mức 1: tự khai báo')).toBeVisible();
    await expect(page.getByRole('status')).toContainText('Hãy kiểm tra lại: ngày sinh');
    // the registry's own data is never shown
    await expect(page.locator('main')).not.toContainText('06/09/1990');
    await context.close();
  } finally {
    if (app) await app.stop();
    registry.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
