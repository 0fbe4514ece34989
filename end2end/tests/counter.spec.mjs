// Journey: an organization's counter operator checks a citizen's QR code from a screenshot; the verdict is big and
// plain; the citizen sees that their code was checked. The citizen's phone keeps a day of codes: with no network the
// QR page still opens, and the counter accepts that code too.
import path from 'node:path';
import { test, expect } from '@playwright/test';
import {
  ROOT,
  enrolApp,
  expectAccessible,
  latestCode,
  person,
  signIn,
  staffCounter,
  signUp,
  startWithAdministrator,
  waitForHydration,
  waitForServiceWorker,
  watchConsole,
} from './support.mjs';

const PORT = 3195;
const OPERATOR = { phone: '0905 222 333', e164: '+84905222333' };

test('the counter verifies a citizen QR code from a screenshot and refuses a damaged one', async ({ browser }) => {
  test.setTimeout(90_000);
  const { app } = await startWithAdministrator(PORT, OPERATOR.phone, 'Võ Thị Quầy');
  try {
    // the administrator registers the electricity company as a QR-checking organization and staffs its counter
    const desk = await (await browser.newContext({ baseURL: app.url })).newPage();
    await signIn(desk, OPERATOR);
    await enrolApp(desk);
    await desk.goto('/counter/scan');
    expect((await desk.request.get('/counter/scan', { maxRedirects: 0 })).status()).toBe(403);
    await staffCounter(desk, 'Điện lực Đà Nẵng', OPERATOR.phone);

    // a citizen opens their QR code; the operator gets a screenshot of it
    const citizen = await (await browser.newContext({ baseURL: app.url })).newPage();
    const who = person();
    await signUp(citizen, who);
    await citizen.getByLabel('Mã OTP').fill(await latestCode(citizen.request, who.e164));
    await citizen.getByRole('button', { name: 'Xác nhận' }).click();
    await citizen.goto('/me/qr');
    const shot = path.join(ROOT, 'end2end', '.tmp', `qr-${PORT}.png`);
    await citizen.getByTestId('citizen-qr').screenshot({ path: shot });

    // the page has kept a day of codes on the phone: with no network, the QR page still opens
    await expect(citizen.getByTestId('qr-offline')).toContainText('Đã lưu mã trên máy để dùng khi mất mạng');
    await waitForServiceWorker(citizen);
    await citizen.context().setOffline(true);
    await citizen.goto('/me/qr');
    await expect(citizen).toHaveURL(/\/offline\/qr$/);
    await expect(citizen.getByRole('heading', { level: 1 })).toHaveText('Mã QR khi không có mạng');
    await expect(citizen.getByTestId('qr-offline-note')).toContainText('Cơ bản: mã này dùng được đến');
    await expectAccessible(citizen);
    const offlineShot = path.join(ROOT, 'end2end', '.tmp', `qr-offline-${PORT}.png`);
    await citizen.getByTestId('citizen-qr').screenshot({ path: offlineShot });
    await citizen.context().setOffline(false);

    // whatever else is under the key (nothing, a batch cut short, another value) reads as "no saved codes" and
    // breaks nothing; the QR page online then keeps a whole batch again
    const kept = await citizen.evaluate(() => localStorage.getItem('cds-qr'));
    expect(kept).toMatch(/^CDSQR1 basic \d+\n/);
    const problems = watchConsole(citizen);
    for (const value of [null, kept.slice(0, -100), kept.replace(/\n(\d+) /, '\nx '), 'không phải mã', '{"preset":"basic"}']) {
      await citizen.evaluate((v) => (v === null ? localStorage.removeItem('cds-qr') : localStorage.setItem('cds-qr', v)), value);
      await citizen.goto('/offline/qr');
      await expect(citizen.getByTestId('qr-offline-note')).toHaveText(
        'Điện thoại này chưa lưu mã nào. Khi có mạng, hãy đăng nhập và mở trang Mã QR một lần.',
      );
      await expect(citizen.getByTestId('citizen-qr')).toBeHidden();
    }
    expect(problems).toEqual([]);
    // a citizen's page loads the citizen WASM, the counter the staff one (with the counter's own island)
    const wasm = (page) => {
      const seen = [];
      page.on('request', (request) => {
        const path = new URL(request.url()).pathname;
        if (path.endsWith('.wasm')) seen.push(path.replace(/\.[^./]+\.wasm$/, ''));
      });
      return seen;
    };
    const citizenWasm = wasm(citizen);
    const deskWasm = wasm(desk);
    await citizen.goto('/me/qr');
    await expect(citizen.getByTestId('qr-offline')).toContainText('Đã lưu mã trên máy để dùng khi mất mạng');
    expect(await citizen.evaluate(() => localStorage.getItem('cds-qr'))).toMatch(/^CDSQR1 basic \d+\n/);
    expect(citizenWasm).toEqual(['/pkg/congdanso']);

    await desk.goto('/counter/scan');
    await waitForHydration(desk);
    expect(deskWasm).toEqual(['/pkg/congdanso-staff']);
    await expect(desk.getByRole('heading', { level: 1 })).toHaveText('Kiểm tra mã QR công dân');
    await expectAccessible(desk);
    // this browser cannot read QR codes itself: the page says to use the photo button instead
    await desk.getByRole('button', { name: 'Quét bằng máy ảnh' }).click();
    await expect(desk.getByTestId('camera-status')).toHaveText(/Trình duyệt này không tự đọc được mã QR/);
    await desk.getByLabel('Chụp hoặc chọn ảnh mã QR').setInputFiles(shot);
    await desk.getByLabel(/Mục đích kiểm tra/).selectOption('service');
    await desk.getByRole('button', { name: 'Kiểm tra ảnh' }).click();
    const verdict = desk.getByTestId('verdict');
    await expect(verdict).toContainText('HỢP LỆ');
    await expect(verdict).toContainText(who.displayName);
    await expect(verdict).toContainText('1990');
    await expect(verdict).not.toContainText(who.id, { useInnerText: true });
    await expectAccessible(desk);

    // the code the phone showed with no network is just as good
    await desk.getByLabel('Chụp hoặc chọn ảnh mã QR').setInputFiles(offlineShot);
    await desk.getByRole('button', { name: 'Kiểm tra ảnh' }).click();
    await expect(verdict).toContainText('HỢP LỆ');
    await expect(verdict).toContainText(who.displayName);

    // a pasted damaged code is refused, with the reason in words
    await desk.getByLabel(/Hoặc dán mã dạng chữ/).fill('CDS1:NOT-A-REAL-CODE');
    await desk.getByRole('button', { name: 'Kiểm tra mã đã dán' }).click();
    await expect(verdict).toContainText('KHÔNG HỢP LỆ');
    await expect(verdict).toContainText('không phải mã QR công dân số');
    // nothing at all: told what to do
    await desk.getByLabel(/Hoặc dán mã dạng chữ/).fill('');
    await desk.getByRole('button', { name: 'Kiểm tra mã đã dán' }).click();
    await expect(desk.getByRole('alert')).toHaveText('Hãy chụp ảnh mã QR hoặc dán mã dạng chữ.');

    // the citizen sees the check
    await citizen.goto('/me/qr');
    await expect(citizen.getByTestId('qr-verified')).toContainText('Mã của bạn đã được kiểm tra 2 lần.');
    await citizen.getByRole('link', { name: 'Xem ai đã kiểm tra' }).click();
    await expect(citizen.getByRole('heading', { level: 1 })).toHaveText('Ai đã kiểm tra mã QR của tôi');
    const line = citizen.getByTestId('checks').locator('li');
    await expect(line).toHaveCount(2);
    for (const one of [line.nth(0), line.nth(1)]) {
      await expect(one).toContainText('Điện lực Đà Nẵng · Làm thủ tục, cung cấp dịch vụ');
      await expect(one).toContainText('Cơ bản');
      await expect(one).toContainText('HỢP LỆ');
    }
    await expectAccessible(citizen);

    // a printed card for someone without a smartphone: checked online, then revoked
    await citizen.goto('/me/qr');
    await citizen.getByRole('link', { name: /Thẻ QR in sẵn/ }).click();
    await expect(citizen.getByRole('heading', { level: 1 })).toHaveText('Thẻ QR in sẵn');
    await citizen.getByRole('button', { name: 'Cấp thẻ in' }).click();
    await expect(citizen.getByRole('status')).toContainText('Đã cấp thẻ mới');
    await expect(citizen.getByTestId('print-card')).toContainText(who.displayName);
    await expect(citizen.getByTestId('print-card')).toContainText('Thẻ số 1');
    await expectAccessible(citizen);
    const cardShot = path.join(ROOT, 'end2end', '.tmp', `card-${PORT}.png`);
    await citizen.getByTestId('card-qr').screenshot({ path: cardShot });
    await desk.getByLabel('Chụp hoặc chọn ảnh mã QR').setInputFiles(cardShot);
    await desk.getByRole('button', { name: 'Kiểm tra ảnh' }).click();
    await expect(verdict).toContainText('HỢP LỆ');
    await expect(verdict).toContainText('Thẻ in (đã kiểm tra trực tuyến)');
    await expect(verdict).toContainText(who.displayName);
    await citizen.getByRole('button', { name: 'Thu hồi thẻ này' }).click();
    await expect(citizen.getByRole('status')).toContainText('Đã thu hồi thẻ');
    await expect(citizen.getByText('Thẻ số 1 đã bị thu hồi')).toBeVisible();
    await desk.getByLabel('Chụp hoặc chọn ảnh mã QR').setInputFiles(cardShot);
    await desk.getByRole('button', { name: 'Kiểm tra ảnh' }).click();
    await expect(verdict).toContainText('KHÔNG HỢP LỆ');
    await expect(verdict).toContainText('Thẻ đã bị thu hồi hoặc đã được thay bằng thẻ mới.');
    await citizen.goto('/me/qr/checks');
    await expect(line).toHaveCount(4);
    await expect(line.nth(0)).toContainText('Thẻ in');
    await expect(line.nth(0)).toContainText('Thẻ đã bị thu hồi');
    await expect(line.nth(1)).toContainText('Thẻ in');

    // scanning with the camera: where the browser reads QR codes itself (BarcodeDetector, which Chromium on Linux
    // lacks, so the test gives the page one that reports the citizen's code once the camera shows a picture), the
    // code read is sent at once
    const { token } = await (await citizen.request.get('/me/qr/token.json')).json();
    await desk.addInitScript((code) => {
      window.BarcodeDetector = class {
        async detect(video) {
          return video.readyState >= 2 && video.videoWidth > 0 ? [{ rawValue: code, format: 'qr_code' }] : [];
        }
      };
    }, token);
    await desk.goto('/counter/scan');
    await desk.getByRole('button', { name: 'Quét bằng máy ảnh' }).click();
    await expect(verdict).toContainText('HỢP LỆ');
    await expect(verdict).toContainText(who.displayName);

    // no network at the counter: the page opens from its last copy and checks the code in the browser with the
    // keys it kept (no revocation check, nothing recorded, and it says so)
    await waitForServiceWorker(desk);
    await desk.goto('/counter/scan');
    await desk.context().setOffline(true);
    await desk.goto('/counter/scan');
    await expect(desk.getByRole('heading', { level: 1 })).toHaveText('Kiểm tra mã QR công dân');
    // the check with no network is the island's (WASM): before it wakes, the form would be posted to no network
    await waitForHydration(desk);
    const { token: fresh } = await (await citizen.request.get('/me/qr/token.json')).json();
    await desk.getByLabel(/Hoặc dán mã dạng chữ/).fill(fresh);
    await desk.getByRole('button', { name: 'Kiểm tra mã đã dán' }).click();
    await expect(verdict).toContainText('HỢP LỆ');
    await expect(verdict).toContainText('Kiểm tra ngoại tuyến');
    await expect(verdict).toContainText(who.displayName);
    await desk.getByLabel(/Hoặc dán mã dạng chữ/).fill(fresh.slice(0, -6) + (fresh.endsWith('000000') ? '111111' : '000000'));
    await desk.getByRole('button', { name: 'Kiểm tra mã đã dán' }).click();
    await expect(verdict).toContainText('KHÔNG HỢP LỆ');
    await desk.context().setOffline(false);

    // entry control: the operator registers a place; a check there records the citizen going in
    await desk.getByLabel(/Tên địa điểm/).fill('Sảnh chính');
    await desk.getByRole('button', { name: 'Đăng ký địa điểm' }).click();
    await expect(desk.getByText('Đã đăng ký địa điểm.')).toBeVisible();
    await expect(desk.getByTestId('places')).toContainText('Sảnh chính · Điện lực Đà Nẵng');
    await desk.getByLabel(/Tên địa điểm/).fill('sảnh  CHÍNH');
    await desk.getByRole('button', { name: 'Đăng ký địa điểm' }).click();
    await expect(desk.getByRole('alert')).toHaveText('Đơn vị này đã có địa điểm cùng tên.');
    await expect(desk.getByLabel(/Tên địa điểm/)).toHaveValue('sảnh  CHÍNH');
    await desk.getByLabel(/Hoặc dán mã dạng chữ/).fill(token);
    await desk.getByLabel('Địa điểm kiểm soát ra vào').selectOption({ label: 'Sảnh chính · Điện lực Đà Nẵng' });
    await desk.getByLabel('Vào', { exact: true }).check();
    await desk.getByRole('button', { name: 'Kiểm tra mã đã dán' }).click();
    await expect(verdict).toContainText('HỢP LỆ');
    await expect(verdict).toContainText('Đã ghi nhận VÀO: Sảnh chính');
    // the box is empty for the next citizen: the last token does not linger on the counter
    await expect(desk.getByLabel(/Hoặc dán mã dạng chữ/)).toHaveValue('');
    await expectAccessible(desk);
    await citizen.goto('/me/qr/checks');
    await expect(line.nth(0)).toContainText('Điện lực Đà Nẵng · Đã ghi nhận VÀO: Sảnh chính');

    // signing out, the phone forgets the codes it kept
    expect(await citizen.evaluate(() => localStorage.getItem('cds-qr'))).toContain('CDSQR1 basic');
    await citizen.goto('/me');
    await citizen.getByRole('button', { name: 'Đăng xuất' }).click();
    await expect(citizen).toHaveURL(/\/\?signed_out=1$/);
    expect(await citizen.evaluate(() => localStorage.getItem('cds-qr'))).toBeNull();
  } finally {
    await app.stop();
  }
});
