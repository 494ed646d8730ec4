// The operator console in headless Chromium against the built server (dist/main.js) with its
// embedded store and demo pipelines, plus pipelines on Ceph RGW: the page lists the pipelines,
// shows a sync's progress and result, a standby's lag, activates a standby through its button, and
// asks for the API key when one is configured. Screenshots go to .test-results/screenshots/.
// page.evaluate callbacks run in the browser; the server's TypeScript program has no DOM types
// (they would clash with Node's fetch), so the few globals they use are declared loosely here.
/* eslint-disable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return */
declare const document: any;
declare const window: any;
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CEPH_S3, createTestBucket, makeTempDir } from '@feldera-sync/test-utils';
import type { TempDir, TestBucket } from '@feldera-sync/test-utils';
import { client, startServerProcess } from '../harness.js';
import type { ServerProcess } from '../harness.js';
import {
  contrastProblems,
  describeInBrowser,
  launchChromium,
  openPage,
  screenshot,
  unlabelledControls,
} from './browser.js';

type Client = ReturnType<typeof client>;

function cephConfig(location: string, sync: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    storage: {
      backend: {
        name: 'file',
        config: {
          sync: {
            endpoint: CEPH_S3.endpoint,
            bucket: location,
            provider: 'Ceph',
            access_key: CEPH_S3.accessKey,
            secret_key: CEPH_S3.secretKey,
            start_from_checkpoint: 'latest',
            ...sync,
          },
        },
      },
    },
  };
}

const card = (page: Page, name: string) => page.locator(`article.card[data-name="${name}"]`);
const field = (page: Page, name: string, key: string) =>
  card(page, name).locator(`dd[data-field="${key}"]`);

