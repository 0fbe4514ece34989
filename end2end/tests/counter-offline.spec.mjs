// Journey: the counter with no network checks a citizen's QR code in the browser, by the very rule the server runs
// (src/qr/verify.rs, compiled to WASM in the island src/qr/counter_scan.rs). Every vector of src/qr/token_vectors.json,
// which the Rust tests also check, is pasted into the counter's box with the network off and must get the verdict
// written there: valid ones show what the citizen disclosed and that revocation was not checked; the others say why
// not. Twice: with the browser's WebCrypto Ed25519, and as in a browser without it (the verify-only fallback). Keys
// kept damaged on the device give a clear message, never a broken page. The vectors are signed by a fixed key: this
// server trusts and publishes it (--dev-trust-qr-key), so the page keeps it as it keeps the server's own keys.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import {
  ROOT,
  enrolApp,
  expectAccessible,
  signIn,
  staffCounter,
  startWithAdministrator,
  waitForHydration,
  waitForServiceWorker,
  watchConsole,
} from './support.mjs';

const PORT = 3198;
const OPERATOR = { phone: '0905 333 444', e164: '+84905333444' };
const VECTORS = JSON.parse(readFileSync(path.join(ROOT, 'src', 'qr', 'token_vectors.json'), 'utf8'));
const VI = JSON.parse(readFileSync(path.join(ROOT, 'locales', 'vi.json'), 'utf8'));
const WORDS = VI.counter;
/** What the verdict says for each refusal with no network: the words the page gives the island. */
const REFUSAL = {
  malformed: WORDS.reason_malformed,
  unknown_key: WORDS.offline_unknown_key,
  bad_signature: WORDS.reason_signature,
  expired: WORDS.reason_expired,
  not_yet_valid: WORDS.reason_not_yet,
  card: WORDS.offline_card,
  no_text: WORDS.offline_photo,
  keys_damaged: WORDS.offline_keys_damaged,
};
const KEPT = 'cds-qr-keys';
/** Set in sessionStorage, the page's WebCrypto refuses Ed25519 keys, as a browser without Ed25519 does. */
const NO_ED25519 = 'cds-test-no-ed25519';

/** What the verdict lists of a valid vector's claims, in the page's order. */
function shownClaims(c) {
  const shown = [];
  if (c.full_name) shown.push(c.full_name);
  if (c.birth_year) shown.push(String(c.birth_year));
  if (c.birth_date) shown.push(c.birth_date.split('-').reverse().join('/'));
  if (c.sex) shown.push(c.sex === 'male' ? VI.auth.sex_male : VI.auth.sex_female);
  if (c.citizen_id) shown.push(c.citizen_id);
  if (c.over_18 !== undefined) shown.push(c.over_18 ? WORDS.adult_yes : WORDS.adult_no);
  return shown;
}

/** Pastes a text into the counter's box and presses the button of a pasted code; answers the verdict shown. */
async function check(desk, text) {
  await desk.getByLabel(/Hoặc dán mã dạng chữ/).fill(text);
  await desk.getByRole('button', { name: 'Kiểm tra mã đã dán' }).click();
  return desk.getByTestId('verdict');
}

/** The verdict is the vector's: its name, its title, and its claims or its reason in words. */
async function expectVerdict(verdict, v) {
  await expect(verdict, v.note).toHaveAttribute('data-verdict', v.verdict);
  const title = verdict.locator('.verdict__title');
  if (v.verdict === 'valid') {
    await expect(title, v.note).toHaveText(`✓ ${WORDS.valid}`);
    await expect(verdict, v.note).toHaveAttribute('role', 'status');
    await expect(verdict, v.note).toContainText(WORDS.offline_note);
    await expect(verdict, v.note).toContainText(v.level === 2 ? VI.me.level_2 : VI.me.level_1);
    await expect(verdict.locator('dd'), v.note).toHaveText(shownClaims(v.claims));
  } else {
    await expect(title, v.note).toHaveText(`✗ ${WORDS.invalid}`);
    await expect(verdict, v.note).toHaveAttribute('role', 'alert');
    await expect(verdict, v.note).toContainText(REFUSAL[v.verdict]);
    await expect(verdict.locator('dd'), v.note).toHaveCount(0);
  }
}

