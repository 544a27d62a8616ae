/**
 * The demo's HTML report as a person sees it: rendered by a real headless Chromium
 * (Debian's `chromium`, installed by scripts/ensure-chromium.sh where missing, driven by
 * playwright-core, which never downloads a browser of its own). The page comes from a
 * short real demo run, not from a stored file.
 *
 * Checked on the rendered page: the charts' axis labels, "nice" tick labels (leverage
 * from 0), the limits' labels clear of every line and marker, the decision lanes, no
 * console error, no request for anything outside the file, and every character of the
 * page drawn with a real glyph (not the missing-glyph box) in the fonts this machine has.
 * One full-page screenshot is left in a temporary folder (its path is printed).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketSize, formatNumber, niceScale, renderHtmlReport } from '../../src/demo/html-report.js';
import { runDemo, type DemoResult } from '../../src/demo/run-demo.js';

/** Flags that work in this sandbox (root, no GPU, no network but the package registries). */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let demo: DemoResult;
let browser: Browser;
let page: Page;
let dir: string;
const consoleErrors: string[] = [];
const foreignRequests: string[] = [];

interface Box { x: number; y: number; width: number; height: number }
interface Item { cls: string; text: string; box: Box; limit?: string | null }

/**
 * Runs `fn` (JavaScript source of a function) in the page with `arg`. The project's
 * typecheck has no DOM library (src must not use one), so the page's side is plain source.
 */
async function inPage<T>(fn: string, arg: unknown = null): Promise<T> {
  return page.evaluate(`(${fn})(${JSON.stringify(arg)})`) as Promise<T>;
}

/** Every SVG element of a chart with its class, text and box on the page (CSS pixels). */
async function chartItems(index: number): Promise<{ svg: Box; items: Item[] }> {
  return inPage(`(i) => {
    const svg = document.querySelectorAll('svg.chart')[i];
    const box = (el) => { const r = el.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; };
    const items = [...svg.querySelectorAll('[class]')].map((el) => ({
      cls: el.getAttribute('class'), text: el.textContent ?? '', box: box(el), limit: el.getAttribute('data-limit'),
    }));
    return { svg: box(svg), items };
  }`, index);
}

const has = (it: Item, cls: string) => it.cls.split(/\s+/).includes(cls);
const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
/** "−15 000" → −15000 */
const parseTick = (s: string) => Number(s.replace(/\u202f|\s/g, '').replace('−', '-'));

/** The step between consecutive ticks is 1, 2, 2.5 or 5 × 10^k, the same all along. */
function expectNiceTicks(values: number[]): void {
  expect(values.length).toBeGreaterThanOrEqual(3);
  const step = values[1]! - values[0]!;
  expect(step).toBeGreaterThan(0);
  for (let k = 1; k < values.length; k++) expect(values[k]! - values[k - 1]!).toBeCloseTo(step, 9);
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  expect([1, 2, 2.5, 5].some((m) => Math.abs(m - mantissa) < 1e-9)).toBe(true);
  for (const v of values) expect(Math.abs(v / step - Math.round(v / step))).toBeLessThan(1e-9); // on multiples of the step
}