/** Waits (bounded) until `read` answers something `ok` accepts; returns it. */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T = await read();
  while (!ok(last)) {
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${ms} ms; last: ${String(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}

async function checkpointAndSync(c: Client, name: string, rows: unknown[]): Promise<string> {
  expect((await c.ingress(name, 't', rows)).status).toBe(200);
  expect((await c.checkpoint(name)).status).toBe(200);
  return (await c.syncAndWait(name)).uuid;
}

describeInBrowser('operator console in Chromium', () => {
  let dir: TempDir;
  let server: ServerProcess;
  let c: Client;
  let browser: Browser;
  let bucket: TestBucket;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    dir = await makeTempDir('feldera-sync-console-');
    [server, browser, bucket] = await Promise.all([
      startServerProcess({ dataDir: join(dir.path, 'data'), args: ['--embedded-s3', '--demo'] }),
      launchChromium(),
      createTestBucket(CEPH_S3),
    ]);
    c = client(server.url);
    await c.waitForStatus('demo', 'Running');
    await c.waitForStatus('demo-standby', 'Standby');
  });
  afterAll(async () => {
    const failed = server?.logs.filter((l) => l.msg === 'request failed') ?? [];
    if (failed.length > 0)
      console.warn(`[console browser tests] server errors: ${JSON.stringify(failed)}`);
    await browser?.close();
    await server?.stop();
    await bucket?.remove();
    await dir?.cleanup();
    console.info(`[console browser tests] timings (ms): ${JSON.stringify(timings)}`);
  });

  it('lists the demo pipelines with their role, status and checkpoints, accessibly', async () => {
    const { page, problems, context } = await openPage(browser);
    const started = Date.now();
    await page.goto(`${server.url}/`);
    await card(page, 'demo').waitFor();
    await card(page, 'demo-standby').waitFor();
    timings.firstRender = Date.now() - started;
    expect(await card(page, 'demo').locator('.role').textContent()).toBe('Primary');
    expect(await card(page, 'demo-standby').locator('.role').textContent()).toBe('Standby');
    expect(await field(page, 'demo', 'status').textContent()).toBe('Running');
    expect(await field(page, 'demo-standby', 'status').textContent()).toBe('Standby');
    const incarnation = String((await c.status('demo')).body.incarnation_uuid);
    expect(await field(page, 'demo', 'incarnation').getAttribute('title')).toBe(incarnation);
    expect(await page.locator('#counts').textContent()).toBe(
      '2 pipelines: 1 primary, 1 standby, 0 stopped, 0 failed',
    );
    // The bucket is read in the background: its newest checkpoint (none yet) and then the timeline.
    await until(
      () => field(page, 'demo', 'remote').textContent(),
      (t) => t === 'none in feldera-sync/demo',
    );
    expect(await card(page, 'demo').locator('.actions button').allTextContents()).toEqual([
      'Checkpoint',
      'Sync',
      'Stop',
    ]);
    expect(await card(page, 'demo-standby').locator('.actions button').allTextContents()).toEqual([
      'Activate',
      'Stop',
    ]);
    await until(
      () => card(page, 'demo').locator('figcaption').textContent(),
      (t) => t?.startsWith('No checkpoints') ?? false,
    );
    expect(await contrastProblems(page)).toEqual([]);
    expect(await unlabelledControls(page)).toEqual([]);
    expect(await page.locator('#connection').textContent()).toMatch(/^Live/);
    await screenshot(page, '01-overview');
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows a sync's progress bar while it runs, then its result and timeline point", async () => {
    const location = `${bucket.bucket}/bulk`;
    // rclone's own bandwidth limit makes the push take seconds, so the bar is seen moving.
    await c.put('bulk', cephConfig(location, { flags: ['--bwlimit', '1M'] }));
    await c.start('bulk');
    await c.waitForStatus('bulk', 'Running');
    const pad = 'x'.repeat(1000);
    for (let b = 0; b < 5; b++) {
      const rows = Array.from({ length: 1000 }, (_, i) => ({ insert: { i: b * 1000 + i, pad } }));
      expect((await c.ingress('bulk', 't', rows)).status).toBe(200);
    }
    expect((await c.checkpoint('bulk')).status).toBe(200);

    const { page, problems, context } = await openPage(browser);
    await page.goto(`${server.url}/`);
    const sync = card(page, 'bulk').getByRole('button', { name: 'Sync bulk' });
    await until(
      () => sync.isEnabled(),
      (v) => v,
    );
    await sync.click();
    const dialog = page.locator('dialog#confirm');
    await dialog.waitFor();
    expect(await dialog.locator('h2').textContent()).toBe('Sync bulk now?');
    await screenshot(page, '02-sync-confirm', false);
    const clicked = Date.now();
    await dialog.getByRole('button', { name: 'Sync now' }).click();

    const transfer = card(page, 'bulk').locator('.transfer');
    await transfer.waitFor({ state: 'visible', timeout: 20_000 });
    const fractions: number[] = [];
    let detail = '';
    // Sample the bar until the push ends (bounded by the wait below).
    const sampleUntil = Date.now() + 60_000;
    while ((await transfer.isVisible()) && Date.now() < sampleUntil) {
      const value = Number(await transfer.locator('progress').getAttribute('value'));
      if (value > 0 && value < 1 && !fractions.includes(value)) {
        fractions.push(value);
        detail = (await transfer.locator('.transfer-detail').textContent()) ?? '';
        if (fractions.length === 1) await screenshot(page, '03-sync-progress');
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    timings.syncSeenRunning = Date.now() - clicked;
    expect(fractions.length, 'the bar showed the push between 0% and 100%').toBeGreaterThanOrEqual(
      1,
    );
    expect(detail).toMatch(/^[\d.]+ [KM]?B of [\d.]+ MB · \d+\/\d+ files · [\d.]+ [KM]?B\/s/);
    expect(await transfer.locator('.transfer-label').textContent()).toMatch(
      /^Pushing …[0-9a-f]{8} \(/,
    );

    await until(
      () => field(page, 'bulk', 'manual-sync').textContent(),
      (t) => t?.startsWith('succeeded') ?? false,
    );
    const push = (await field(page, 'bulk', 'last-push').textContent()) ?? '';
    expect(push).toMatch(/^succeeded .* · [\d.]+ MB in [\d.]+ s$/);
    expect(await field(page, 'bulk', 'last-push').getAttribute('data-tone')).toBe('ok');
    await until(
      () => card(page, 'bulk').locator('figcaption').textContent(),
      (t) => /1 checkpoint taken, 1 push \(median/.test(t ?? ''),
    );
    expect(await card(page, 'bulk').locator('.message').textContent()).toMatch(
      /^Sync of bulk started/,
    );
    await screenshot(page, '04-sync-result');
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows a standby's lag behind the bucket, then activates it through its button", async () => {
    const location = `${bucket.bucket}/lag`;
    await c.put('lag-p', cephConfig(location));
    // One pull at start, then none for an hour: the standby falls behind on purpose.
    await c.put('lag-b', cephConfig(location, { standby: true, pull_interval: 3600 }));
    await c.start('lag-p');
    await c.waitForStatus('lag-p', 'Running');
    const first = await checkpointAndSync(c, 'lag-p', [{ insert: { i: 1 } }]);
    await c.start('lag-b', 'standby');
    await until(
      async () => (await c.call('GET', '/v0/pipelines/lag-b/recovery')).body,
      (s: any) => s?.standby?.pulled?.uuid === first,
    );
    await new Promise((r) => setTimeout(r, 1500));
    await checkpointAndSync(c, 'lag-p', [{ insert: { i: 2 } }]);
    const primaryTable = (await c.table('lag-p', 't')).body;

    const { page, problems, context } = await openPage(browser);
    await page.goto(`${server.url}/`);
    const lag = field(page, 'lag-b', 'lag');
    const text = await until(
      () => lag.textContent(),
      (t) => /^[\d.]+ s behind the bucket$/.test(t ?? ''),
    );
    expect(Number(/^([\d.]+)/.exec(text!)![1])).toBeGreaterThanOrEqual(1.5);
    expect(await lag.getAttribute('data-tone')).toBe('warn');
    expect(await field(page, 'lag-b', 'owner').textContent()).toMatch(/^lag-p \(pipeline-/);
    expect(await field(page, 'lag-b', 'pulled').getAttribute('title')).toBe(first);
    await card(page, 'lag-b').scrollIntoViewIfNeeded();
    await screenshot(page, '05-standby-lag');

    // Keyboard only: Tab reaches the button, Enter opens the confirmation, Escape cancels.
    const activateName = 'Activate lag-b';
    let reached = false;
    for (let i = 0; i < 200 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(
        (name) => document.activeElement?.getAttribute('aria-label') === name,
        activateName,
      );
    }
    expect(reached, 'Tab reaches the Activate button').toBe(true);
    await page.keyboard.press('Enter');
    const dialog = page.locator('dialog#confirm');
    await dialog.waitFor();
    expect(await dialog.locator('#confirm-body').textContent()).toContain(
      'It takes ownership of ' +
        location +
        " from lag-p: that pipeline's next push will be refused.",
    );
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect((await c.status('lag-b')).body.runtime_status).toBe('Standby');
    // Past a poll or two (the cards update in place): the focus stays on the button.
    await new Promise((r) => setTimeout(r, 3500));
    expect(
      await page.evaluate(() => document.activeElement?.getAttribute('aria-label')),
      'focus returns to the button and stays there through updates',
    ).toBe(activateName);

    await page.keyboard.press('Enter');
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('confirm-ok');
    await screenshot(page, '06-activate-confirm', false);
    const pressed = Date.now();
    await page.keyboard.press('Enter');
    await until(
      () => card(page, 'lag-b').getAttribute('data-role'),
      (r) => r === 'primary',
    );
    await until(
      () => field(page, 'lag-b', 'status').textContent(),
      (t) => t === 'Running',
    );
    timings.activation = Date.now() - pressed;
    expect((await c.status('lag-b')).body.runtime_status).toBe('Running');
    // The final pull brought the newest checkpoint: the standby serves the primary's last state.
    expect((await c.table('lag-b', 't')).body).toEqual(primaryTable);
    await until(
      () => field(page, 'lag-b', 'owner').textContent(),
      (t) => t?.startsWith('lag-b (') ?? false,
    );
    expect(await field(page, 'lag-b', 'took-over').textContent()).toMatch(/^lag-p \(pipeline-/);
    // The old primary is fenced, and says so.
    await until(
      () => field(page, 'lag-p', 'owner').textContent(),
      (t) => t?.endsWith('not this pipeline: its pushes are refused') ?? false,
    );
    expect(await field(page, 'lag-p', 'owner').getAttribute('data-tone')).toBe('bad');
    await card(page, 'lag-b').scrollIntoViewIfNeeded();
    await screenshot(page, '07-activated');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('stays usable with 50 pipelines at a phone width: one request per poll, no sideways scroll', async () => {
    const existing = ((await c.call('GET', '/v0/pipelines')).body as unknown[]).length;
    const names = Array.from(
      { length: 50 - existing },
      (_, i) => `fleet-${String(i).padStart(2, '0')}`,
    );
    for (const name of names) expect((await c.put(name, {})).status).toBe(201);
    const { page, problems, context } = await openPage(browser, { width: 390, height: 844 });
    const requests: string[] = [];
    page.on('request', (req) => requests.push(new URL(req.url()).pathname));
    const started = Date.now();
    await page.goto(`${server.url}/`);
    await until(
      () => page.locator('article.card').count(),
      (n) => n === 50,
    );
    timings.render50 = Date.now() - started;
    expect(await page.locator('#counts').textContent()).toMatch(/^50 pipelines: /);
    const windowStart = requests.length;
    await new Promise((r) => setTimeout(r, 7000));
    const polled = requests.slice(windowStart);
    const polls = polled.filter((p) => p === '/v0/recovery').length;
    timings.pollsIn7s = polls;
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(polls).toBeLessThanOrEqual(8);
    // More than 12 pipelines start compact: no timelines, so nothing but the one list request.
    expect(await page.getByLabel('Cards').inputValue()).toBe('compact');
    expect(polled.filter((p) => p !== '/v0/recovery')).toEqual([]);
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    ).toBe(true);
    await page.getByLabel('Filter by name').fill('fleet-07');
    expect(await page.locator('article.card:visible').count()).toBe(1);
    await page.getByLabel('Filter by name').fill('');
    await page.getByLabel('Role').selectOption('stopped');
    expect(await page.locator('article.card:visible').count()).toBe(names.length);
    await page.getByLabel('Role').selectOption('all');
    expect(await contrastProblems(page)).toEqual([]);
    await screenshot(page, '08-narrow-50-pipelines', false);
    // The detailed view draws timelines only for the cards on screen (and just below it).
    const before = requests.length;
    await page.getByLabel('Cards').selectOption('detailed');
    await until(
      () => page.locator('.chart canvas').count(),
      (n) => n >= 1,
    );
    await new Promise((r) => setTimeout(r, 1000));
    const charts = await page.locator('.chart canvas').count();
    const histories = requests.slice(before).filter((p) => p.endsWith('/recovery/history')).length;
    timings.chartsDrawnOf50 = charts;
    expect(charts).toBeLessThanOrEqual(6);
    expect(histories).toBeLessThanOrEqual(charts);
    await screenshot(page, '09-narrow-detailed', false);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('asks for the API key, shows nothing else without it, and sends it as every client does', async () => {
    const key = 'console-test-key-0123456789abcdef';
    const keyFile = join(dir.path, 'key.txt');
    await writeFile(keyFile, key, { mode: 0o600 });
    const secured = await startServerProcess({
      dataDir: join(dir.path, 'secured'),
      args: ['--embedded-s3', '--demo', '--api-key-file', keyFile],
    });
    try {
      const sc = client(secured.url, key);
      await sc.waitForStatus('demo-standby', 'Standby');
      const { page, problems, context } = await openPage(browser);
      const bodies: string[] = [];
      const authorized: string[] = [];
      page.on('response', (res) => {
        void res.text().then(
          (t) => bodies.push(`${res.status()} ${new URL(res.url()).pathname} ${t}`),
          () => undefined,
        );
      });
      page.on('request', (req) => {
        if (req.headers().authorization === `Bearer ${key}`)
          authorized.push(new URL(req.url()).pathname);
      });
      await page.goto(`${secured.url}/`);
      const prompt = page.locator('#key-prompt');
      await prompt.waitFor();
      expect(await page.locator('#overview').isHidden()).toBe(true);
      expect(await page.locator('article.card').count()).toBe(0);
      expect(await page.locator('body').innerText()).not.toContain('demo');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('key-input');
      expect(await contrastProblems(page)).toEqual([]);
      expect(await unlabelledControls(page)).toEqual([]);
      await screenshot(page, '10-key-prompt');
      // What crossed the wire without the key: the page, its files, and a 401; no pipeline, no key.
      await until(
        () => Promise.resolve(bodies.length),
        (n) => n >= 4,
      );
      for (const body of bodies) {
        expect(body).not.toContain('demo-standby');
        expect(body).not.toContain(key);
        expect(body).not.toMatch(/feldera-sync\/demo/);
      }
      expect(bodies.some((b) => b.startsWith('401 /v0/recovery'))).toBe(true);

      await page.getByLabel('API key', { exact: true }).fill('a-wrong-key-of-enough-length-000');
      await page.getByRole('button', { name: 'Unlock' }).click();
      await until(
        () => page.locator('#key-error').textContent(),
        (t) => t === 'The server refused that key. Check it and try again.',
      );
      expect(await page.locator('article.card').count()).toBe(0);
      await screenshot(page, '11-key-refused');

      await page.getByLabel('API key', { exact: true }).fill(key);
      await page.keyboard.press('Enter');
      await card(page, 'demo-standby').waitFor();
      expect(await prompt.isHidden()).toBe(true);
      expect(authorized).toContain('/v0/recovery');
      // Asked once: a reload in the same tab goes straight to the pipelines.
      await page.reload();
      await card(page, 'demo').waitFor();
      expect(await prompt.isHidden()).toBe(true);
      expect(page.url()).not.toContain(key);
      await screenshot(page, '12-key-accepted');
      expect(problems).toEqual([]);
      await context.close();
    } finally {
      await secured.stop();
    }
  });
});
