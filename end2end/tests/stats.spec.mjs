// Journeys: a citizen's account appears in their ward's figures within seconds; the city enters and imports population
// figures (a file by the former units lands in the new wards; a bad file is refused whole); the dashboard shows its
// summary first and folds the ward table and the population figures (a phone's page stays short); the tables
// download as CSV and XLSX with Vietnamese intact; a ward officer reviews, comments and submits the frozen monthly
// report, which then never changes (a correction is a new version with its reason); another ward's officer cannot
// open it (404, as for a report that does not exist).
import { test, expect } from '@playwright/test';
import { enrolApp, expectAccessible, latestCode, person, signIn, signUp, startWithAdministrator, watchConsole } from './support.mjs';

const PORT = 3196;
const ADMIN = { phone: '0905 444 555', e164: '+84905444555' };

/** The previous month, as the report pages name it: key 2026-11, label 11/2026. */
function previousMonth() {
  const now = new Date(Date.now() + 7 * 3600 * 1000); // Vietnam time
  let y = now.getUTCFullYear();
  let m = now.getUTCMonth(); // 0-based: the previous month's 1-based number
  if (m === 0) {
    m = 12;
    y -= 1;
  }
  const mm = String(m).padStart(2, '0');
  return { key: `${y}-${mm}`, label: `${mm}/${y}` };
}

async function grantOfficer(desk, phone, ward) {
  await desk.goto('/admin');
  const form = desk.locator('form', { has: desk.getByRole('heading', { name: 'Cán bộ phường, xã' }) });
  await form.getByLabel('Số điện thoại của người được cấp').fill(phone);
  await form.getByLabel('Phường, xã').selectOption({ label: ward });
  await form.getByRole('button', { name: 'Cấp vai trò' }).click();
  await expect(desk.getByRole('status')).toHaveText('Đã cấp vai trò.');
}