describe('the demo report in headless Chromium', () => {
  beforeAll(async () => {
    // installs Debian's chromium when it is missing (apt-get; minutes at most, once per machine)
    const out = execFileSync('bash', [join(process.cwd(), 'scripts/ensure-chromium.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 });
    const executablePath = out.trim().split('\n').pop()!;
    demo = await runDemo({ steps: 60, seed: 7 });
    dir = mkdtempSync(join(tmpdir(), 'rg-report-browser-'));
    const file = join(dir, 'risk-guard-demo.html');
    writeFileSync(file, renderHtmlReport(demo));
    browser = await chromium.launch({ executablePath, headless: true, args: FLAGS, timeout: 60_000 });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('request', (r) => { if (r.url() !== pathToFileURL(file).href) foreignRequests.push(r.url()); });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  }, 660_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('loads without a console error and fetches nothing', () => {
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });

  it('has two charts with axis labels, nice tick labels, a legend and limit labels', async () => {
    expect(await page.locator('svg.chart').count()).toBe(2);
    for (const [i, yLabel, limits] of [[0, /exposure \(USDT\)/, ['maxNetExposure', 'maxNetExposure', 'maxGrossExposure']], [1, /leverage/, ['maxLeverage']]] as const) {
      const { svg, items } = await chartItems(i);
      const visible = (it: Item) => it.box.width > 0 && it.box.height > 0;
      const x = items.filter((it) => has(it, 'axis-label') && has(it, 'x'));
      const y = items.filter((it) => has(it, 'axis-label') && has(it, 'y'));
      expect(x).toHaveLength(1);
      expect(x[0]!.text).toMatch(/market tick/);
      expect(y).toHaveLength(1);
      expect(y[0]!.text).toMatch(yLabel);
      for (const it of [...x, ...y]) expect(visible(it)).toBe(true);

      const yTicks = items.filter((it) => has(it, 'tick-label') && has(it, 'y')).map((it) => parseTick(it.text));
      const xTicks = items.filter((it) => has(it, 'tick-label') && has(it, 'x')).map((it) => parseTick(it.text));
      expectNiceTicks(yTicks);
      expectNiceTicks(xTicks);
      expect(xTicks[0]).toBe(0);
      expect(xTicks.at(-1)).toBe(60);
      if (i === 1) expect(yTicks[0]).toBe(0); // leverage never below 0
      else expect(yTicks).toContain(0);

      const labels = items.filter((it) => has(it, 'limit-label'));
      expect(labels.map((l) => l.limit).sort()).toEqual([...limits].sort());
      // every label within the picture, none over another
      for (const l of labels) {
        expect(visible(l)).toBe(true);
        expect(l.box.x).toBeGreaterThanOrEqual(svg.x - 0.5);
        expect(l.box.x + l.box.width).toBeLessThanOrEqual(svg.x + svg.width + 0.5);
        expect(l.box.y).toBeGreaterThanOrEqual(svg.y - 0.5);
      }
      for (const a of labels) for (const b of labels) if (a !== b) expect(overlap(a.box, b.box)).toBe(false);
      // no label crossed by a line, a marker or other text
      const others = items.filter((it) => ['series', 'limit-line', 'grid', 'marker', 'leader', 'axis', 'tick', 'tick-label', 'axis-label', 'lane', 'lane-label', 'lane-scale', 'frame'].some((c) => has(it, c)));
      expect(others.filter((it) => has(it, 'series'))).toHaveLength(i === 0 ? 3 : 2);
      for (const l of labels) {
        const hit = others.filter((o) => overlap(l.box, o.box)).map((o) => `${o.cls} ${o.text.slice(0, 40)}`);
        expect(hit, `${l.text} is covered`).toEqual([]);
      }
      // each label beside its own line: the values are the limits the run had
      const values = await inPage<number[]>(`(k) => [...document.querySelectorAll('svg.chart')[k].querySelectorAll('.limit-label')].map((e) => Number(e.getAttribute('data-value')))`, i);
      expect(values.sort((a, b) => a - b)).toEqual(i === 0 ? [-12000, 12000, 24000] : [2.2]);
      // tick labels do not run into each other
      const tickBoxes = items.filter((it) => has(it, 'tick-label'));
      for (const a of tickBoxes) for (const b of tickBoxes) if (a !== b) expect(overlap(a.box, b.box), `${a.text} / ${b.text}`).toBe(false);
    }
    const legend = await page.locator('.legend').first().innerText();
    for (const s of ['net exposure', 'gross exposure', 'limit', 'orders resized', 'orders blocked']) expect(legend).toContain(s);
  });

  it('shows the resized and blocked orders per bucket of ticks, with their counts, in lanes under the plot', async () => {
    const { items } = await chartItems(0);
    const markers = items.filter((it) => has(it, 'marker'));
    const counts = await inPage<Array<{ cls: string; n: number }>>(`() => [...document.querySelectorAll('svg.chart .marker')].map((e) => ({ cls: e.getAttribute('class'), n: Number(e.getAttribute('data-count')) }))`);
    const sum = (cls: string) => counts.filter((c) => c.cls.includes(cls)).reduce((n, c) => n + c.n, 0);
    expect(sum('resize')).toBe(demo.decisions.resized);
    expect(sum('block')).toBe(demo.decisions.blocked);
    expect(markers.some((m) => has(m, 'resize'))).toBe(true);
    expect(markers.some((m) => has(m, 'block'))).toBe(true);
    // bars of one lane never overlap one another, and no bar lies over the plot's lines
    const frame = items.find((it) => has(it, 'frame'))!.box;
    for (const m of markers) expect(m.box.y).toBeGreaterThanOrEqual(frame.y + frame.height);
    for (const lane of ['resize', 'block']) {
      const bars = markers.filter((m) => has(m, lane)).sort((a, b) => a.box.x - b.box.x);
      for (let k = 1; k < bars.length; k++) expect(bars[k]!.box.x).toBeGreaterThanOrEqual(bars[k - 1]!.box.x + bars[k - 1]!.box.width - 0.01);
    }
    const tip = await page.locator('svg.chart .marker.block title').first().textContent();
    expect(tip).toMatch(/^ticks? \d+(–\d+)?: \d+ blocked \(/);
  });

  it('draws every character of the page with a real glyph, "USDS-M" included', async () => {
    // each character is drawn on a canvas in the font it is set in, and compared with what
    // that font stack draws for an unassigned code point: the missing-glyph box
    const result = await inPage<{ missing: string[]; checked: number; sanity: boolean; usds: string | null }>(`() => {
      const canvas = document.createElement('canvas');
      canvas.width = 64;
      canvas.height = 64;
      const ctx = canvas.getContext('2d');
      const draw = (ch, font) => {
        ctx.clearRect(0, 0, 64, 64);
        ctx.font = font;
        ctx.fillStyle = '#000';
        ctx.fillText(ch, 8, 44);
        return canvas.toDataURL();
      };
      // every character on the page (tooltips and the embedded data aside), by font
      const byFont = new Map();
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (el.closest('script, title')) continue;
        const cs = getComputedStyle(el);
        const font = cs.fontStyle + ' ' + cs.fontWeight + ' 32px ' + cs.fontFamily;
        if (!byFont.has(font)) byFont.set(font, new Set());
        for (const ch of n.textContent ?? '') if (ch.trim() !== '') byFont.get(font).add(ch);
      }
      const missing = [];
      let checked = 0;
      let sanity = true;
      for (const [font, chars] of byFont) {
        const box = draw('\\u0378', font);
        sanity = sanity && draw('\\u0379', font) === box && draw('A', font) !== box;
        for (const ch of chars) {
          checked += 1;
          if (draw(ch, font) === box) missing.push('U+' + ch.codePointAt(0).toString(16).toUpperCase() + ' (' + ch + ') in ' + font);
        }
      }
      const usds = document.body.innerText.match(/Binance (USD\\S*-M)/)?.[1] ?? null;
      return { missing, checked, sanity, usds };
    }`);
    expect(result.sanity).toBe(true); // the check tells a drawn glyph from the missing-glyph box
    expect(result.checked).toBeGreaterThan(50);
    expect(result.missing).toEqual([]);
    expect(result.usds).toBe('USDS-M');
  });

  it('explains a peak over its limit by price moves and orders', async () => {
    const rows = await inPage<string[][]>(`() => [...document.querySelectorAll('table.peaks tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''))`);
    expect(rows.map((r) => r[0])).toEqual(['maxNetExposure', 'maxGrossExposure', 'maxLeverage']);
    for (const [row, peak] of [[rows[0]!, demo.peaks.net], [rows[1]!, demo.peaks.gross], [rows[2]!, demo.peaks.leverage]] as const) {
      if (peak.over === null) expect(row[5]).toBe('within');
      else {
        expect(row[6]).toMatch(/after tick \d+|at the start/);
        expect(row[7]).toMatch(/^[+−]?\d/);
        expect(row[8]).toMatch(/^[+−]?\d/);
      }
    }
    expect(await page.locator('p.note').innerText()).toMatch(/not a breach by itself/);
  });

  it('leaves a full-page screenshot to look at', async () => {
    const png = join(dir, 'risk-guard-demo.png');
    await page.screenshot({ path: png, fullPage: true });
    expect(statSync(png).size).toBeGreaterThan(20_000);
    console.log(`report screenshot: ${png}`);
  });
});

describe('the report\'s axes and numbers', () => {
  it('ticks on 1, 2, 2.5 or 5 × 10^k, the ends on multiples of the step', () => {
    expect(niceScale(-12000, 24000, 8)).toMatchObject({ lo: -15000, hi: 25000, step: 5000 });
    expect(niceScale(0, 2.2108, 5)).toMatchObject({ lo: 0, hi: 2.5, step: 0.5, decimals: 1 });
    expect(niceScale(0, 0.9, 4)).toMatchObject({ lo: 0, hi: 1, step: 0.25, decimals: 2 });
    expect(niceScale(0, 400, 8, true).ticks).toEqual([0, 50, 100, 150, 200, 250, 300, 350, 400]);
    expect(niceScale(0, 20, 8, true).step).toBe(5); // whole ticks: 2.5 is skipped
    expect(niceScale(0, 1, 8, true).ticks).toEqual([0, 1]);
    expect(niceScale(0, 0, 5).hi).toBeGreaterThan(0);
    for (const [min, max, n] of [[-13804, 25800, 8], [0, 2.32, 5], [3, 7, 6], [-0.3, 0.7, 5]] as const) {
      const s = niceScale(min, max, n);
      expect(s.lo).toBeLessThanOrEqual(min);
      expect(s.hi).toBeGreaterThanOrEqual(max);
      expect(s.ticks.length - 1).toBeLessThanOrEqual(n + 1);
      expectNiceTicks(s.ticks);
    }
  });

  it('writes numbers with grouped digits and a real minus sign', () => {
    expect(formatNumber(-15000, 0)).toBe('−15\u202f000');
    expect(formatNumber(5000, 0)).toBe('5000');
    expect(formatNumber(12000, 0, true)).toBe('+12\u202f000');
    expect(formatNumber(12022.32911, 2)).toBe('12\u202f022.33');
    expect(formatNumber(-0.001, 2)).toBe('0.00');
    expect(formatNumber(2.5, 1)).toBe('2.5');
  });

  it('buckets the decision markers so that no bar is narrower than a few pixels', () => {
    expect(bucketSize(60)).toBe(1);
    expect(bucketSize(400)).toBe(5);
    expect(bucketSize(10_000)).toBe(100);
  });
});
