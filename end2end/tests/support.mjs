// Shared helpers: how the app is started, accessibility checks, console watching.
import { execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect } from '@playwright/test';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PORT = Number(process.env.E2E_PORT || 3100);
export const BINARY = path.join(ROOT, 'target', 'release', 'congdanso');
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
  // a synthetic camera (moving test pattern), allowed without asking: the counter's scanner opens it
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

export function serverArgs(port, extra = [], log = 'info') {
  return [
    '--dev',
    ...(extra.includes('--database-url') ? [] : ['--database-url', 'mem://']),
    ...extra,
    '--bind', `127.0.0.1:${port}`,
    '--data-dir', path.join(ROOT, 'end2end', '.tmp', `data-${port}`),
    '--leptos-config', path.join(ROOT, 'Leptos.toml'),
    '--log', log,
  ];
}

export function serverCommand(port) {
  return [BINARY, ...serverArgs(port, [], 'warn')].map((a) => `'${a}'`).join(' ');
}

/** Starts a separate server (for journeys that stop it); resolves once /healthz answers. */
export async function startServer(port, extra = []) {
  const child = spawn(BINARY, serverArgs(port, extra), { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  // the server's log, kept for a failing run: end2end/.tmp/server-PORT.log
  mkdirSync(path.join(ROOT, 'end2end', '.tmp'), { recursive: true });
  const log = createWriteStream(path.join(ROOT, 'end2end', '.tmp', `server-${port}.log`));
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; log.write(d); });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    /** SIGTERM, then the exit code. */
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * A server on its own fresh embedded database whose first city administrator was made beforehand by
 * `congdanso admin create` (as on a real server). Returns the server and what the command printed.
 */
export async function startWithAdministrator(port, phone, name, extra = []) {
  const data = path.join(ROOT, 'end2end', '.tmp', `data-${port}`);
  const db = `surrealkv://${path.join(data, 'db')}`;
  rmSync(data, { recursive: true, force: true });
  const args = ['admin', 'create', '--phone', phone, '--name', name, '--data-dir', data, '--database-url', db, '--log', 'warn'];
  const printed = execFileSync(BINARY, args, { cwd: ROOT }).toString();
  return { app: await startServer(port, ['--database-url', db, ...extra]), printed };
}

/** No serious or critical accessibility violations (axe-core, WCAG 2.x A/AA rules). */
export async function expectAccessible(page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

/** Collects console errors and page errors (hydration mismatches show up here). */
export function watchConsole(page) {
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(String(err)));
  return problems;
}

/** Resolves when the WASM has hydrated the page (hydrate() marks <body data-hydrated="true">). */
export async function waitForHydration(page) {
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 15_000 });
}

// People and the sign-up journey, shared by the account specs.
let counter = 0;
/** A fresh person each time: unique phone and a citizen ID consistent with sex and birth year. */
export function person() {
  counter += 1;
  const n = String((Date.now() + counter) % 1_000_000).padStart(6, '0');
  return {
    phone: `0912 ${n.slice(0, 3)} ${n.slice(3)}`,
    e164: `+84912${n}`,
    name: 'nguyễn thị ánh tuyết',
    displayName: 'Nguyễn Thị Ánh Tuyết',
    birth: '05/09/1990',
    // 048 Đà Nẵng, 1 = female born 1900–1999, 90 = 1990
    id: `048190${n}`,
  };
}

export async function latestCode(request, e164) {
  const res = await request.get('/dev/outbox.json');
  expect(res.ok()).toBeTruthy();
  const messages = await res.json();
  const mine = messages.find((m) => m.to === e164);
  expect(mine, `no SMS to ${e164}`).toBeTruthy();
  return /(\d{6})/.exec(mine.body)[1];
}

/** Fills the sign-up form and presses "Tiếp tục". */
export async function fillSignUp(page, who) {
  await page.goto('/signup');
  await page.getByLabel('Số điện thoại di động').fill(who.phone);
  await page.getByLabel('Họ và tên').fill(who.name);
  await page.getByLabel('Ngày sinh').fill(who.birth);
  await page.getByLabel('Nữ').check();
  await page.getByLabel(/Số định danh cá nhân/).fill(who.id);
  await page.getByRole('button', { name: 'Tiếp tục' }).click();
}

/** The whole sign-up up to the code entry page. */
export async function signUp(page, who) {
  await fillSignUp(page, who);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Đồng ý sử dụng dữ liệu cá nhân');
  await page.getByLabel('Tôi đã đọc và đồng ý với các điều trên.').check();
  await page.getByRole('button', { name: 'Gửi mã OTP' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nhập mã OTP');
}


/** The code an authenticator app shows for a base32 secret (RFC 6238: HMAC-SHA1, 6 digits, 30 s), `offset` steps on. */
export function totpCode(base32, offset = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/\s+/g, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + offset));
  const hash = createHmac('sha1', key).update(counter).digest();
  const at = hash[19] & 0x0f;
  const value = ((hash[at] & 0x7f) << 24) | (hash[at + 1] << 16) | (hash[at + 2] << 8) | hash[at + 3];
  return String(value % 1_000_000).padStart(6, '0');
}

/** Signs in with the SMS code read from the development outbox (lands wherever the server sends the person). */
export async function signIn(page, who) {
  await page.goto('/signin');
  await page.getByLabel('Số điện thoại di động').fill(who.phone);
  await page.getByRole('button', { name: 'Gửi mã OTP' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nhập mã OTP');
  await page.getByLabel('Mã OTP').fill(await latestCode(page.request, who.e164));
  await page.getByRole('button', { name: 'Xác nhận' }).click();
}

/** Sets up the authenticator app on /me/security; returns its secret. */
export async function enrolApp(page) {
  const secret = (await page.getByTestId('totp-secret').textContent()).trim();
  await page.getByLabel('Mã trong ứng dụng xác thực').fill(totpCode(secret));
  await page.getByRole('button', { name: 'Bật ứng dụng xác thực' }).click();
  await expect(page.getByText('Đã bật ứng dụng xác thực.')).toBeVisible();
  return secret;
}

/** Waits until the service worker is installed and controls the page (then the page works offline). */
export async function waitForServiceWorker(page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  // the worker claims the page; wait until it controls it
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 });
}

/** A fresh person signed up and signed in (the code from the outbox), on their account page. */
export async function signedUp(page) {
  const who = person();
  await signUp(page, who);
  await page.getByLabel('Mã OTP').fill(await latestCode(page.request, who.e164));
  await page.getByRole('button', { name: 'Xác nhận' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tài khoản của tôi');
  return who;
}

/** An administrator registers an organization that checks citizens' QR codes and staffs its counter. */
export async function staffCounter(admin, organization, operatorPhone) {
  await admin.goto('/admin');
  await admin.getByLabel('Tên tổ chức').fill(organization);
  await admin.getByLabel(/kiểm tra mã QR công dân tại quầy/).check();
  await admin.getByRole('button', { name: 'Thêm tổ chức' }).click();
  await expect(admin.getByRole('status')).toHaveText('Đã thêm tổ chức.');
  const operatorForm = admin.locator('form', { has: admin.getByRole('heading', { name: 'Nhân viên quầy dịch vụ' }) });
  await operatorForm.getByLabel('Số điện thoại của người được cấp').fill(operatorPhone);
  await operatorForm.getByLabel('Đơn vị kiểm tra mã QR').selectOption({ label: organization });
  await operatorForm.getByRole('button', { name: 'Cấp vai trò' }).click();
  await expect(admin.getByRole('status')).toHaveText('Đã cấp vai trò.');
}
