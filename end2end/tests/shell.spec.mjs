// Journey: a citizen opens the site on a cheap phone, before and after the WASM arrives.
import { test, expect } from '@playwright/test';
import { expectAccessible, watchConsole } from './support.mjs';

const PAGES = ['/', '/citizen', '/team', '/ward', '/city', '/counter', '/units', '/offline'];

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the home page renders and every area is reachable by plain links', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Một tài khoản cho mọi việc');
    await expect(page.locator('html')).toHaveAttribute('lang', 'vi');
    const nav = page.getByRole('navigation', { name: 'Các khu vực' });
    await nav.getByRole('link', { name: 'Tổ công nghệ' }).click();
    await expect(page).toHaveURL(/\/team$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Dành cho tổ công nghệ số cộng đồng');
    await nav.getByRole('link', { name: 'Đơn vị hành chính' }).click();
    await expect(page).toHaveURL(/\/units$/);
    await expect(page.getByText('94 đơn vị')).toBeVisible();
  });

  test('the unit search works as a plain form, without diacritics', async ({ page }) => {
    await page.goto('/units');
    await page.getByLabel('Tìm phường, xã').fill('hai chau');
    await page.getByRole('button', { name: 'Tìm' }).click();
    await expect(page).toHaveURL(/q=hai\+chau/);
    const list = page.getByTestId('unit-list');
    await expect(list.getByText('Phường Hải Châu')).toBeVisible();
    await expect(list.locator('li')).toHaveCount(1);
    // what was typed is still in the box
    await expect(page.getByLabel('Tìm phường, xã')).toHaveValue('hai chau');
  });
});

test.describe('with JavaScript', () => {
  test('the pages without islands load no WASM, show no console errors and are accessible at 360 px', async ({ page }) => {
    const problems = watchConsole(page);
    const code = [];
    page.on('request', (request) => {
      if (/\/pkg\/.*\.(js|wasm)$/.test(new URL(request.url()).pathname)) code.push(request.url());
    });
    for (const path of PAGES) {
      await page.goto(path);
      await page.waitForLoadState('load');
      expect(code, `${path} loads browser code`).toEqual([]);
      await expect(page.locator('body[data-hydrated]')).toHaveCount(0);
      await expectAccessible(page);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${path} scrolls sideways at 360 px`).toBeLessThanOrEqual(0);
      // every area is in sight: none of the navigation's links is cut off or hidden off-screen
      const cut = await page.getByRole('navigation', { name: 'Các khu vực' }).getByRole('link').evaluateAll((links) =>
        links.filter((a) => { const r = a.getBoundingClientRect(); return r.left < 0 || r.right > window.innerWidth; })
          .map((a) => a.textContent));
      expect(cut, `${path}: navigation links cut off at 360 px`).toEqual([]);
    }
    expect(problems).toEqual([]);
  });

  test('links and the search work as plain HTML', async ({ page }) => {
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Các khu vực' }).getByRole('link', { name: 'Đơn vị hành chính' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Đơn vị hành chính');
    await page.getByLabel('Tìm phường, xã').fill('ba na');
    await page.getByRole('button', { name: 'Tìm' }).click();
    await expect(page.getByTestId('unit-list').getByText('Xã Bà Nà')).toBeVisible();
  });
});

test('unknown addresses get the 404 page with a 404 status', async ({ page }) => {
  const response = await page.goto('/khong-co-trang-nay');
  expect(response.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Không tìm thấy trang');
  await page.getByRole('link', { name: 'Về trang chủ' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Một tài khoản cho mọi việc');
});

test('development mode is clearly marked', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('note')).toContainText('Bản chạy thử');
});
