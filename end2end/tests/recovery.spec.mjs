// Journeys of a lost or changed phone: a citizen makes recovery codes, moves to a new number with codes to both
// numbers (the other device's session dies), loses that phone and moves again with a recovery code (which never
// works twice). A ward officer moves a resident who has no codes after checking the ID card: a resident of another
// ward is refused, wrong details are refused, the old number cancels the first request with its link, and the
// second takes effect after the waiting period.
import { test, expect } from '@playwright/test';
import { enrolApp, expectAccessible, latestCode, person, signIn, signUp, startWithAdministrator, waitForHydration } from './support.mjs';

const PORT = 3195;
const ADMIN = { phone: '0905 444 555', e164: '+84905444555' };

function newNumber(prefix) {
  const n = String((Date.now() + Math.floor(Math.random() * 1000)) % 1_000_000).padStart(6, '0');
  return { phone: `${prefix} ${n.slice(0, 3)} ${n.slice(3)}`, e164: `+84${prefix.slice(1)}${n}` };
}

async function signedUp(page, request, who) {
  await signUp(page, who);
  await page.getByLabel('Mã OTP').fill(await latestCode(request, who.e164));
  await page.getByRole('button', { name: 'Xác nhận' }).click();
  await expect(page).toHaveURL(/\/me$/);
}