test('figures follow the citizens, population files map old units, reports freeze once submitted', async ({ browser }) => {
  test.setTimeout(150_000);
  const { app } = await startWithAdministrator(PORT, ADMIN.phone, 'Đặng Thị Thống Kê');
  try {
    const context = await browser.newContext({ baseURL: app.url, viewport: { width: 360, height: 740 } });
    const desk = await context.newPage();
    const problems = watchConsole(desk);
    await signIn(desk, ADMIN);
    await enrolApp(desk);
    await grantOfficer(desk, ADMIN.phone, 'Phường Hải Châu');
    await desk.getByRole('link', { name: 'Số liệu và báo cáo tháng' }).click();
    await expect(desk.getByRole('heading', { level: 1 })).toHaveText('Số liệu chuyển đổi số');
    await expect(desk.locator('tr[data-ward]')).toHaveCount(94);
    // The summary comes first; the 94-ward table and the population figures are folded until asked for.
    await expect(desk.locator('#wards details')).not.toHaveAttribute('open');
    await expect(desk.locator('#population details')).not.toHaveAttribute('open');
    await expect(desk.locator('#pop-ward')).toBeHidden();
    await expectAccessible(desk);

    // A citizen of Hải Châu with an e-payment account signs up: the ward's figures follow within seconds.
    const citizenContext = await browser.newContext({ baseURL: app.url, viewport: { width: 360, height: 740 } });
    const citizen = await citizenContext.newPage();
    const who = person();
    await signUp(citizen, who);
    await citizen.getByLabel('Mã OTP').fill(await latestCode(citizen.request, who.e164));
    await citizen.getByRole('button', { name: 'Xác nhận' }).click();
    await citizen.goto('/me/profile');
    await citizen.locator('select[name="current_unit"]').selectOption({ label: 'Phường Hải Châu' });
    await citizen.locator('input[name="epayment"][value="yes"]').check();
    await citizen.locator('form.profile-form button[type="submit"]').click();
    await expect(citizen.getByRole('status').first()).toBeVisible();

    const haiChau = desk.locator('tr[data-ward="20242"]');
    await expect
      .poll(async () => {
        await desk.goto('/stats');
        return (await haiChau.locator('td').first().textContent()).trim();
      }, { timeout: 30_000 })
      .toBe('1');
    await expect(haiChau.locator('td').nth(1)).toHaveText('chưa có số dân');

    // Population: a typo keeps what was typed and says which field; then the share appears.
    await desk.locator('#population summary').click();
    await desk.locator('#pop-ward').selectOption({ label: 'Phường Hải Châu' });
    await desk.locator('#pop-adults').fill('hai');
    await desk.locator('#pop-households').fill('1');
    await desk.locator('#pop-year').fill('2025');
    await desk.getByRole('button', { name: 'Lưu số dân' }).click();
    await expect(desk.getByRole('alert')).toHaveText('Dân số từ 18 tuổi phải là một số nguyên, ví dụ 150.000.');
    // back on the page, the section the form answered in is open, with what was typed and the field marked
    await expect(desk.locator('#population details')).toHaveAttribute('open', '');
    await expect(desk.locator('#pop-adults')).toHaveValue('hai');
    await expect(desk.locator('#pop-adults')).toHaveAttribute('aria-invalid', 'true');
    await expect(desk.locator('#pop-ward')).toHaveValue('20242');
    await desk.locator('#pop-adults').fill('2');
    await desk.getByRole('button', { name: 'Lưu số dân' }).click();
    await expect(desk.getByRole('status').first()).toHaveText('Đã lưu số dân.');
    await expect(haiChau.locator('td').nth(1)).toHaveText('50,0%');
    await expect(haiChau.locator('td').nth(2)).toHaveText('50,0%');
    await expect(desk.locator('.chart svg[role="img"]')).toHaveCount(2);

    // A file by the former units: Thanh Bình and Hải Châu (2025-01) land in the new Phường Hải Châu.
    const upload = async (text) => {
      await desk.locator('#pop-file').setInputFiles({ name: 'dan-so.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
      await desk.getByRole('button', { name: 'Tải lên' }).click();
    };
    await upload('mã đơn vị;phiên bản;dân số từ 18 tuổi;số hộ;năm\n20257;2025-07;abc;10;2025\n99999;2025-07;1;1;2025\n');
    await expect(desk.getByRole('alert')).toContainText('Dòng 2: Dân số từ 18 tuổi không hợp lệ.');
    await expect(desk.getByRole('alert')).toContainText('Dòng 3: không có đơn vị mã 99999');
    await upload('\ufeffma_don_vi;phien_ban;dan_so_tu_18_tuoi;so_ho;nam\n20227;2025-01;3;2;2024\n20236;2025-01;1;2;2024\n');
    await expect(desk.getByRole('status').first()).toHaveText('Đã nhập số dân của 1 phường, xã.');
    await expect(haiChau.locator('td').nth(1)).toHaveText('25,0%');
    await expect(haiChau.locator('td').nth(4)).toHaveText('4 · 2024');
    await expectAccessible(desk);
    await desk.screenshot({ path: 'test-results/stats-360.png', fullPage: true });
    await desk.evaluate(() => window.scrollTo(0, 0));
    await desk.screenshot({ path: 'test-results/stats-top-360.png' });

    // Folded, the page at 360 px is the summary and two headings (it was ~7,500 px with the table and the forms).
    await desk.goto('/stats');
    await expect(desk.locator('#wards details')).not.toHaveAttribute('open');
    await expect(desk.locator('#population details')).not.toHaveAttribute('open');
    const folded = await desk.evaluate(() => document.documentElement.scrollHeight);
    expect(folded).toBeLessThan(4000);
    await desk.screenshot({ path: 'test-results/stats-folded-360.png', fullPage: true });
    // Choosing an order opens the table.
    await desk.locator('#wards summary').click();
    await desk.locator('#wards .chips').getByRole('link', { name: 'Tài khoản', exact: true }).click();
    await expect(desk).toHaveURL(/sort=accounts/);
    await expect(desk.locator('#wards details')).toHaveAttribute('open', '');
    await expect(haiChau).toBeVisible();
    expect(await desk.evaluate(() => document.documentElement.scrollHeight)).toBeGreaterThan(folded);

    // Exports: CSV with a BOM, XLSX as a zip; both keep the Vietnamese names.
    const csv = await desk.request.get('/stats/export.csv');
    expect(csv.headers()['content-type']).toContain('text/csv');
    const csvText = await csv.text();
    expect(csvText.charCodeAt(0)).toBe(0xfeff);
    expect(csvText).toContain('20242,Phường Hải Châu,');
    const xlsx = await desk.request.get('/stats/export.xlsx');
    const bytes = await xlsx.body();
    expect(bytes.subarray(0, 2).toString()).toBe('PK');
    expect(bytes.includes(Buffer.from('[Content_Types].xml'))).toBe(true);
    expect(bytes.includes(Buffer.from('Phường Hải Châu'))).toBe(true);

    // The month that ended was frozen at start-up: the officer reviews, comments and submits Hải Châu's report.
    const month = previousMonth();
    await desk.getByRole('link', { name: 'Báo cáo tháng' }).first().click();
    await expect(desk.getByRole('heading', { level: 1 })).toHaveText(`Báo cáo tháng ${month.label}`);
    await expect(desk.getByTestId('submitted')).toContainText('Đã gửi 0/94');
    await expectAccessible(desk);
    await desk.getByRole('link', { name: 'Phường Hải Châu' }).click();
    await expect(desk.getByRole('heading', { level: 1 })).toHaveText(`Phường Hải Châu · ${month.label}`);
    await desk.getByLabel('Nhận xét của phường, xã').fill('Tổ 5 còn nhiều người cao tuổi chưa có điện thoại thông minh.');
    await desk.getByRole('button', { name: 'Lưu nháp' }).click();
    await expect(desk.getByRole('status').first()).toHaveText('Đã lưu nháp.');
    await expect(desk.getByLabel('Nhận xét của phường, xã')).toHaveValue('Tổ 5 còn nhiều người cao tuổi chưa có điện thoại thông minh.');
    await desk.getByRole('button', { name: 'Gửi Ban Chỉ đạo' }).click();
    await expect(desk.getByRole('status').first()).toHaveText('Đã gửi báo cáo. Báo cáo này không thay đổi được nữa.');
    await expect(desk.getByRole('button', { name: 'Gửi Ban Chỉ đạo' })).toHaveCount(0);
    await expectAccessible(desk);
    await desk.screenshot({ path: 'test-results/report-360.png', fullPage: true });

    // A stale form posted again changes nothing: a script is answered 409 (the server function's error as JSON); a
    // browser posting the form is sent back to the report, which says why.
    const stale = { month: month.key, ward: '20242', comment: 'Sửa sau khi gửi' };
    const again = await desk.request.post('/stats/reports/submit', { form: stale, headers: { origin: app.url } });
    expect(again.status()).toBe(409);
    expect(await again.text()).toContain('AlreadySubmitted');
    const posted = await desk.request.post('/stats/reports/submit', {
      form: stale,
      headers: { origin: app.url, accept: 'text/html' },
      maxRedirects: 0,
    });
    expect(posted.status()).toBe(303);
    expect(posted.headers()['location']).toBe(`/stats/reports/${month.key}/20242`);
    await desk.reload();
    await expect(desk.getByRole('alert')).toHaveText('Báo cáo này đã được gửi nên không sửa được. Hãy tạo bản đính chính kèm lý do.');
    await expect(desk.locator('blockquote.comment')).toHaveText('Tổ 5 còn nhiều người cao tuổi chưa có điện thoại thông minh.');

    // A correction needs its reason, and is a new version; the submitted one stays.
    await desk.getByRole('button', { name: 'Tạo bản đính chính' }).click();
    await expect(desk.locator('#reason:invalid')).toHaveCount(1);
    await desk.getByLabel('Lý do đính chính').fill('Bổ sung ý kiến của tổ 7');
    await desk.getByRole('button', { name: 'Tạo bản đính chính' }).click();
    await expect(desk.getByRole('status').first()).toHaveText('Đã tạo bản đính chính. Hãy sửa nhận xét rồi gửi lại.');
    await expect(desk.locator('li[data-version]')).toHaveCount(2);
    await expect(desk.locator('li[data-version="1"]')).toContainText('gửi lúc');

    // The city sees who submitted; the printable report and its exports.
    await desk.goto(`/stats/reports?month=${month.key}`);
    await expect(desk.getByTestId('submitted')).toContainText('Đã gửi 0/94');
    const reportCsv = await (await desk.request.get(`/stats/reports/export.csv?month=${month.key}`)).text();
    expect(reportCsv).toMatch(/20242,Phường Hải Châu,2,"?Chưa gửi/);

    // Figures from before the platform: a bad file is refused whole with each reason; a good one, by the former
    // units, becomes March 2025's submitted report of the new Phường Hải Châu.
    const history = async (text) => {
      await desk.locator('#history-file').setInputFiles({ name: 'so-lieu-cu.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
      await desk.getByRole('button', { name: 'Nhập số liệu các tháng trước' }).click();
    };
    const header = 'tháng;mã đơn vị;phiên bản;tài khoản mức 1;tài khoản mức 2;người trưởng thành có tài khoản;có thanh toán điện tử;hộ có địa chỉ số;dân số từ 18 tuổi;số hộ\n';
    await history(`${header}${month.label};20242;2025-07;1;1;1;1;1;2;2\n03/2025;20227;2025-01;1;1;5;1;1;;\n`);
    await expect(desk.getByRole('alert')).toContainText(`Dòng 2: chỉ nhập được số liệu các tháng trước ${month.label}`);
    await expect(desk.getByRole('alert')).toContainText('Dòng 3: người từ 18 tuổi có tài khoản không hợp lệ.');
    await history(`${header}03/2025;20227;2025-01;1.000;2.000;2.500;1.200;800;5.000;2.000\n03/2025;20236;2025-01;100;200;250;120;80;500;200\n`);
    await expect(desk.getByRole('status').first()).toHaveText('Đã nhập 1 báo cáo của 1 tháng.');
    await expect(desk.getByRole('heading', { level: 1 })).toHaveText('Báo cáo tháng 03/2025');
    await expect(desk.locator('tr[data-ward="20242"]')).toContainText('Số liệu nhập từ tệp');
    await expect(desk.locator('tr[data-ward="20242"] td').nth(1)).toHaveText('50,0%');
    await expectAccessible(desk);
    await desk.screenshot({ path: 'test-results/history-360.png', fullPage: true });
    await desk.getByRole('link', { name: 'Phường Hải Châu' }).click();
    await expect(desk.getByText('Cộng từ đơn vị cũ (trước 01/07/2025): 20227, 20236.')).toBeVisible();

    // Another ward's officer cannot open Hải Châu's report.
    const otherContext = await browser.newContext({ baseURL: app.url, viewport: { width: 360, height: 740 } });
    const other = await otherContext.newPage();
    const officer = person();
    await signUp(other, officer);
    await other.getByLabel('Mã OTP').fill(await latestCode(other.request, officer.e164));
    await other.getByRole('button', { name: 'Xác nhận' }).click();
    await grantOfficer(desk, officer.phone, 'Phường Hòa Cường');
    await other.goto('/stats');
    await expect(other).toHaveURL(/\/me\/security/);
    await enrolApp(other);
    await other.goto('/stats');
    await expect(other.locator('tr[data-ward]')).toHaveCount(1);
    const denied = await other.goto(`/stats/reports/${month.key}/20242`);
    expect(denied.status()).toBe(404);
    await other.goto(`/stats/reports?month=${month.key}`);
    await expect(other.getByTestId('submitted')).toContainText('/1');
    // Refused forms now send the browser back (303) rather than answer 422 or 409 pages; those statuses stay
    // allowed here, and nothing else may show up.
    expect(problems.filter((p) => !/status of (422|409)/.test(p))).toEqual([]);
    await citizenContext.close();
    await otherContext.close();
    await context.close();
  } finally {
    await app.stop();
  }
});
