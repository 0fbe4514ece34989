// Journeys: a community team member registers three residents (one with a child) with the phone offline; when the
// network comes back the queue is sent, the residents' codes are confirmed, and sending the same queue again creates
// nothing new. The queue is a Rust island now: a registration the old script left on the phone is still sent after
// the update, and a damaged record says so in the list (never a panic). An organization enrols its staff from a CSV
// with good, bad and repeated rows.
import { test, expect } from '@playwright/test';
import {
  enrolApp, expectAccessible, startWithAdministrator, signIn, waitForHydration, waitForServiceWorker, watchConsole,
} from './support.mjs';

const PORT = 3194;
const ADMIN = { phone: '0905 333 444', e164: '+84905333444' };

/** The administrator (signed in, app enrolled) creates a team in Hải Châu and joins it; the same for an org. */
async function setUp(desk) {
  await signIn(desk, ADMIN);
  await enrolApp(desk);
  await desk.goto('/admin');
  await desk.getByLabel('Tên tổ', { exact: true }).fill('Tổ dân phố 7');
  await desk.locator('#team-ward').selectOption({ label: 'Phường Hải Châu' });
  await desk.getByRole('button', { name: 'Tạo tổ' }).click();
  await expect(desk.getByRole('status')).toHaveText('Đã tạo tổ.');
  const grant = async (heading, scope, label) => {
    const form = desk.locator('form', { has: desk.getByRole('heading', { name: heading }) });
    await form.getByLabel('Số điện thoại của người được cấp').fill(ADMIN.phone);
    await form.locator(scope).selectOption({ label });
    await form.getByRole('button', { name: 'Cấp vai trò' }).click();
    await expect(desk.getByRole('status')).toHaveText('Đã cấp vai trò.');
  };
  await grant('Thành viên tổ công nghệ số cộng đồng', '#scope-team_member', 'Tổ dân phố 7 · Phường Hải Châu');
  await desk.getByLabel('Tên tổ chức').fill('Cấp nước Đà Nẵng');
  await desk.getByRole('button', { name: 'Thêm tổ chức' }).click();
  await expect(desk.getByRole('status')).toHaveText('Đã thêm tổ chức.');
  await grant('Quản trị viên tổ chức', '#scope-org_admin', 'Cấp nước Đà Nẵng');
}

const n = String(Date.now() % 1_000_000).padStart(6, '0');
/** A resident whose registration the old script (public/assist.js) saved on the phone and never sent. */
const leftOver = { name: 'Đỗ Văn Cũ', cid: `048090${n}`, birth: '05/05/1990', phone: `0938 ${n.slice(0, 3)} ${n.slice(3)}`, e164: `+84938${n}` };

