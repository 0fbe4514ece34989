// Journey: a resident signs up with phone + OTP, signs in again, manages devices; codes come from the dev outbox.
import { test, expect } from '@playwright/test';
import { expectAccessible, fillSignUp, latestCode, person, signUp } from './support.mjs';

test('a resident signs up with an OTP from the outbox and lands on their account', async ({ page, request }) => {
  const who = person();
  await signUp(page, who);
  await expectAccessible(page);
  await page.getByLabel('Mã OTP').fill(await latestCode(request, who.e164));
  await page.getByRole('button', { name: 'Xác nhận' }).click();
  await expect(page).toHaveURL(/\/me$/);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(who.displayName);
  await expect(page.getByText('Mức 1: tự khai báo')).toBeVisible();
  await expect(page.getByText('048*******')).toBeVisible();
  await expectAccessible(page);
});

test('every wrong field is explained and nothing typed is lost', async ({ page }) => {
  await page.goto('/signup');
  await page.getByLabel('Số điện thoại di động').fill('0236 382 211');
  await page.getByLabel('Họ và tên').fill('Tuyết');
  await page.getByLabel('Ngày sinh').fill('31/02/1990');
  await page.getByLabel(/Số định danh cá nhân/).fill('003190123456');
  await page.getByRole('button', { name: 'Tiếp tục' }).click();
  await expect(page.getByText('Đây không phải số di động Việt Nam.', { exact: false })).toBeVisible();
  await expect(page.getByText('Hãy nhập đủ họ và tên (ít nhất hai chữ).')).toBeVisible();
  await expect(page.getByText('Ngày này không có trong lịch.', { exact: false })).toBeVisible();
  await expect(page.getByText('Hãy chọn giới tính như trên thẻ căn cước.')).toBeVisible();
  await expect(page.getByText('Ba chữ số đầu không phải mã tỉnh', { exact: false })).toBeVisible();
  await expect(page.getByLabel('Số điện thoại di động')).toHaveValue('0236 382 211');
  await expect(page.getByLabel('Ngày sinh')).toHaveValue('31/02/1990');
  await expect(page.getByLabel('Số điện thoại di động')).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page);
});

test('five wrong codes kill the code; a new one works', async ({ page, request }) => {
  const who = person();
  await signUp(page, who);
  const code = await latestCode(request, who.e164);
  const wrong = code === '000000' ? '111111' : '000000';
  for (const left of [4, 3, 2, 1]) {
    await page.getByLabel('Mã OTP').fill(wrong);
    await page.getByRole('button', { name: 'Xác nhận' }).click();
    await expect(page.getByRole('alert')).toContainText(`Bạn còn ${left} lần thử`);
  }
  await page.getByLabel('Mã OTP').fill(wrong);
  await page.getByRole('button', { name: 'Xác nhận' }).click();
  await expect(page.getByRole('alert')).toContainText('nhập sai 5 lần');
  // the right code is dead too
  await page.getByLabel('Mã OTP').fill(code);
  await page.getByRole('button', { name: 'Xác nhận' }).click();
  await expect(page.getByRole('alert')).toContainText('Không có mã nào đang chờ');
});

test('the same ID number cannot open a second account, and the page says how to sign in', async ({ page, request }) => {
  const who = person();
  await signUp(page, who);
  await page.getByLabel('Mã OTP').fill(await latestCode(request, who.e164));
  await page.getByRole('button', { name: 'Xác nhận' }).click();
  await expect(page).toHaveURL(/\/me$/);
  await page.context().clearCookies();
  await fillSignUp(page, { ...person(), id: who.id });
  await expect(page.getByRole('alert')).toContainText('Số căn cước này đã có tài khoản.');
  await expect(page.getByRole('alert')).not.toContainText(who.displayName);
  await expect(page.getByRole('link', { name: 'Đăng nhập thay vì đăng ký.' })).toBeVisible();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a resident signs in with phone and OTP', async ({ page, request, browser }) => {
    test.setTimeout(120_000);
    const who = person();
    // the account exists already (made in another browser)
    const setup = await browser.newContext({ javaScriptEnabled: false });
    const first = await setup.newPage();
    await signUp(first, who);
    await first.getByLabel('Mã OTP').fill(await latestCode(request, who.e164));
    await first.getByRole('button', { name: 'Xác nhận' }).click();
    await expect(first).toHaveURL(/\/me$/);
    await setup.close();

    // one code per phone per minute: wait as a person would before asking again
    await page.waitForTimeout(61_000);
    await page.goto('/signin');
    await page.getByLabel('Số điện thoại di động').fill(who.phone);
    await page.getByRole('button', { name: 'Gửi mã OTP' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nhập mã OTP');
    // without JavaScript the resend button is a plain, enabled button
    await expect(page.getByRole('button', { name: 'Gửi lại mã' })).toBeEnabled();
    await page.getByLabel('Mã OTP').fill(await latestCode(request, who.e164));
    await page.getByRole('button', { name: 'Xác nhận' }).click();
    await expect(page.getByRole('heading', { level: 2 })).toHaveText(who.displayName);
  });
});

test('signing in to an unknown number looks the same and sends nothing', async ({ page, request }) => {
  const who = person();
  await page.goto('/signin');
  await page.getByLabel('Số điện thoại di động').fill(who.phone);
  await page.getByRole('button', { name: 'Gửi mã OTP' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nhập mã OTP');
  const messages = await (await request.get('/dev/outbox.json')).json();
  expect(messages.some((m) => m.to === who.e164)).toBe(false);
});

test('sign out everywhere ends every session of the account', async ({ browser, request }) => {
  test.setTimeout(120_000);
  const who = person();
  const phoneContext = await browser.newContext();
  const laptopContext = await browser.newContext();
  const phone = await phoneContext.newPage();
  await signUp(phone, who);
  await phone.getByLabel('Mã OTP').fill(await latestCode(request, who.e164));
  await phone.getByRole('button', { name: 'Xác nhận' }).click();
  await expect(phone).toHaveURL(/\/me$/);

  const laptop = await laptopContext.newPage();
  await laptop.goto('/signin');
  await laptop.getByLabel('Số điện thoại di động').fill(who.phone);
  // the resend wait applies per phone: wait it out like a person would
  await laptop.waitForTimeout(61_000);
  await laptop.getByRole('button', { name: 'Gửi mã OTP' }).click();
  await laptop.getByLabel('Mã OTP').fill(await latestCode(request, who.e164));
  await laptop.getByRole('button', { name: 'Xác nhận' }).click();
  await expect(laptop).toHaveURL(/\/me$/);

  await phone.goto('/me/sessions');
  await expect(phone.getByTestId('sessions').locator('li')).toHaveCount(2);
  await expect(phone.getByText('Thiết bị này')).toBeVisible();
  await phone.getByRole('button', { name: 'Đăng xuất khỏi mọi thiết bị' }).click();
  await expect(phone.getByRole('status')).toContainText('Bạn đã đăng xuất khỏi mọi thiết bị.');
  await laptop.goto('/me');
  await expect(laptop).toHaveURL(/\/signin$/);
  await phone.goto('/me');
  await expect(phone).toHaveURL(/\/signin$/);
  await phoneContext.close();
  await laptopContext.close();
});
