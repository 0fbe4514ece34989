// Journeys: the first city administrator (created on the server) sets up an authenticator app, creates a team,
// and makes a citizen a ward officer, who must set up an app too and then signs in with both codes.
// A citizen without a role is refused every staff page and action.
import { test, expect } from '@playwright/test';
import {
  enrolApp, expectAccessible, latestCode, person, signIn, signUp, startWithAdministrator, totpCode, watchConsole,
} from './support.mjs';

const PORT = 3194;
const ADMIN = { phone: '0905 111 222', e164: '+84905111222' };

test('the first administrator, created on the server, makes a citizen a ward officer; both need the app', async ({ browser }) => {
  test.setTimeout(150_000);
  const { app, printed } = await startWithAdministrator(PORT, ADMIN.phone, 'trần văn quản');
  expect(printed).toContain('Trần Văn Quản (0905 111 222) is a city administrator (a new account)');
  try {
    // a citizen signs up on their own phone first
    const officer = person();
    const citizenContext = await browser.newContext({ baseURL: app.url });
    const phone = await citizenContext.newPage();
    await signUp(phone, officer);
    const signedUpAt = Date.now();
    await phone.getByLabel('Mã OTP').fill(await latestCode(phone.request, officer.e164));
    await phone.getByRole('button', { name: 'Xác nhận' }).click();
    await expect(phone).toHaveURL(/\/me$/);

    // the administrator signs in: no staff page before the authenticator app
    const adminContext = await browser.newContext({ baseURL: app.url });
    const desk = await adminContext.newPage();
    const problems = watchConsole(desk);
    await signIn(desk, ADMIN);
    await expect(desk).toHaveURL(/\/me\/security\?required=1$/);
    await expect(desk.getByRole('alert')).toContainText('cần ứng dụng xác thực');
    await expect(desk.getByRole('img', { name: /Mã QR/ })).toBeVisible();
    await expectAccessible(desk);
    await desk.goto('/admin');
    await expect(desk).toHaveURL(/\/me\/security\?required=1$/);
    await enrolApp(desk);

    await desk.goto('/admin');
    await expect(desk.getByRole('heading', { level: 1 })).toHaveText('Quản trị');
    await expect(desk.getByTestId('my-roles')).toContainText('Quản trị viên thành phố');
    await expectAccessible(desk);

    // a team in Hải Châu (forgetting the ward first: told so, the name kept)
    await desk.getByLabel('Tên tổ', { exact: true }).fill('Tổ dân phố 5');
    await desk.getByRole('button', { name: 'Tạo tổ' }).click();
    await expect(desk.getByRole('alert')).toHaveText('Hãy chọn phường, xã, tổ hoặc tổ chức.');
    await expect(desk.getByLabel('Tên tổ', { exact: true })).toHaveValue('Tổ dân phố 5');
    await desk.locator('#team-ward').selectOption({ label: 'Phường Hải Châu' });
    await desk.getByRole('button', { name: 'Tạo tổ' }).click();
    await expect(desk.getByRole('status')).toHaveText('Đã tạo tổ.');

    // a mistyped phone keeps what was typed and says what is wrong
    const officerForm = desk.locator('form', { has: desk.getByRole('heading', { name: 'Cán bộ phường, xã' }) });
    await officerForm.getByLabel('Số điện thoại của người được cấp').fill('0123');
    await officerForm.getByRole('button', { name: 'Cấp vai trò' }).click();
    await expect(officerForm.getByLabel('Số điện thoại của người được cấp')).toHaveValue('0123');
    await expect(officerForm.locator('.error')).toBeVisible();
    // a number without an account
    await officerForm.getByLabel('Số điện thoại của người được cấp').fill('0987 000 111');
    await officerForm.getByRole('button', { name: 'Cấp vai trò' }).click();
    await expect(desk.getByRole('alert')).toContainText('chưa có tài khoản');
    // the citizen becomes the officer of Hải Châu
    await officerForm.getByLabel('Số điện thoại của người được cấp').fill(officer.phone);
    await officerForm.getByLabel('Phường, xã').selectOption({ label: 'Phường Hải Châu' });
    await officerForm.getByRole('button', { name: 'Cấp vai trò' }).click();
    await expect(desk.getByRole('status')).toHaveText('Đã cấp vai trò.');
    await expect(desk.getByTestId('grants')).toContainText(`${officer.displayName} · ${officer.phone}`);
    await expect(desk.getByTestId('grants')).toContainText('Cán bộ phường, xã · Phường Hải Châu');
    // the last administrator cannot be removed
    const adminLine = desk.getByTestId('grants').locator('li', { hasText: 'Quản trị viên thành phố' });
    await adminLine.getByRole('button', { name: 'Thu hồi' }).click();
    await expect(desk.getByRole('alert')).toContainText('ít nhất một quản trị viên');
    // refused forms answer 4xx on purpose; nothing else may show up
    expect(problems.filter((p) => !p.startsWith('Failed to load resource'))).toEqual([]);

    // the new officer's session is held to the staff rules: the app first
    await phone.goto('/admin');
    await expect(phone).toHaveURL(/\/me\/security\?required=1$/);
    const secret = await enrolApp(phone);
    await phone.goto('/admin');
    await expect(phone.getByTestId('my-roles')).toContainText('Cán bộ phường, xã · Phường Hải Châu');
    await expect(phone.getByRole('heading', { name: 'Thêm tổ chức' })).toHaveCount(0);
    await expect(phone.locator('#scope-team_member option')).toHaveText(['Chọn…', 'Tổ dân phố 5 · Phường Hải Châu']);
    await expect(phone.locator('#team-ward option')).toHaveText(['Chọn…', 'Phường Hải Châu']);
    // staff keep their app
    await phone.goto('/me/security');
    await expect(phone.getByText('Cán bộ phải dùng ứng dụng xác thực nên không thể tắt.')).toBeVisible();

    // signing in again takes both codes (after the 60-second resend wait of the sign-up code)
    await phone.goto('/me');
    await phone.getByRole('button', { name: 'Đăng xuất' }).click();
    await phone.waitForTimeout(Math.max(0, signedUpAt + 61_000 - Date.now()));
    await signIn(phone, officer);
    await expect(phone).toHaveURL(/\/signin\/second-factor$/);
    await expect(phone.getByRole('heading', { level: 1 })).toHaveText('Nhập mã trong ứng dụng xác thực');
    await phone.goto('/me');
    await expect(phone).toHaveURL(/\/signin$/);
    await phone.goto('/signin/second-factor');
    await phone.getByLabel('Mã trong ứng dụng xác thực').fill('000000');
    await phone.getByRole('button', { name: 'Xác nhận' }).click();
    await expect(phone.getByRole('alert')).toContainText('Bạn còn 4 lần thử');
    await expectAccessible(phone);
    await phone.getByLabel('Mã trong ứng dụng xác thực').fill(totpCode(secret, 1));
    await phone.getByRole('button', { name: 'Xác nhận' }).click();
    await expect(phone).toHaveURL(/\/admin$/);
    await expect(phone.getByTestId('my-roles')).toContainText('Cán bộ phường, xã');
  } finally {
    await app.stop();
  }
});