/** Writes records into the phone's queue as the old script did (same database, store and record shape). */
async function leaveInQueue(page, records) {
  await page.evaluate(async (records) => {
    const db = await new Promise((resolve, reject) => {
      const r = indexedDB.open('cds-assist', 1);
      r.onupgradeneeded = () => r.result.createObjectStore('queue', { keyPath: 'key' });
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    await new Promise((resolve, reject) => {
      const t = db.transaction('queue', 'readwrite');
      for (const record of records) t.objectStore('queue').put(record);
      t.oncomplete = resolve;
      t.onerror = () => reject(t.error);
    });
    db.close();
  }, records);
}

const residents = [
  { name: 'Trần Thị Lan', cid: `048186${n}`, birth: '02/03/1986', sex: 'Nữ', phone: `0935 ${n.slice(0, 3)} ${n.slice(3)}`, e164: `+84935${n}` },
  { name: 'Lê Văn Hùng', cid: `048075${n}`, birth: '11/11/1975', sex: 'Nam', phone: `0936 ${n.slice(0, 3)} ${n.slice(3)}`, e164: `+84936${n}` },
  { name: 'Phạm Thị Hoa', cid: `048199${n}`, birth: '20/10/1999', sex: 'Nữ', phone: `0937 ${n.slice(0, 3)} ${n.slice(3)}`, e164: `+84937${n}` },
];

async function fillResident(page, r, child) {
  const form = page.locator('#assist-form');
  await form.getByLabel('Họ và tên', { exact: true }).first().fill(r.name);
  await form.locator('#citizen_id').fill(r.cid);
  await form.locator('#birth_date').fill(r.birth);
  await form.locator('input[name="sex"][value="' + (r.sex === 'Nữ' ? 'female' : 'male') + '"]').check();
  await form.locator('#phone').fill(r.phone);
  await form.locator('#street').fill('12 Lê Duẩn');
  if (child) {
    await form.locator('#d1_name').fill(child);
    await form.locator('#d1_birth').fill('01/06/2019');
    await form.locator('input[name="d1_sex"][value="female"]').check();
    await form.locator('input[name="d1_relation"][value="parent"]').check();
  }
  await form.getByLabel(/Người dân đã đồng ý/).check();
}

async function codeFor(request, e164) {
  const messages = await (await request.get('/dev/outbox.json')).json();
  const mine = messages.find((m) => m.to === e164);
  expect(mine, `no SMS to ${e164}`).toBeTruthy();
  return /(\d{6})/.exec(mine.body)[1];
}

test('a member registers three residents offline; back online they are sent once and confirmed', async ({ browser }) => {
  test.setTimeout(120_000);
  const { app } = await startWithAdministrator(PORT, ADMIN.phone, 'Võ Văn Tổ');
  try {
    const context = await browser.newContext({ baseURL: app.url, viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await setUp(page);

    // one online visit keeps the form for offline use
    await page.goto('/team/register');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Đăng ký cho người dân');
    await expectAccessible(page);
    await waitForServiceWorker(page);
    await page.goto('/team/register');
    await expect(page.getByTestId('queue')).toContainText('Chưa có phiếu nào.');

    await context.setOffline(true);
    await page.goto('/team/register');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Đăng ký cho người dân');
    await expect(page.locator('#assist-network')).toContainText('Không có mạng');
    for (const [i, r] of residents.entries()) {
      await fillResident(page, r, i === 0 ? 'Nguyễn Bé Na' : null);
      // a half-typed form survives closing the tab: the draft comes back
      if (i === 2) {
        await page.waitForTimeout(500);
        await page.goto('/team/register');
        await expect(page.locator('#phone')).toHaveValue(r.phone);
        await page.getByLabel(/Người dân đã đồng ý/).check();
      }
      await page.getByRole('button', { name: 'Lưu và gửi' }).click();
      await expect(page.locator(`#assist-list li[data-state="waiting"]`)).toHaveCount(i + 1);
    }
    await expect(page.locator('#phone')).toHaveValue('');

    // the network comes back: the queue goes by itself
    await context.setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await expect(page.locator('#assist-list li[data-state="pending"]')).toHaveCount(3, { timeout: 20_000 });

    // the same queue sent again (a phone that never heard back): nothing new on the server
    const again = await page.evaluate(async () => {
      const db = await new Promise((resolve) => { const r = indexedDB.open('cds-assist', 1); r.onsuccess = () => resolve(r.result); });
      const items = await new Promise((resolve) => { const r = db.transaction('queue').objectStore('queue').getAll(); r.onsuccess = () => resolve(r.result); });
      return items.map((i) => i.key);
    });
    expect(again).toHaveLength(3);
    await page.reload();
    await expect(page.locator('#assist-list li[data-state="pending"]')).toHaveCount(3);

    // the residents read out their codes
    for (const r of residents) {
      const item = page.locator('#assist-list li', { hasText: r.name });
      await item.locator('input[name="code"]').fill(await codeFor(page.request, r.e164));
      await item.getByRole('button', { name: 'Xác nhận' }).click();
      await expect(item).toHaveAttribute('data-state', 'confirmed');
    }
    await expectAccessible(page);

    // the team's figures: three today, none waiting; the first resident's child is there
    await page.goto('/team/work');
    const total = page.getByTestId('team-total');
    await expect(total.locator('td').nth(0)).toHaveText('3');
    await expect(total.locator('td').nth(3)).toHaveText('0');
    await expect(page.getByTestId('recent')).toContainText('Trần Thị Lan');
    await expectAccessible(page);
    await page.getByTestId('recent').getByRole('link', { name: 'Trần Thị Lan' }).click();
    await expect(page.getByTestId('state')).toHaveText('Đã xác nhận');
    await expect(page.locator('dl')).toContainText('Nguyễn Bé Na');

    // registering a resident who already has an account is a conflict, not a second account
    await page.goto('/team/register');
    await fillResident(page, residents[1], null);
    await page.getByRole('button', { name: 'Lưu và gửi' }).click();
    await expect(page.locator('#assist-list li[data-state="conflict"]')).toContainText('Số điện thoại này đã có tài khoản');

    // the update lands on a phone that still holds what the old script kept: a form saved and never sent, a record
    // cut short and one of a shape nobody here wrote
    const problems = watchConsole(page);
    const member = await page.locator('#assist-queue').getAttribute('data-member');
    expect(member).toBeTruthy();
    const key = 'f0e1d2c3-b4a5-4697-8899-aabbccddeeff';
    const savedAt = Date.now() - 60_000;
    await leaveInQueue(page, [
      {
        key, member, name: leftOver.name, state: 'waiting', savedAt,
        fields: [
          ['key', key], ['recorded_at', String(savedAt)], ['full_name', leftOver.name], ['citizen_id', leftOver.cid],
          ['birth_date', leftOver.birth], ['sex', 'male'], ['phone', leftOver.phone], ['street', '5 Bạch Đằng'],
          ['d1_name', ''], ['d1_birth', ''], ['d1_cid', ''], ['consent', 'yes'],
        ],
      },
      { key: 'garbled-0000000001', member, state: 'waiting', fields: 'cut sh' },
      { key: 'foreign-0000000001', hello: 'world' },
    ]);
    await page.reload();
    await waitForHydration(page);
    // the old record is read and sent with its own key; the damaged ones say so and wait to be removed
    const late = page.locator('#assist-list li', { hasText: leftOver.name });
    await expect(late).toHaveAttribute('data-state', 'pending', { timeout: 20_000 });
    const broken = page.locator('#assist-list li[data-state="broken"]');
    await expect(broken).toHaveCount(2);
    await expect(broken.first()).toContainText('Phiếu này trên máy bị hỏng hoặc không đọc được');
    await expectAccessible(page);
    await late.locator('input[name="code"]').fill(await codeFor(page.request, leftOver.e164));
    await late.getByRole('button', { name: 'Xác nhận' }).click();
    await expect(late).toHaveAttribute('data-state', 'confirmed');
    await broken.first().getByRole('button', { name: 'Xoá khỏi máy' }).click();
    await expect(broken).toHaveCount(1);
    // the same key again (a phone that never heard back): the same registration, nothing new on the server
    const resent = await page.request.post('/team/register', {
      headers: { Accept: 'application/json' },
      form: Object.fromEntries([['key', key], ['full_name', leftOver.name], ['citizen_id', leftOver.cid],
        ['birth_date', leftOver.birth], ['sex', 'male'], ['phone', leftOver.phone], ['consent', 'yes']]),
    });
    expect(resent.status()).toBe(200);
    expect(await resent.json()).toMatchObject({ state: 'confirmed', again: true });
    expect(problems).toEqual([]);
  } finally {
    await app.stop();
  }
});

test('an organization enrols its staff from a CSV with a result for each row', async ({ browser }) => {
  test.setTimeout(90_000);
  const { app } = await startWithAdministrator(PORT + 10, ADMIN.phone, 'Võ Văn Tổ');
  try {
    const page = await (await browser.newContext({ baseURL: app.url, viewport: { width: 360, height: 740 } })).newPage();
    await setUp(page);
    await page.goto('/org');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Ghi danh nhân viên');
    await expectAccessible(page);
    // a file without the ID column: refused whole
    await page.getByLabel(/Tệp danh sách/).setInputFiles({ name: 'sai.csv', mimeType: 'text/csv', buffer: Buffer.from('Họ và tên,Số điện thoại\nTrần Thị Lan,0905123456\n') });
    await page.getByRole('button', { name: 'Tải lên và ghi danh' }).click();
    await expect(page.getByRole('alert')).toContainText('thiếu cột “Số định danh”');
    const csv = '\ufeffHọ và tên;Số điện thoại;Số CCCD\n'
      + `Trần Thị Lan;0938${n};048186${n}\n`
      + `Lê Văn Sai;0905;048186000124\n`
      + `Trần Thị Lan;0938 ${n.slice(0, 3)} ${n.slice(3)};048186${n}\n`
      + `Võ Văn Tổ;${ADMIN.phone};\n`;
    await page.getByLabel(/Tệp danh sách/).setInputFiles({ name: 'nhan-vien.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Tải lên và ghi danh' }).click();
    await expect(page.getByTestId('progress')).toHaveAttribute('data-finished', 'true', { timeout: 20_000 });
    await expect(page.getByTestId('count-created')).toHaveText('1');
    await expect(page.getByTestId('count-already')).toHaveText('1');
    await expect(page.getByTestId('count-invalid')).toHaveText('2');
    await expect(page.locator('tr[data-outcome="invalid"]').first()).toContainText('Số điện thoại');
    await expect(page.locator('tr[data-outcome="already"]')).toContainText('trùng với dòng 2');
    await expectAccessible(page);
    // the results as CSV, from the page's link; the old address (the page's own plus .csv) gives the same file
    const csvLink = await page.getByRole('link', { name: 'Tải kết quả (CSV)' }).getAttribute('href');
    const download = await page.request.get(csvLink);
    expect(download.status()).toBe(200);
    const text = await download.text();
    expect(await (await page.request.get(page.url() + '.csv')).text()).toBe(text);
    expect(text).toContain('Trần Thị Lan,created');
    expect(text).toContain('Lê Văn Sai,invalid,phone');
  } finally {
    await app.stop();
  }
});
