// Journey: the QR code of a chip ID card fills the form around the card scan (an island, src/qr/card_scan.rs), here
// typed into its text box as a handheld scanner or a paste does (this Chromium reads no QR codes itself, so there is
// no camera button). Every vector of src/qr/cccd_vectors.json, which the Rust test of the parser (src/qr/cccd.rs)
// also reads, fills the team's registration form with its fields, or is refused with the message of its kind
// (locales/vi.json, team.scan_err_<kind>). The box is hidden without JavaScript, never sent nor kept with the form,
// works offline, and fills /assist/move and /signup the same way.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import {
  ROOT, enrolApp, expectAccessible, signIn, startWithAdministrator, waitForHydration, waitForServiceWorker, watchConsole,
} from './support.mjs';

const PORT = 3197;
const ADMIN = { phone: '0905 444 666', e164: '+84905444666' };
const VECTORS = JSON.parse(readFileSync(path.join(ROOT, 'src', 'qr', 'cccd_vectors.json'), 'utf8'));
const TEAM = JSON.parse(readFileSync(path.join(ROOT, 'locales', 'vi.json'), 'utf8')).team;
const LABEL = TEAM.scan_field_label;
/** What the status says for a refusal of this kind: the words the page gives the island. */
const refusal = (kind) => TEAM[`scan_err_${kind}`];
/** How the status starts once the form is filled ("Đã điền từ thẻ: "). */
const FILLED = TEAM.scan_filled.split('%fields%')[0];
const textOf = (v) => v.text.repeat(v.repeat || 1);
const CARDS = VECTORS.filter((v) => typeof v.verdict === 'object');
const MARKER = 'MA-THU-KHONG-GUI';

/** The administrator creates a team in Hải Châu and joins it. */
async function becomeMember(page) {
  await signIn(page, ADMIN);
  await enrolApp(page);
  await page.goto('/admin');
  await page.getByLabel('Tên tổ', { exact: true }).fill('Tổ dân phố 9');
  await page.locator('#team-ward').selectOption({ label: 'Phường Hải Châu' });
  await page.getByRole('button', { name: 'Tạo tổ' }).click();
  await expect(page.getByRole('status')).toHaveText('Đã tạo tổ.');
  const form = page.locator('form', { has: page.getByRole('heading', { name: 'Thành viên tổ công nghệ số cộng đồng' }) });
  await form.getByLabel('Số điện thoại của người được cấp').fill(ADMIN.phone);
  await form.locator('#scope-team_member').selectOption({ label: 'Tổ dân phố 9 · Phường Hải Châu' });
  await form.getByRole('button', { name: 'Cấp vai trò' }).click();
  await expect(page.getByRole('status')).toHaveText('Đã cấp vai trò.');
}

