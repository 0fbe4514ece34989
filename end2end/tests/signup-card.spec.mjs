// Journey: signing up by photographing the QR code on the chip ID card. The card fills name, birth date, sex and
// ID number; the phone as typed stays; a photo without a card code is refused in words, and nothing typed is lost.
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { ROOT, expectAccessible } from './support.mjs';

const CARD_PHOTO = path.join(ROOT, 'end2end', 'fixtures', 'cccd-qr.png');
const NOT_A_CODE = path.join(ROOT, 'public', 'icons', 'icon-192.png');

test('the chip ID card QR fills the sign-up form', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto('/signup');
  await page.getByLabel('Số điện thoại di động').fill('0905 123 987');
  await page.getByLabel('Họ và tên').fill('Tên gõ tạm');

  // a picture without any QR code: told so, and the typed values stay
  await page.getByLabel('Chụp mã QR ở mặt trước thẻ căn cước').setInputFiles(NOT_A_CODE);
  await page.getByRole('button', { name: 'Điền từ ảnh thẻ' }).click();
  await expect(page.getByRole('alert')).toContainText('Không đọc được mã QR trong ảnh thẻ');
  await expect(page.getByLabel('Số điện thoại di động')).toHaveValue('0905 123 987');
  await expect(page.getByLabel('Họ và tên')).toHaveValue('Tên gõ tạm');

  await page.getByLabel('Chụp mã QR ở mặt trước thẻ căn cước').setInputFiles(CARD_PHOTO);
  await page.getByRole('button', { name: 'Điền từ ảnh thẻ' }).click();
  // (the page has a second status line now: the card scan's, for a QR code read in the browser)
  await expect(page.getByRole('status').filter({ hasText: 'Đã điền thông tin từ thẻ căn cước' })).toBeVisible();
  await expect(page.getByLabel('Số điện thoại di động')).toHaveValue('0905 123 987');
  await expect(page.getByLabel('Họ và tên')).toHaveValue('Nguyễn Thị Ánh Tuyết');
  await expect(page.getByLabel(/Ngày sinh/)).toHaveValue('12/03/1990');
  await expect(page.getByLabel('Nữ')).toBeChecked();
  await expect(page.getByLabel(/Số định danh cá nhân/)).toHaveValue('048190001234');
  await expectAccessible(page);

  // the filled form goes on to the consent step as if typed
  await page.getByRole('button', { name: 'Tiếp tục' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/Đồng ý/);
});