test('a citizen without a role is refused every staff page and action, and may turn the app on and off', async ({ page }) => {
  const who = person();
  await signUp(page, who);
  await page.getByLabel('Mã OTP').fill(await latestCode(page.request, who.e164));
  await page.getByRole('button', { name: 'Xác nhận' }).click();
  await expect(page).toHaveURL(/\/me$/);

  const res = await page.goto('/admin');
  expect(res.status()).toBe(403);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bạn không có quyền xem trang này');
  for (const [url, form] of [
    ['/admin/grants', { phone: who.phone, role: 'city_admin', scope: '' }],
    ['/admin/teams', { name: 'Tổ lạ', ward: '20242' }],
    ['/admin/organizations', { name: 'Công ty lạ', relying_party: 'yes' }],
  ]) {
    const post = await page.request.post(url, { form, headers: { origin: new URL(page.url()).origin }, maxRedirects: 0 });
    expect(post.status(), url).toBe(403);
  }

  await page.goto('/me');
  await page.getByRole('link', { name: 'Bảo mật đăng nhập' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bảo mật đăng nhập');
  const secret = await enrolApp(page);
  await page.getByLabel('Mã trong ứng dụng xác thực').fill('123456');
  await page.getByRole('button', { name: 'Tắt ứng dụng xác thực' }).click();
  await expect(page.getByRole('alert')).toContainText('Mã chưa đúng');
  await page.getByLabel('Mã trong ứng dụng xác thực').fill(totpCode(secret, 1));
  await page.getByRole('button', { name: 'Tắt ứng dụng xác thực' }).click();
  await expect(page.getByText('Đã tắt ứng dụng xác thực.')).toBeVisible();
});
