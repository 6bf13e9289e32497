// lib.mjs - shared by the report's browser tests: a headless Chromium that lets the page
// load nothing but itself, a CSV reader for the build's tables (quoted fields, as humsec
// writes them), and a look at a screenshot's pixels.
import { chromium } from 'playwright-core';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Rows of a CSV file as objects keyed by the header, and the header. */
export function readCsv(path) {
  const text = readFileSync(path, 'utf8');
  const rows = [];
  let row = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') (f += '"'), i++;
      else if (ch === '"') q = false;
      else f += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') row.push(f), (f = '');
    else if (ch === '\n') row.push(f), rows.push(row), (row = []), (f = '');
    else if (ch !== '\r') f += ch;
  }
  if (f || row.length) row.push(f), rows.push(row);
  const [head, ...body] = rows;
  return { head, rows: body.map((r) => Object.fromEntries(head.map((h, j) => [h, r[j] ?? '']))) };
}

/** A number from a CSV cell; NaN for empty or NA. */
export const num = (s) => (s === '' || s === 'NA' || s == null ? NaN : Number(s));

export async function openBrowser(exe, fail) {
  const userDir = mkdtempSync(join(tmpdir(), 'humsec-chromium-'));
  const context = await chromium.launchPersistentContext(userDir, {
    executablePath: exe,
    headless: true,
    viewport: { width: 1280, height: 900 },
    reducedMotion: 'reduce',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const allowed = new Set();
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (allowed.has(u)) return route.continue();
    fail(`network request from the page: ${u}`);
    return route.abort();
  });
  return {
    /** Open a report and wait until its script has drawn it. */
    async open(file) {
      const url = pathToFileURL(resolve(file)).href;
      allowed.add(url);
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') fail(`console error: ${m.text()}`);
      });
      page.on('pageerror', (e) => fail(`page error: ${e.message}`));
      await page.goto(url);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });
      return page;
    },
    /**
     * What a screenshot (PNG buffer) shows, decoded by the browser itself: its size, the
     * number of distinct colours and the share of pixels that are not the background (the
     * top-left pixel's colour). A blank picture has one colour and no such pixels.
     */
    async pixels(page, png) {
      return page.evaluate(async (b64) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.width;
        c.height = img.height;
        const g = c.getContext('2d');
        g.drawImage(img, 0, 0);
        const d = g.getImageData(0, 0, c.width, c.height).data;
        const colours = new Set();
        let ink = 0;
        for (let i = 0; i < d.length; i += 4) {
          colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
          if (Math.abs(d[i] - d[0]) + Math.abs(d[i + 1] - d[1]) + Math.abs(d[i + 2] - d[2]) > 24) ink++;
        }
        return { width: c.width, height: c.height, colours: colours.size, ink: ink / (d.length / 4) };
      }, png.toString('base64'));
    },
    async close() {
      await context.close();
      rmSync(userDir, { recursive: true, force: true });
    },
  };
}
