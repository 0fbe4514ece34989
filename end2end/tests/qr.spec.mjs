// Journey: a citizen shows their QR code; a relying party's system verifies it through the API and sees only what
// the citizen chose; "lost phone" revokes every code.
import { test, expect } from '@playwright/test';
import { expectAccessible, latestCode, person, signUp, waitForHydration, watchConsole } from './support.mjs';

/** A fresh token of the signed-in page's person, as the QR image carries it. */
async function tokenOf(page, preset) {
  const res = await page.request.get(`/me/qr/token.json?preset=${preset}`);
  expect(res.status()).toBe(200);
  return (await res.json()).token;
}

async function verify(request, token) {
  const res = await request.post('/api/v1/qr/verify', { data: { token } });
  expect(res.status()).toBe(200);
  return res.json();
}

test('the citizen QR code verifies with only the chosen claims, and "lost phone" revokes it', async ({ page, playwright }) => {
  const problems = watchConsole(page);
  const who = person();
  await signUp(page, who);
  await page.getByLabel('Mã OTP').fill(await latestCode(page.request, who.e164));
  await page.getByRole('button', { name: 'Xác nhận' }).click();
  await page.getByRole('link', { name: 'Mã QR công dân của tôi' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Mã QR công dân');
  await expect(page.getByRole('link', { name: 'Cơ bản' })).toHaveAttribute('aria-current', 'page');
  const image = page.getByRole('img', { name: /Mã QR công dân của bạn/ });
  await expect(image).toBeVisible();
  expect(await image.evaluate((img) => img.complete && img.naturalWidth > 0)).toBe(true);
  await waitForHydration(page);
  await expect(page.getByText(/Mã mới sau \d+ giây/)).toBeVisible();
  await expectAccessible(page);

  // a relying party's server (no browser, no cookies) checks it
  const api = await playwright.request.newContext({ baseURL: new URL(page.url()).origin });
  const basic = await tokenOf(page, 'basic');
  expect(basic.startsWith('CDS1:')).toBeTruthy();
  expect(await verify(api, basic)).toEqual({
    valid: true, level: 1, preset: 'basic', claims: { full_name: who.displayName, birth_year: 1990 },
  });

  await page.getByRole('link', { name: 'Đủ 18 tuổi' }).click();
  await expect(page.getByText('Mã này chỉ cho biết bạn đã đủ 18 tuổi hay chưa')).toBeVisible();
  const adult = await tokenOf(page, 'adult');
  expect(await verify(api, adult)).toEqual({ valid: true, level: 1, preset: 'adult', claims: { over_18: true } });
  await expect(page.getByTestId('qr-verified')).toContainText('Mã của bạn đã được kiểm tra 1 lần.');

  // a changed character is caught
  const last = adult.at(-1) === '0' ? '1' : '0';
  const tampered = await verify(api, adult.slice(0, -1) + last);
  expect(tampered.valid).toBe(false);
  expect(['bad_signature', 'malformed']).toContain(tampered.reason);

  // lost phone: every code revoked, every session ended
  await page.getByRole('button', { name: 'Thu hồi mọi mã QR và đăng xuất' }).click();
  await expect(page).toHaveURL(/\/signin\?signed_out=lost$/);
  await expect(page.getByRole('status')).toContainText('Đã thu hồi mọi mã QR');
  expect(await verify(api, adult)).toEqual({ valid: false, reason: 'revoked' });
  await page.goto('/me/qr');
  await expect(page).toHaveURL(/\/signin$/);
  expect((await page.request.get('/me/qr.svg')).status()).toBe(401);
  expect(problems).toEqual([]);
  await api.dispose();
});

test('the QR API refuses malformed requests with a JSON error', async ({ request }) => {
  const res = await request.post('/api/v1/qr/verify', { data: 'not json', headers: { 'content-type': 'application/json' } });
  expect(res.status()).toBe(400);
  expect((await res.json()).error).toContain('token');
  const keys = await (await request.get('/api/v1/qr/keys')).json();
  expect(keys.keys[0].alg).toBe('Ed25519');
});
