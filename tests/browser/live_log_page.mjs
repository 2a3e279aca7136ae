// Opens a running deployment's live log page in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core) and checks that terraform's output appears while the page stays
// open, without a reload; then lets the job finish and checks the page says so and the stored
// log is served afterwards.
//
//   node live_log_page.mjs PAGE_URL GO_FILE
//
// The job's terraform (the test double) prints "planning: waiting for GO_FILE" every tick until
// GO_FILE exists; this script creates it. Exit 0 when every check held; messages say what failed.
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const [url, goFile] = process.argv.slice(2);
if (!url || !goFile) {
  console.error('usage: node live_log_page.mjs PAGE_URL GO_FILE');
  process.exit(2);
}

function fail(message) {
  console.error(`browser: FAIL: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
});
try {
  const page = await browser.newPage();
  const response = await page.goto(url);
  if (response.status() !== 200) fail(`the page answered ${response.status()}`);
  // A marker that a reload would wipe: the lines must arrive into this very document.
  await page.evaluate(() => { window.strataMarker = 'still-the-same-page'; });
  const lines = () => page.$eval('#log', (el) => el.textContent.split('\n').filter(Boolean));
  const waitingLines = async () =>
    (await lines()).filter((l) => l.startsWith('planning: waiting for')).length;

  await page.waitForFunction(
    () => document.getElementById('log').textContent.includes('planning: waiting for'),
    null, { timeout: 30000 }).catch(() => fail('terraform output never appeared on the page'));
  const first = await waitingLines();
  await page.waitForFunction(
    (n) => document.getElementById('log').textContent.split('\n')
      .filter((l) => l.startsWith('planning: waiting for')).length >= n + 5,
    first, { timeout: 15000 })
    .catch(() => fail(`no new lines appeared live (stayed at ${first})`));
  const second = await waitingLines();
  console.log(`browser: ${first} then ${second} "waiting" lines while the page stayed open`);
  if (await page.$eval('#status', (el) => el.textContent) === 'finished')
    fail('the page says finished while the job runs');

  writeFileSync(goFile, 'go\n');
  await page.waitForFunction(
    () => document.getElementById('status').textContent === 'finished', null, { timeout: 60000 })
    .catch(() => fail('the page never said the deployment finished'));
  const all = (await lines()).join('\n');
  for (const wanted of ['Plan: 1 to add', 'Apply complete! Resources: 1 added']) {
    if (!all.includes(wanted)) fail(`the live page lacks "${wanted}"`);
  }
  if (await page.evaluate(() => window.strataMarker) !== 'still-the-same-page')
    fail('the page was reloaded');
  console.log(`browser: ${(await lines()).length} lines arrived live, then "finished"`);

  // Opened again after the end: the stored log, in the page itself (no script needed).
  const after = await browser.newPage({ javaScriptEnabled: false });
  await after.goto(url);
  const stored = await after.$eval('#log', (el) => el.textContent);
  if (!stored.includes('Apply complete!') || !stored.includes('planning: waiting for'))
    fail('the finished page does not show the stored log');
  console.log('browser: the finished deployment\'s page shows the stored log');
} finally {
  await browser.close();
}
