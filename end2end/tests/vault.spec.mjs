// Journeys: a large picture is made smaller on the phone before it is sent, with the upload's progress shown; a
// file named .jpg that is no picture is sent as it is and the server says why it is refused, with what was typed
// kept; an upload that cannot reach the server leaves the form as it was, to try again; without WASM the form
// posts the file as it is.
import { deflateSync } from 'node:zlib';
import { test, expect } from '@playwright/test';
import { expectAccessible, signedUp, waitForHydration, watchConsole } from './support.mjs';

/** CRC-32 of a PNG chunk (type and data). */
function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An RGB PNG of width × height: soft gradients with a little noise, like a phone's photo of a paper (3000 × 2000 ≈ 3.5 MB). */
function png(width, height) {
  const row = width * 3 + 1;
  const raw = Buffer.alloc(row * height);
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    raw[y * row] = 0; // no filter
    for (let x = 0; x < width; x++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const noise = (seed >>> 24) & 1;
      const i = y * row + 1 + x * 3;
      raw[i] = ((x * 255) / width + noise) & 0xff;
      raw[i + 1] = ((y * 255) / height + noise) & 0xff;
      raw[i + 2] = (((x + y) * 127) / (width + height) + 64) & 0xff;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A JPEG's width and height, from its frame header. */
function jpegSize(bytes) {
  let i = 2;
  while (i + 9 < bytes.length && bytes[i] === 0xff) {
    const marker = bytes[i + 1];
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { width: bytes.readUInt16BE(i + 7), height: bytes.readUInt16BE(i + 5) };
    }
    i += 2 + bytes.readUInt16BE(i + 2);
  }
  return null;
}

/**
 * Records what the upload's progress bar and status say, as the page changes them: the server's answer replaces
 * the page right after, so the test cannot look afterwards. Call once per page; `observeUpload` for each form.
 */
async function recordUploads(page) {
  const seen = { states: [], values: [], said: [] };
  await page.exposeFunction('uploadSeen', (state, value, said) => {
    seen.states.push(state);
    seen.values.push(value);
    seen.said.push(said);
  });
  return seen;
}

async function observeUpload(page) {
  await page.evaluate(() => {
    const bar = document.getElementById('upload-progress');
    const status = document.getElementById('upload-status');
    const report = () => window.uploadSeen(bar.dataset.state || '', bar.getAttribute('value'), status.textContent);
    new MutationObserver(report).observe(bar, { attributes: true });
    new MutationObserver(report).observe(status, { childList: true, characterData: true, subtree: true });
  });
}

test('a large picture is made smaller on the phone, and its upload shows how far it is', async ({ page }) => {
  const problems = watchConsole(page);
  await signedUp(page);
  const seen = await recordUploads(page);
  await page.goto('/me/documents');
  await waitForHydration(page);
  await expectAccessible(page);
  await expect(page.locator('#upload-progress')).toBeHidden();

  const original = png(3000, 2000);
  expect(original.length).toBeGreaterThan(1.5 * 1024 * 1024);
  await page.getByLabel('Loại giấy tờ').selectOption({ label: 'Giấy tờ khác' });
  await page.getByLabel('Chọn tệp có sẵn').setInputFiles({ name: 'giay-to.png', mimeType: 'image/png', buffer: original });
  await observeUpload(page);
  await page.getByRole('button', { name: 'Tải lên' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Đã lưu giấy tờ.' })).toBeVisible();
  // made smaller first, then sent, the bar full at the end (the page's reports may still be on their way)
  await expect.poll(() => seen.states).toContain('done');
  expect(seen.states).toContain('shrinking');
  expect(seen.said).toContain('Đang thu nhỏ ảnh…');
  expect(seen.values).toContain('100');
  expect(seen.states.indexOf('shrinking')).toBeLessThan(seen.states.indexOf('done'));
  // the page shown is the one the server sent the browser to, and it works as after a plain post
  await expect(page).toHaveURL(/\/me\/documents$/);
  await waitForHydration(page);

  // what the server keeps is a JPEG, smaller than the file chosen, its longest side 2000 px
  await page.getByTestId('documents').getByRole('link', { name: 'Giấy tờ khác' }).click();
  await expect(page.getByTestId('versions')).toContainText('giay-to.jpg');
  const stored = await page.request.get(await page.getByTestId('download').getAttribute('href'));
  expect(stored.headers()['content-type']).toBe('image/jpeg');
  const bytes = await stored.body();
  expect(bytes.length).toBeLessThan(original.length);
  expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  expect(jpegSize(bytes)).toEqual({ width: 2000, height: 1333 });
  expect(problems).toEqual([]);
});

test('a file named .jpg that is no picture is sent as it is, and the server says why it is refused', async ({ page }) => {
  const problems = watchConsole(page);
  await signedUp(page);
  const seen = await recordUploads(page);
  await page.goto('/me/documents');
  await waitForHydration(page);
  await page.getByLabel('Loại giấy tờ').selectOption({ label: 'Văn bằng, chứng chỉ' });
  await page.getByLabel('Số hiệu').fill('B-2024-77');
  // larger than 1.5 MB, so the phone tries to make it smaller, and cannot read it
  const fake = Buffer.alloc(2 * 1024 * 1024, 'không phải ảnh ');
  await page.getByLabel('Chọn tệp có sẵn').setInputFiles({ name: 'anh-chup.jpg', mimeType: 'image/jpeg', buffer: fake });
  await observeUpload(page);
  await page.getByRole('button', { name: 'Tải lên' }).click();
  await expect(page.getByText('Tệp này không phải PDF, JPEG, PNG hay WebP (dù tên tệp là gì). Hãy chọn tệp khác.')).toBeVisible();
  await expect.poll(() => seen.states).toContain('done');
  expect(seen.said.join('\n')).toContain('Không thu nhỏ được ảnh này trên máy, nên tệp gốc được gửi nguyên vẹn');
  // everything typed is kept; nothing was stored
  await expect(page.getByLabel('Số hiệu')).toHaveValue('B-2024-77');
  await expect(page.getByLabel('Loại giấy tờ')).toHaveValue('diploma');
  await expect(page.getByText('Chưa có giấy tờ nào')).toBeVisible();
  expect(problems).toEqual([]);
});

test('an upload that cannot reach the server leaves the form as it was, to send again', async ({ page }) => {
  await signedUp(page);
  await page.goto('/me/documents');
  await waitForHydration(page);
  await page.getByLabel('Loại giấy tờ').selectOption({ label: 'Giấy khai sinh' });
  await page.getByLabel('Số hiệu').fill('KS-2020-0001');
  const pdf = Buffer.from('%PDF-1.4\n% Giay khai sinh\n%%EOF\n');
  await page.getByLabel('Chọn tệp có sẵn').setInputFiles({ name: 'khai-sinh.pdf', mimeType: 'application/pdf', buffer: pdf });
  const offline = (route) => (route.request().method() === 'POST' ? route.abort('internetdisconnected') : route.continue());
  await page.route('**/me/documents', offline);
  await page.getByRole('button', { name: 'Tải lên' }).click();
  await expect(page.locator('#upload-status')).toHaveText('Gửi không thành công. Kiểm tra kết nối mạng rồi thử lại; những gì bạn nhập vẫn còn.');
  await expect(page.locator('#upload-progress')).toBeHidden();
  await expect(page.getByLabel('Số hiệu')).toHaveValue('KS-2020-0001');
  await expect(page.locator('.file').filter({ has: page.locator('#file') }).getByText('Đã chọn tệp ✓')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Tải lên' })).toBeEnabled();

  // the network is back: the same form, sent again
  await page.unroute('**/me/documents', offline);
  await page.getByRole('button', { name: 'Tải lên' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Đã lưu giấy tờ.' })).toBeVisible();
  await expect(page.getByTestId('documents')).toContainText('KS-2020-0001');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the upload form posts the file as it is', async ({ page }) => {
    await signedUp(page);
    await page.goto('/me/documents');
    const original = png(3000, 2000);
    await page.getByLabel('Loại giấy tờ').selectOption({ label: 'Giấy tờ khác' });
    await page.getByLabel('Chọn tệp có sẵn').setInputFiles({ name: 'giay-to.png', mimeType: 'image/png', buffer: original });
    await page.getByRole('button', { name: 'Tải lên' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Đã lưu giấy tờ.' })).toBeVisible();
    await page.getByTestId('documents').getByRole('link', { name: 'Giấy tờ khác' }).click();
    await expect(page.getByTestId('versions')).toContainText('giay-to.png');
    const stored = await page.request.get(await page.getByTestId('download').getAttribute('href'));
    expect(stored.headers()['content-type']).toBe('image/png');
    expect((await stored.body()).equals(original)).toBe(true);
  });
});
