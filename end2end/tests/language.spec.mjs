// Journey: an English-speaking resident switches the language, with and without JavaScript.
import { test, expect } from '@playwright/test';

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the switch goes through the server, keeps the page and is remembered', async ({ page, context }) => {
    await page.goto('/units?q=hai+chau');
    await page.getByRole('link', { name: 'English' }).click();
    await expect(page).toHaveURL(/\/units\?q=hai\+chau$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Administrative units');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'i18n_pref_locale')?.value).toBe('en');
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('One account for everything');
    await page.getByRole('link', { name: 'Tiếng Việt' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Một tài khoản cho mọi việc');
  });
});

test.describe('with JavaScript', () => {
  test('the switch keeps the page and survives a reload', async ({ page }) => {
    await page.goto('/units?q=hai+chau');
    await page.getByRole('link', { name: 'English' }).click();
    await expect(page).toHaveURL(/\/units\?q=hai\+chau$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Administrative units');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await page.reload();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Administrative units');
  });
});

test('the browser language is the first guess', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('One account for everything');
  await context.close();
});