test('recovery codes, a change with both phones, then a lost phone recovered with a code', async ({ browser, baseURL }) => {
  test.setTimeout(90_000);
  const phoneCtx = await browser.newContext({ baseURL, viewport: { width: 360, height: 740 } });
  const laptopCtx = await browser.newContext({ baseURL });
  const page = await phoneCtx.newPage();
  const laptop = await laptopCtx.newPage();
  const who = person();
  await signedUp(page, page.request, who);

  // a new account is asked to make recovery codes; they are shown once
  await expect(page.getByTestId('no-recovery-codes')).toBeVisible();
  await page.getByRole('link', { name: 'Tạo mã khôi phục' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Mã khôi phục');
  await page.getByRole('button', { name: 'Tạo 10 mã khôi phục' }).click();
  const codes = await page.getByTestId('recovery-codes').locator('code').allTextContents();
  expect(codes).toHaveLength(10);
  for (const c of codes) expect(c).toMatch(/^[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}$/);
  await expectAccessible(page);
  // the codes came on a page of their own (post, then redirect): a reload shows them no more and makes no new set
  await page.reload();
  await expect(page.getByTestId('codes-left')).toContainText('Bạn còn 10 mã chưa dùng');
  await expect(page.getByTestId('recovery-codes')).toHaveCount(0);

  // a second device is signed in too
  await signIn(laptop, who);
  await expect(laptop).toHaveURL(/\/me$/);

  // path 1: the old phone still works
  const second = newNumber('0977');
  await page.goto('/me/phone');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Đổi số điện thoại');
  await page.getByLabel('Số điện thoại mới').fill('0977');
  await page.getByRole('button', { name: 'Gửi mã tới hai số' }).click();
  await expect(page.getByLabel('Số điện thoại mới')).toHaveValue('0977');
  await expect(page.locator('.field--error')).toBeVisible();
  await page.getByLabel('Số điện thoại mới').fill(second.phone);
  await page.getByRole('button', { name: 'Gửi mã tới hai số' }).click();
  await expect(page.getByRole('status')).toContainText('Đã gửi mã OTP tới cả số cũ và số mới');
  await expectAccessible(page);
  const oldCode = await latestCode(page.request, who.e164);
  const newCode = await latestCode(page.request, second.e164);
  await page.getByLabel('Mã OTP gửi tới số cũ').fill(oldCode);
  await page.getByLabel('Mã OTP gửi tới số mới').fill(newCode === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: 'Chuyển tài khoản sang số mới' }).click();
  await expect(page.getByText('Về mã gửi tới số mới:')).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('Mã chưa đúng');
  // the right old code was not used up by the typo in the other
  await page.getByLabel('Mã OTP gửi tới số cũ').fill(oldCode);
  await page.getByLabel('Mã OTP gửi tới số mới').fill(newCode);
  await page.getByRole('button', { name: 'Chuyển tài khoản sang số mới' }).click();
  await expect(page).toHaveURL(/\/signin\?moved=1$/);
  await expect(page.getByRole('status')).toContainText('Tài khoản đã chuyển sang số mới');
  // the other device's session ended with the move; the old number no longer signs in
  await laptop.goto('/me');
  await expect(laptop).toHaveURL(/\/signin$/);
  await signIn(page, { phone: second.phone, e164: second.e164 });
  await expect(page).toHaveURL(/\/me$/);
  await expect(page.locator('.facts')).toContainText(second.phone.slice(-3));

  // path 2: that phone is lost; a recovery code and a code to a third number move the account
  const third = newNumber('0978');
  await laptop.goto('/signin');
  await laptop.getByRole('link', { name: 'Chuyển tài khoản sang số mới' }).click();
  await expect(laptop.getByRole('heading', { level: 1 })).toHaveText('Mất điện thoại');
  await laptop.getByLabel('Số điện thoại cũ của tài khoản').fill(second.phone);
  await laptop.getByLabel('Mã khôi phục').fill('AAAAA-BBBBB');
  await laptop.getByLabel('Số điện thoại mới').fill(third.phone);
  await laptop.getByRole('button', { name: 'Tiếp tục' }).click();
  await expect(laptop.getByRole('alert')).toContainText('mã khôi phục không đúng');
  await expect(laptop.getByLabel('Số điện thoại mới')).toHaveValue(third.phone);
  await laptop.getByLabel('Mã khôi phục').fill(codes[0].toLowerCase());
  await laptop.getByRole('button', { name: 'Tiếp tục' }).click();
  await expect(laptop.getByRole('status')).toContainText('Đã gửi mã OTP tới số mới');
  // asking again too soon keeps the step (and the recovery code is not asked for again)
  await laptop.getByRole('button', { name: 'Gửi lại mã' }).click();
  await expect(laptop.getByRole('alert')).toContainText('Vui lòng chờ');
  await laptop.getByLabel('Mã OTP gửi tới số mới').fill(await latestCode(laptop.request, third.e164));
  await laptop.getByRole('button', { name: 'Chuyển tài khoản sang số mới' }).click();
  await expect(laptop).toHaveURL(/\/signin\?moved=1$/);
  // the lost phone's session is dead
  await page.goto('/me');
  await expect(page).toHaveURL(/\/signin$/);

  // a used recovery code never works again
  await laptop.goto('/recover');
  await laptop.getByLabel('Số điện thoại cũ của tài khoản').fill(third.phone);
  await laptop.getByLabel('Mã khôi phục').fill(codes[0]);
  await laptop.getByLabel('Số điện thoại mới').fill(second.phone);
  await laptop.getByRole('button', { name: 'Tiếp tục' }).click();
  await expect(laptop.getByRole('alert')).toContainText('mã khôi phục không đúng');

  // the person's "who saw my data" shows both moves
  await signIn(laptop, { phone: third.phone, e164: third.e164 });
  await laptop.goto('/me/privacy');
  await expect(laptop.getByText('đã chuyển tài khoản sang số điện thoại mới')).toHaveCount(2);
  await phoneCtx.close();
  await laptopCtx.close();
});

test('a ward officer moves a resident without codes; the old number cancels once; the next move waits its period', async ({ browser }) => {
  test.setTimeout(180_000);
  const { app } = await startWithAdministrator(PORT, ADMIN.phone, 'Trần Quản Trị', ['--move-wait-minutes', '1']);
  try {
    const desk = await (await browser.newContext({ baseURL: app.url, viewport: { width: 360, height: 740 } })).newPage();
    const citizen = await (await browser.newContext({ baseURL: app.url, viewport: { width: 360, height: 740 } })).newPage();

    // residents: one in Hải Châu, one in Thanh Khê
    const resident = person();
    const elsewhere = person();
    for (const [who, ward] of [[elsewhere, 'Phường Thanh Khê'], [resident, 'Phường Hải Châu']]) {
      await signedUp(citizen, citizen.request, who);
      await citizen.goto('/me/profile');
      await citizen.getByLabel('Nơi thường trú: phường, xã').selectOption({ label: ward });
      await citizen.getByRole('button', { name: 'Lưu hồ sơ' }).click();
      await expect(citizen.getByRole('status')).toContainText('Đã lưu');
      if (who === elsewhere) {
        await citizen.goto('/me');
        await citizen.getByRole('button', { name: 'Đăng xuất' }).click();
      }
    }

    // the administrator makes themself the officer of Hải Châu
    await signIn(desk, ADMIN);
    await enrolApp(desk);
    await desk.goto('/admin');
    const officerForm = desk.locator('form', { has: desk.getByRole('heading', { name: 'Cán bộ phường, xã' }) });
    await officerForm.getByLabel('Số điện thoại của người được cấp').fill(ADMIN.phone);
    await officerForm.getByLabel('Phường, xã').selectOption({ label: 'Phường Hải Châu' });
    await officerForm.getByRole('button', { name: 'Cấp vai trò' }).click();
    await expect(desk.getByRole('status')).toHaveText('Đã cấp vai trò.');
    // the city sees how many codes the SMS gateway took
    await expect(desk.getByTestId('code-delivery')).toContainText('100.0 %');
    await desk.getByRole('link', { name: 'Chuyển số cho người mất điện thoại' }).click();
    await expect(desk.getByRole('heading', { level: 1 })).toHaveText('Chuyển tài khoản sang số mới');

    const fill = async (who, birth, phone) => {
      await desk.locator('#citizen_id').fill(who.id);
      await desk.locator('#full_name').fill(who.displayName);
      await desk.locator('#birth_date').fill(birth);
      await desk.locator('input[name="sex"][value="female"]').check();
      await desk.locator('input[name="checked_how"][value="card_in_person"]').check();
      await desk.getByLabel('Số điện thoại mới').fill(phone);
      await desk.getByRole('button', { name: 'Kiểm tra và gửi mã tới số mới' }).click();
    };
    const lost = newNumber('0979');
    // a resident of another ward cannot be moved from here
    await fill(elsewhere, elsewhere.birth, lost.phone);
    await expect(desk.getByRole('alert')).toContainText('trong phường, xã của bạn');
    // details that are not the account's are refused, with everything typed kept
    await fill(resident, '06/09/1990', lost.phone);
    await expect(desk.getByRole('alert')).toContainText('không khớp với tài khoản: ngày sinh');
    await expect(desk.locator('#citizen_id')).toHaveValue(resident.id);
    await expectAccessible(desk);
    // the right details: a code to the new number, read out by the resident
    await fill(resident, resident.birth, lost.phone);
    await expect(desk.locator('.notice[role="status"]')).toContainText('Đã gửi mã OTP tới số mới');
    await desk.getByLabel('Mã OTP gửi tới số mới').fill(await latestCode(desk.request, lost.e164));
    await desk.getByRole('button', { name: 'Xác nhận chuyển số' }).click();
    await expect(desk.locator('.notice[role="status"]')).toContainText('Tài khoản sẽ chuyển sang số');

    // the old number got a link, and cancels
    const outbox = await (await citizen.request.get('/dev/outbox.json')).json();
    const warning = outbox.find((m) => m.to === resident.e164 && m.body.includes('/move/cancel/'));
    expect(warning, 'no cancel link to the old number').toBeTruthy();
    const link = /(\/move\/cancel\/[0-9a-f]{64})/.exec(warning.body)[1];
    // the owner, still signed in, sees the waiting move
    await citizen.goto('/me');
    await expect(citizen.getByTestId('waiting-move')).toBeVisible();
    await citizen.goto(link);
    await expect(citizen.getByRole('heading', { level: 1 })).toHaveText('Huỷ chuyển số điện thoại');
    await expectAccessible(citizen);
    await citizen.getByRole('button', { name: 'Huỷ yêu cầu chuyển số' }).click();
    await expect(citizen.getByRole('status')).toContainText('Đã huỷ yêu cầu chuyển số');
    await citizen.goto(link);
    await expect(citizen.getByRole('alert')).toContainText('Không còn yêu cầu chuyển số nào');

    // a second request (another new SIM) is not cancelled: after the waiting period (1 minute here) it moves
    const lost2 = newNumber('0976');
    await desk.goto('/assist/move');
    await fill(resident, resident.birth, lost2.phone);
    await desk.getByLabel('Mã OTP gửi tới số mới').fill(await latestCode(desk.request, lost2.e164));
    await desk.getByRole('button', { name: 'Xác nhận chuyển số' }).click();
    await expect(desk.locator('.notice[role="status"]')).toContainText('Tài khoản sẽ chuyển sang số');
    await expect(async () => {
      await citizen.goto('/me');
      await expect(citizen).toHaveURL(/\/signin$/);
    }).toPass({ timeout: 90_000, intervals: [5_000] });
    await signIn(citizen, { phone: lost2.phone, e164: lost2.e164 });
    await expect(citizen).toHaveURL(/\/me$/);
    await citizen.goto('/me/privacy');
    await expect(citizen.getByText('đã chuyển tài khoản sang số điện thoại mới')).toBeVisible();
    await expect(citizen.getByText('đã huỷ yêu cầu chuyển số điện thoại')).toBeVisible();
  } finally {
    await app.stop();
  }
});

test('a verified e-mail address gets the sign-in code when the SMS does not come', async ({ page }) => {
  test.setTimeout(150_000);
  await page.setViewportSize({ width: 360, height: 740 });
  const who = person();
  await signedUp(page, page.request, who);
  await page.getByRole('link', { name: 'Email nhận mã' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Email nhận mã');
  await page.getByLabel('Địa chỉ email').fill('tuyet@@example');
  await page.getByRole('button', { name: 'Gửi mã xác minh tới email' }).click();
  await expect(page.getByLabel('Địa chỉ email')).toHaveValue('tuyet@@example');
  await expect(page.locator('.field--error')).toContainText('Địa chỉ email chưa đúng');
  const address = `tuyet.${who.e164.slice(-6)}@example.vn`;
  await page.getByLabel('Địa chỉ email').fill(address);
  await page.getByRole('button', { name: 'Gửi mã xác minh tới email' }).click();
  await page.getByLabel('Mã trong email').fill(await latestCode(page.request, address));
  await page.getByRole('button', { name: 'Xác minh email' }).click();
  await expect(page.getByRole('status')).toContainText('Đã xác minh email');
  await expect(page.getByTestId('email-verified')).toContainText(address);
  await expectAccessible(page);

  // signing in: the page says the SMS went out, and after the wait offers the e-mail
  await page.goto('/me');
  await page.getByRole('button', { name: 'Đăng xuất' }).click();
  await page.goto('/signin');
  await page.getByLabel('Số điện thoại di động').fill(who.phone);
  await page.getByRole('button', { name: 'Gửi mã OTP' }).click();
  await expect(page.getByTestId('code-sent')).toContainText('Mã đã được gửi qua SMS lúc');
  // with the script, the button counts the wait down (without it the server answers "wait")
  await waitForHydration(page);
  const byEmail = page.getByRole('button', { name: 'Gửi mã qua email' });
  await expect(byEmail).toBeEnabled({ timeout: 75_000 });
  await byEmail.click();
  await expect(page.getByRole('status')).toContainText('mã mới đã được gửi tới email đó');
  await expect(page.getByTestId('code-sent')).toContainText('Mã đã được gửi qua email lúc');
  await page.getByLabel('Mã OTP').fill(await latestCode(page.request, address));
  await page.getByRole('button', { name: 'Xác nhận' }).click();
  await expect(page).toHaveURL(/\/me$/);
});
