// Journeys: a parent adds a child, uploads the child's birth certificate from a phone (a big camera photo is made
// smaller on the phone first), downloads it, and sees their own access in the child's "who saw my data"; a citizen
// completes their profile, with a wrong value refused and everything typed kept.
import { test, expect } from '@playwright/test';
import { expectAccessible, signedUp, waitForHydration, watchConsole } from './support.mjs';

test('a parent adds a child, keeps the child\'s papers from the phone, and sees the access logged', async ({ page }) => {
  const problems = watchConsole(page);
  const parent = await signedUp(page);
  await page.getByRole('link', { name: 'Gia đình và người đại diện' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Gia đình và người đại diện');
  await expectAccessible(page);

  // a wrong birth date is refused, the rest kept
  await page.getByLabel('Họ và tên').fill('nguyễn bé na');
  await page.getByLabel('Ngày sinh').fill('01/06/2008');
  await page.getByLabel('Nữ').check();
  await page.getByLabel('Cha mẹ').check();
  await page.getByRole('button', { name: 'Thêm con' }).click();
  await expect(page.getByText('Chỉ thêm được con dưới 14 tuổi')).toBeVisible();
  await expect(page.getByLabel('Họ và tên')).toHaveValue('nguyễn bé na');
  await page.getByLabel('Ngày sinh').fill('01/06/2019');
  await page.getByRole('button', { name: 'Thêm con' }).click();
  await expect(page.getByRole('status')).toContainText('Đã thêm');
  const child = page.getByTestId('dependants').getByRole('listitem').filter({ hasText: 'Nguyễn Bé Na' });
  await expect(child).toContainText('01/06/2019');

  // the parent creates the household with the address on the house plate and puts the child in it
  const address = `09${parent.e164.slice(-8)}`;
  await page.getByLabel('Địa chỉ số của hộ gia đình').fill(address);
  await page.getByRole('button', { name: 'Tạo hộ, tôi là chủ hộ' }).click();
  await expect(page.getByRole('status')).toContainText('Đã tạo hộ gia đình');
  await expect(page.getByTestId('household-address')).toHaveText(address);
  await page.getByLabel('Thêm người tôi đại diện vào hộ').selectOption({ label: 'Nguyễn Bé Na' });
  await page.getByRole('button', { name: 'Thêm vào hộ' }).click();
  await expect(page.getByTestId('household')).toContainText('Nguyễn Bé NaCon');

  // the child's documents, from the parent's phone, with the banner saying for whom
  await child.getByRole('link', { name: 'Giấy tờ' }).click();
  await expect(page.getByTestId('acting-banner')).toContainText('Bạn đang thao tác cho: Nguyễn Bé Na (Cha mẹ)');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Giấy tờ');
  await expectAccessible(page);
  await page.getByLabel('Loại giấy tờ').selectOption({ label: 'Giấy khai sinh' });
  await page.getByLabel('Số hiệu').fill('KS-2019-0815');
  const pdf = Buffer.from('%PDF-1.4\n% Giay khai sinh Nguyen Be Na\n%%EOF\n');
  // the file inputs speak Vietnamese (not the browser's "Choose File / No file chosen") and say when a file is in
  const picker = page.locator('.file').filter({ has: page.locator('#file') });
  await expect(picker.getByText('Chọn tệp', { exact: true })).toBeVisible();
  await expect(picker.getByText('Chưa chọn tệp nào')).toBeVisible();
  await page.getByLabel('Chọn tệp có sẵn').setInputFiles({ name: 'khai-sinh.pdf', mimeType: 'application/pdf', buffer: pdf });
  await expect(picker.getByText('Đã chọn tệp ✓')).toBeVisible();
  await expect(picker.getByText('Chưa chọn tệp nào')).toBeHidden();
  await page.getByRole('button', { name: 'Tải lên' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Đã lưu giấy tờ.' })).toBeVisible();
  await expect(page.getByTestId('acting-banner')).toBeVisible();

  // a camera photo larger than needed is made smaller on the phone before it is sent (by the page's WASM)
  await waitForHydration(page);
  await page.getByLabel('Loại giấy tờ').selectOption({ label: 'Thẻ bảo hiểm y tế' });
  const original = await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 3000;
    canvas.height = 2200;
    const ctx = canvas.getContext('2d');
    const image = ctx.createImageData(canvas.width, canvas.height);
    for (let i = 0; i < image.data.length; i += 4) {
      const v = (i * 7919) % 251;
      image.data[i] = v;
      image.data[i + 1] = (v * 3) % 251;
      image.data[i + 2] = (v * 7) % 251;
      image.data[i + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.95));
    const transfer = new DataTransfer();
    transfer.items.add(new File([blob], 'anh-chup.jpg', { type: 'image/jpeg' }));
    document.getElementById('photo').files = transfer.files;
    return blob.size;
  });
  expect(original).toBeGreaterThan(1.5 * 1024 * 1024);
  await page.getByRole('button', { name: 'Tải lên' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Đã lưu giấy tờ.' })).toBeVisible();
  const card = page.getByTestId('documents').getByRole('link', { name: 'Thẻ bảo hiểm y tế' });
  await card.click();
  await expect(page.getByTestId('preview')).toBeVisible();
  const photoUrl = await page.getByTestId('download').getAttribute('href');
  const stored = await page.request.get(photoUrl);
  expect(stored.headers()['content-type']).toBe('image/jpeg');
  expect((await stored.body()).length).toBeLessThan(original);
  await page.getByRole('link', { name: 'Về danh sách giấy tờ' }).click();

  // download the birth certificate: the same bytes come back
  await page.getByTestId('documents').getByRole('link', { name: 'Giấy khai sinh' }).click();
  await expect(page.getByText('KS-2019-0815')).toBeVisible();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  expect(download.suggestedFilename()).toBe('khai-sinh.pdf');
  const fs = await import('node:fs/promises');
  expect(await fs.readFile(await download.path())).toEqual(pdf);

  // the child's QR code, shown from the parent's phone
  await page.getByRole('link', { name: 'Mã QR', exact: true }).click();
  await expect(page.getByTestId('acting-banner')).toContainText('Nguyễn Bé Na');
  const qr = page.getByTestId('citizen-qr');
  await expect(qr).toBeVisible();
  expect(await qr.evaluate((img) => img.complete && img.naturalWidth > 0)).toBe(true);

  // the child's "who saw my data" names the parent and what they opened
  await page.getByRole('link', { name: 'Ai đã xem', exact: true }).click();
  const seen = page.getByTestId('seen');
  await expect(seen).toContainText(`${parent.displayName} (người giám hộ) đã mở giấy tờ: Giấy khai sinh`);
  await expect(seen).toContainText('đã mở mã QR');
  await expectAccessible(page);

  // back to the parent's own account: no banner
  await page.getByRole('link', { name: 'Về tài khoản của tôi' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tài khoản của tôi');
  await page.goto('/me/documents');
  await expect(page.getByTestId('acting-banner')).toHaveCount(0);
  await expect(page.getByText('Chưa có giấy tờ nào')).toBeVisible();
  // the refused child form answers 422 on purpose; nothing else may complain
  expect(problems.filter((p) => !p.includes('status of 422'))).toEqual([]);
});

test('a citizen completes the profile; a wrong value is refused with everything typed kept; changes are kept in the history', async ({ page }) => {
  await signedUp(page);
  await page.getByRole('link', { name: 'Hồ sơ cá nhân' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Hồ sơ công dân số');
  await expect(page.getByRole('heading', { name: 'Hồ sơ đã đầy đủ 0%' })).toBeVisible();
  await expect(page.getByText('Tự khai báo, chưa xác thực')).toBeVisible();
  await page.getByLabel('Thư điện tử').fill('tuyet@@example');
  await page.getByLabel('Nghề nghiệp', { exact: true }).fill('Giáo viên');
  await page.getByLabel('Nơi thường trú: phường, xã').selectOption({ label: 'Phường Hải Châu' });
  await page.getByLabel('Địa chỉ số của hộ gia đình').fill('0123 456 789');
  await page.getByRole('button', { name: 'Lưu hồ sơ' }).click();
  await expect(page.getByText('Thư điện tử chưa đúng')).toBeVisible();
  await expect(page.getByLabel('Nghề nghiệp', { exact: true })).toHaveValue('Giáo viên');
  await expect(page.getByLabel('Nơi thường trú: phường, xã')).toHaveValue('20242');
  await expectAccessible(page);
  await page.getByLabel('Thư điện tử').fill('tuyet@example.vn');
  await page.getByRole('button', { name: 'Lưu hồ sơ' }).click();
  await expect(page.getByRole('status')).toContainText('Đã lưu 4 thay đổi.');
  await expect(page.getByRole('heading', { name: 'Hồ sơ đã đầy đủ 44%' })).toBeVisible();
  await expect(page.getByLabel('Địa chỉ số của hộ gia đình')).toHaveValue('0123456789');
  await page.getByText('Lịch sử thay đổi').click();
  await expect(page.getByTestId('history')).toContainText('Nơi thường trú: phường, xã: — → Phường Hải Châu');
});