test('with no network the counter gives every shared token vector the verdict the Rust tests give it', async ({ browser }) => {
  test.setTimeout(240_000);
  const { app } = await startWithAdministrator(PORT, OPERATOR.phone, 'Phan Thị Ngoại Tuyến', [
    '--dev-trust-qr-key',
    VECTORS.trusted.public_key,
  ]);
  try {
    const context = await browser.newContext({ baseURL: app.url });
    // counts the page's Ed25519 keys imported by WebCrypto, and refuses them when the test says so
    await context.addInitScript((flag) => {
      const subtle = globalThis.crypto && globalThis.crypto.subtle;
      globalThis.__ed25519 = { imported: 0, refused: 0 };
      if (!subtle) return;
      const importKey = subtle.importKey.bind(subtle);
      subtle.importKey = (format, data, algorithm, ...rest) => {
        const name = String(typeof algorithm === 'string' ? algorithm : algorithm && algorithm.name).toLowerCase();
        if (name === 'ed25519') {
          if (sessionStorage.getItem(flag) === 'yes') {
            globalThis.__ed25519.refused += 1;
            return Promise.reject(new DOMException('Unrecognized algorithm name', 'NotSupportedError'));
          }
          globalThis.__ed25519.imported += 1;
        }
        return importKey(format, data, algorithm, ...rest);
      };
    }, NO_ED25519);
    const desk = await context.newPage();

    // the administrator registers an organization and staffs its counter with themself
    await signIn(desk, OPERATOR);
    await enrolApp(desk);
    await staffCounter(desk, 'Bưu điện Hải Châu', OPERATOR.phone);

    // without JavaScript the form is a plain form: no camera, and the server checks the pasted code (it trusts the
    // vectors' key here, so its refusal is about the time or the citizen, not the key)
    const plain = await browser.newContext({ baseURL: app.url, javaScriptEnabled: false, storageState: await context.storageState() });
    const plainPage = await plain.newPage();
    await plainPage.goto('/counter/scan');
    await expect(plainPage.getByRole('heading', { level: 1 })).toHaveText('Kiểm tra mã QR công dân');
    await expect(plainPage.getByRole('button', { name: 'Quét bằng máy ảnh' })).toBeHidden();
    const plainVerdict = await check(plainPage, VECTORS.vectors[0].text);
    await expect(plainVerdict).toContainText(`✗ ${WORDS.invalid}`);
    await expect(plainVerdict).not.toContainText(WORDS.reason_key);
    await plain.close();

    // online, the page keeps the server's public keys, the vectors' key among them
    const problems = watchConsole(desk);
    await desk.goto('/counter/scan');
    await waitForHydration(desk);
    await expect.poll(() => desk.evaluate((key) => localStorage.getItem(key) || '', KEPT)).toContain(VECTORS.trusted.public_key);
    const kept = JSON.parse(await desk.evaluate((key) => localStorage.getItem(key), KEPT));
    expect(kept.keys.length, 'the server key and the vectors key').toBe(2);
    expect(JSON.stringify(kept)).not.toContain(VECTORS.foreign.public_key);
    // the service worker keeps the page and its WASM for use with no network
    await waitForServiceWorker(desk);
    await desk.goto('/counter/scan');
    await waitForHydration(desk);

    // no network; the page's clock at the moment the vectors were made for
    await desk.clock.setFixedTime(new Date(VECTORS.now * 1000));
    await context.setOffline(true);
    await desk.goto('/counter/scan');
    await expect(desk.getByRole('heading', { level: 1 })).toHaveText('Kiểm tra mã QR công dân');
    await waitForHydration(desk);

    // WebCrypto's Ed25519 (this Chromium has it)
    for (const v of VECTORS.vectors) {
      await expectVerdict(await check(desk, v.text), v);
    }
    let used = await desk.evaluate(() => globalThis.__ed25519);
    expect(used.imported, 'WebCrypto checked the signatures').toBeGreaterThan(0);
    expect(used.refused).toBe(0);
    const valid = VECTORS.vectors.find((v) => v.verdict === 'valid');
    await expectVerdict(await check(desk, valid.text), valid);
    await expectAccessible(desk);

    // a browser without Ed25519 in WebCrypto: the fallback gives every vector the same verdict
    await desk.evaluate((flag) => sessionStorage.setItem(flag, 'yes'), NO_ED25519);
    await desk.goto('/counter/scan');
    await waitForHydration(desk);
    for (const v of VECTORS.vectors) {
      await expectVerdict(await check(desk, v.text), v);
    }
    used = await desk.evaluate(() => globalThis.__ed25519);
    expect(used.refused, 'WebCrypto refused Ed25519, the fallback checked').toBeGreaterThan(0);
    expect(used.imported).toBe(0);

    // keys kept damaged: said so, nothing breaks; nothing kept: the device has no key for the code
    for (const damaged of ['không phải JSON', '[]', '{"keys":"none"}', '{"keys":[{"kid":"zz","public_key":"?"}]}']) {
      await desk.evaluate(([key, value]) => localStorage.setItem(key, value), [KEPT, damaged]);
      await expectVerdict(await check(desk, valid.text), { ...valid, verdict: 'keys_damaged', note: `kept: ${damaged}` });
    }
    await desk.evaluate((key) => localStorage.removeItem(key), KEPT);
    await expectVerdict(await check(desk, valid.text), { ...valid, verdict: 'unknown_key', note: 'nothing kept' });
    expect(problems.filter((p) => /panicked|unreachable|RuntimeError/i.test(p))).toEqual([]);
    await context.setOffline(false);
    await context.close();
  } finally {
    await app.stop();
  }
});