/** Empties the fields a card fills and the box; the emptied box clears the status. */
async function reset(page) {
  await page.evaluate(() => {
    const box = document.getElementById('card-qr-text');
    const form = box.form;
    for (const name of ['citizen_id', 'full_name', 'birth_date', 'street']) {
      if (form.elements[name]) form.elements[name].value = '';
    }
    for (const radio of form.querySelectorAll('input[name="sex"]')) radio.checked = false;
    box.value = '';
    box.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await expect(page.getByTestId('card-scan-status')).toHaveText('');
}

/** The form around the box shows the vector's verdict: its fields, or the reason it is not a card's code. */
async function expectVerdict(page, v) {
  const form = page.locator('form', { has: page.locator('#card-qr-text') });
  const status = page.getByTestId('card-scan-status');
  const fields = ['citizen_id', 'full_name', 'birth_date'];
  if (typeof v.verdict === 'string') {
    if (textOf(v).trim() === '') {
      // an empty box is nothing to refuse: nothing is said, nothing is filled
      await page.waitForTimeout(1000);
      await expect(status, v.note).toHaveText('');
    } else {
      await expect(status, v.note).toHaveText(refusal(v.verdict));
    }
    for (const name of fields) await expect(form.locator(`[name="${name}"]`), v.note).toHaveValue('');
    await expect(form.locator('input[name="sex"]:checked'), v.note).toHaveCount(0);
  } else {
    await expect(status, v.note).toContainText(FILLED);
    for (const name of fields) await expect(form.locator(`[name="${name}"]`), v.note).toHaveValue(v.verdict[name]);
    await expect(form.locator(`input[name="sex"][value="${v.verdict.sex}"]`), v.note).toBeChecked();
    if (await form.locator('[name="street"]').count()) {
      await expect(form.locator('[name="street"]'), v.note).toHaveValue(v.verdict.address);
    }
    // the code's text (the ID number in it) does not stay in the box
    await expect(page.locator('#card-qr-text'), v.note).toHaveValue('');
  }
}

test('a chip card QR code typed or pasted into the card scan fills the form, or says why not', async ({ browser }) => {
  test.setTimeout(240_000);
  const { app } = await startWithAdministrator(PORT, ADMIN.phone, 'Lý Thị Quét');
  try {
    const context = await browser.newContext({ baseURL: app.url, viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    const dialogs = [];
    page.on('dialog', (dialog) => { dialogs.push(dialog.message()); dialog.dismiss(); });
    await becomeMember(page);

    // without JavaScript there is no box: the form is typed as before
    const plain = await browser.newContext({ baseURL: app.url, javaScriptEnabled: false, storageState: await context.storageState() });
    const plainPage = await plain.newPage();
    await plainPage.goto('/team/register');
    await expect(plainPage.getByRole('heading', { level: 1 })).toHaveText('Đăng ký cho người dân');
    await expect(plainPage.locator('#card-qr-text')).toBeHidden();
    await expect(plainPage.locator('#full_name')).toBeVisible();
    await plain.close();

    const problems = watchConsole(page);
    await page.goto('/team/register');
    await waitForHydration(page);
    const box = page.getByLabel(LABEL, { exact: true });
    const status = page.getByTestId('card-scan-status');
    await expect(box).toBeVisible();
    // this browser reads no QR codes itself: no camera button
    await expect(page.locator('.scan__camera')).toBeHidden();
    await expectAccessible(page);

    // every vector, pasted (one input event, as a paste or a fast scanner gives)
    for (const v of VECTORS) {
      await reset(page);
      await box.fill(textOf(v));
      await expectVerdict(page, v);
    }
    expect(dialogs, 'markup in a code never runs').toEqual([]);

    // a scanner types the code key by key and ends with Enter: the form is filled, not sent
    const classic = CARDS[0];
    await reset(page);
    await box.pressSequentially(classic.text);
    await box.press('Enter');
    await expectVerdict(page, classic);
    await expect(page.locator('#assist-list li[data-state]')).toHaveCount(0);
    // a refused code with Enter: the reason, and still nothing sent
    const wrongDay = VECTORS.find((v) => v.note.startsWith('30/02'));
    await reset(page);
    await box.pressSequentially(wrongDay.text);
    await box.press('Enter');
    await expectVerdict(page, wrongDay);
    await expect(page.locator('#assist-list li[data-state]')).toHaveCount(0);
    await expect(page).toHaveURL(/\/team\/register$/);

    // the box is not a form field: what the form posts (or queues) and the draft kept on the phone leave it out
    await reset(page);
    await box.fill(`${MARKER}|không phải thẻ`);
    await expect(status).toHaveText(refusal('format'));
    await page.locator('#full_name').fill('Trần Văn Thử');
    await page.waitForTimeout(600);
    const posted = await page.locator('#assist-form').evaluate((f) => JSON.stringify([...new FormData(f).entries()]));
    expect(posted).toContain('Trần Văn Thử');
    expect(posted).not.toContain(MARKER);
    const kept = await page.evaluate(() => JSON.stringify(Object.entries(localStorage)));
    expect(kept).toContain('Trần Văn Thử');
    expect(kept).not.toContain(MARKER);
    expect(problems).toEqual([]);

    // the page kept for use without network reads cards too: the parser is in the WASM, nothing is fetched
    await waitForServiceWorker(page);
    await page.goto('/team/register');
    await context.setOffline(true);
    await page.goto('/team/register');
    await waitForHydration(page);
    await reset(page);
    await box.fill(textOf(CARDS[1]));
    await expectVerdict(page, CARDS[1]);
    await context.setOffline(false);

    // the helper's move form: the same box fills its fields (it has no address field)
    await page.goto('/assist/move');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Chuyển tài khoản sang số mới');
    await waitForHydration(page);
    await reset(page);
    await box.fill(textOf(CARDS[2]));
    await expectVerdict(page, CARDS[2]);
    await expectAccessible(page);
    await context.close();

    // sign-up: the box beside the card photo fills the form; a refused text left in it is not posted
    const visitor = await browser.newContext({ baseURL: app.url, viewport: { width: 360, height: 740 } });
    const signup = await visitor.newPage();
    await signup.goto('/signup');
    await waitForHydration(signup);
    const card = CARDS[1];
    await reset(signup);
    await signup.getByLabel(LABEL, { exact: true }).fill(textOf(card));
    await expectVerdict(signup, card);
    await expect(signup.getByLabel('Họ và tên')).toHaveValue(card.verdict.full_name);
    await expect(signup.getByLabel('Nữ')).toBeChecked();
    await expect(signup.getByRole('button', { name: 'Điền từ ảnh thẻ' })).toBeVisible();
    await expectAccessible(signup);
    await signup.getByLabel('Số điện thoại di động').fill('0905 123 000');
    await signup.getByLabel(LABEL, { exact: true }).fill(`${MARKER}|không phải thẻ`);
    await expect(signup.getByTestId('card-scan-status')).toHaveText(refusal('format'));
    const [post] = await Promise.all([
      signup.waitForRequest((r) => r.method() === 'POST'),
      signup.getByRole('button', { name: 'Tiếp tục' }).click(),
    ]);
    expect(post.postData()).toContain(`citizen_id=${card.verdict.citizen_id}`);
    expect(post.postData()).not.toContain(MARKER);
    await signup.waitForLoadState();
    await visitor.close();
  } finally {
    await app.stop();
  }
});
