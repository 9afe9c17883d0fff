// Opens the dashboard in headless Chromium after a wait and saves a screenshot.
// Usage: node scripts/dashboard-screenshot.ts <dashboard-url> <out.png> [waitSeconds=30] [viewportWidth=1400]
// Exits non-zero only on a real error: the page failing to load, a console error, a failed request, or no chart drawn.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium } from 'playwright-core';

const [url, out = 'test-output/dashboard.png', wait = '30', width = '1400'] = process.argv.slice(2);
if (url === undefined) {
  console.error('usage: node scripts/dashboard-screenshot.ts <dashboard-url> <out.png> [waitSeconds] [viewportWidth]');
  process.exit(2);
}
await new Promise((r) => setTimeout(r, Number(wait) * 1000));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: Number(width), height: 2400 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  const res = await page.goto(url);
  if (res === null || !res.ok()) throw new Error(`GET ${url} answered ${res?.status()}`);
  await page.waitForFunction(() => Number(document.getElementById('status')?.dataset.samples ?? 0) > 0, undefined, {
    timeout: 20_000,
  });
  await page.waitForTimeout(1000);
  const drawn = await page.$$eval('.chart', (els) =>
    els.filter((e) => Number((e as HTMLElement).dataset.points ?? 0) > 0).map((e) => e.id),
  );
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`dashboard screenshot: ${out} (${drawn.length} charts with data: ${drawn.join(' ')})`);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  if (drawn.length === 0) throw new Error('no chart has data');
} finally {
  await browser.close();
}
