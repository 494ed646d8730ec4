// Headless Debian Chromium for the console tests, driven by playwright-core (which downloads no
// browser of its own). Missing Chromium fails every test in CI and skips them, saying why, elsewhere.
// page.evaluate callbacks run in the browser; the server's TypeScript program has no DOM types
// (they would clash with Node's fetch), so the few globals they use are declared loosely here.
/* eslint-disable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument */
declare const document: any;
declare const NodeFilter: any;
declare function getComputedStyle(el: any): any;
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describe, it } from 'vitest';

export const CHROMIUM = process.env.FELDERA_SYNC_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(new URL('../../.test-results/screenshots/', import.meta.url));

/** `describe` when Chromium is there; a failing test in CI, a skip with a message elsewhere. */
export function describeInBrowser(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(name, body);
    return;
  }
  const why = `Chromium is not installed at ${CHROMIUM}: run 'bash scripts/bootstrap.sh' as root (it runs 'apt-get install chromium'), or point FELDERA_SYNC_CHROMIUM at a Chromium binary`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(why);
      });
    });
    return;
  }
  console.warn(`[console browser tests] skipped: ${why}`);
  describe.skip(name, body);
}

/** Starts Chromium headless with a fresh profile and no background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page in its own context, recording script errors and CSP violations. */
export interface TestPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors, console errors and CSP reports, for an `expect(...).toEqual([])`. */
  problems: string[];
}

export async function openPage(
  browser: Browser,
  viewport = { width: 1280, height: 900 },
): Promise<TestPage> {
  const context = await browser.newContext({ viewport, reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // Failed answers are reported below with their URL; a 401 is the key prompt, not a fault.
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text()))
      problems.push(`console: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 500)
      problems.push(`${res.status()} ${res.request().method()} ${res.url()}`);
  });
  return { context, page, problems };
}

/** Writes `.test-results/screenshots/<name>.png` (gitignored) and returns its path. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = `${SCREENSHOTS}${name}.png`;
  await page.screenshot({ path, fullPage });
  return path;
}

/**
 * Every visible text on the page whose colour against its background is below WCAG AA (4.5:1,
 * 3:1 for large text), as `text: ratio`. Backgrounds are read up the ancestors.
 */
export function contrastProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const parse = (c: string): [number, number, number, number] => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m) return [0, 0, 0, 0];
      const parts = m[1]!
        .split(/[ ,/]+/)
        .filter(Boolean)
        .map(Number);
      return [parts[0]!, parts[1]!, parts[2]!, parts[3] ?? 1];
    };
    const lum = ([r, g, b]: number[]): number => {
      const f = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
    };
    const background = (el: any): number[] => {
      for (let e = el; e; e = e.parentElement) {
        const bg = parse(getComputedStyle(e).backgroundColor);
        if (bg[3] > 0.5) return bg;
      }
      return [255, 255, 255, 1];
    };
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent?.trim();
      const el = node.parentElement;
      if (!text || !el) continue;
      const rect = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (rect.width === 0 || rect.height === 0 || style.visibility === 'hidden') continue;
      if (el.closest('.visually-hidden, [hidden]')) continue;
      const fg = parse(style.color);
      const bg = background(el);
      const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      const ratio = (a! + 0.05) / (b! + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) out.push(`${text.slice(0, 40)}: ${ratio.toFixed(2)}`);
    }
    return out;
  });
}

/** Buttons, inputs and selects without an accessible name (label, aria-label or text). */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('button, input, select, progress')]
      // Only what is rendered: a closed dialog's buttons get their text when it opens.
      .filter((el: any) => el.getClientRects().length > 0)
      .filter((el: any) => {
        const input = el;
        const named =
          el.getAttribute('aria-label') ||
          el.getAttribute('aria-labelledby') ||
          (input.labels && input.labels.length > 0) ||
          (el.tagName === 'BUTTON' && el.textContent?.trim());
        return !named;
      })
      .map((el: any) => String(el.outerHTML).slice(0, 80)),
  );
}
