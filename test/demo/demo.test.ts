/**
 * `risk-guard demo` end to end: the example bots against the simulated exchange
 * through real ccxt, the referee that judges the limits on the exchange's numbers,
 * and the HTML report. Runs are kept short (tens of ticks) so the file stays fast.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG } from '../../src/demo/bots/on-sim.js';
import { renderHtmlReport } from '../../src/demo/html-report.js';
import { runDemo, type DemoResult, type DemoSample } from '../../src/demo/run-demo.js';

const run = promisify(execFile);
const BIN = join(process.cwd(), 'dist/src/cli/main.js');

let demo: DemoResult;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rg-demo-'));
  demo = await runDemo({ steps: 150, seed: 7 });
});

/** The data the report embeds for its chart. */
function embedded(html: string): { steps: number; samples: Array<Record<string, string | null>>; markers: unknown[]; limits: Record<string, string | null> } {
  const m = /<script type="application\/json" id="risk-guard-demo-data">(.*?)<\/script>/s.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]!);
}

describe('the demo run', () => {
  it('produces allowed, resized and blocked orders, several limits binding', () => {
    expect(demo.decisions.allowed).toBeGreaterThan(0);
    expect(demo.decisions.resized).toBeGreaterThan(0);
    expect(demo.decisions.blocked).toBeGreaterThan(0);
    expect(demo.decisions.total).toBe(demo.decisions.allowed + demo.decisions.resized + demo.decisions.blocked);
    const tallied = Object.values(demo.byLimit).reduce((n, t) => n + t.resized + t.blocked, 0);
    expect(tallied).toBe(demo.decisions.resized + demo.decisions.blocked);
    // the pyramid hits its position cap, the fat finger the order-size cap, the two strategies the account caps
    for (const code of ['POSITION_NOTIONAL', 'ORDER_NOTIONAL', 'NET_EXPOSURE', 'LEVERAGE']) expect(Object.keys(demo.byLimit)).toContain(code);
    expect(demo.ordersAccepted).toBeGreaterThan(0);
    expect(demo.fills).toBeGreaterThan(0);
  });

  it('the orders the exchange accepted never breached a limit, judged on the exchange\'s own numbers', () => {
    expect(demo.breaches).toEqual([]);
    expect(demo.limitsHeld).toBe(true);
    expect(demo.samples).toHaveLength(150);
    // the limits bound: the account was driven up to them
    expect(Number(demo.peaks.leverage.peak)).toBeGreaterThan(Number(EXAMPLE_CONFIG.limits.maxLeverage) * 0.95);
  });

  it('records, per tick, the metrics before the bots\' orders, and splits a peak over its limit into price moves and orders', () => {
    for (const x of demo.samples) {
      expect(Number(x.worstNet)).toBeGreaterThanOrEqual(Math.abs(Number(x.net)) - 1e-9);
      expect(Number(x.beforeOrders.worstNet)).toBeGreaterThanOrEqual(0);
    }
    const series = { net: (x: DemoSample) => x.worstNet, gross: (x: DemoSample) => x.worstGross, leverage: (x: DemoSample) => x.worstLeverage ?? '0' };
    for (const [key, pick] of Object.entries(series) as Array<[keyof typeof series, (x: DemoSample) => string]>) {
      const p = demo.peaks[key];
      const digits = key === 'leverage' ? 4 : 6;
      expect(Number(pick(demo.samples[p.step - 1]!))).toBeCloseTo(Number(p.peak), digits - 1);
      if (Number(p.peak) <= Number(p.threshold)) {
        expect(p.over).toBeNull();
        continue;
      }
      const o = p.over!;
      expect(Number(o.by)).toBeCloseTo(Number(p.peak) - Number(p.threshold), digits - 1);
      // peak = the value at the end of the last tick within the limit + price moves + orders
      expect(Number(o.from) + Number(o.prices) + Number(o.orders)).toBeCloseTo(Number(p.peak), digits - 1);
      if (o.since > 0) expect(Number(pick(demo.samples[o.since - 1]!))).toBeLessThanOrEqual(Number(p.threshold));
      for (let t = o.since + 1; t <= p.step; t++) expect(Number(pick(demo.samples[t - 1]!))).toBeGreaterThan(Number(p.threshold));
      // with the limits held, the orders never added to a metric over its limit (reduce-only orders aside, on net)
      if (key !== 'net') expect(Number(o.orders)).toBeLessThanOrEqual(1e-9);
      expect(Number(o.prices)).toBeGreaterThanOrEqual(Number(o.by) - 1e-9);
    }
  });

  it('the referee has teeth: in dry-run the guard lets every order through and the referee sees the breaches', async () => {
    const dry = await runDemo({ steps: 40, seed: 7, config: { ...EXAMPLE_CONFIG, mode: 'dryRun' } });
    expect(dry.decisions.resized + dry.decisions.blocked).toBeGreaterThan(0); // what the guard would have done
    expect(dry.limitsHeld).toBe(false);
    expect(dry.breaches.map((b) => b.limit)).toContain('maxPositionNotional');
    expect(dry.breaches.map((b) => b.limit)).toContain('maxOrderNotional'); // the 100 BTC fat finger went through
  });

  it('rejects a bad step count before starting anything', async () => {
    await expect(runDemo({ steps: 0 })).rejects.toThrow(/steps must be a positive integer/);
  });
});

describe('the HTML report', () => {
  it('is self-contained and carries the series, the limits and the markers', () => {
    const html = renderHtmlReport(demo);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    // nothing fetched from anywhere: no external script, stylesheet, image or font
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html.match(/<svg /g)).toHaveLength(2);
    for (const s of ['net exposure', 'gross exposure', 'leverage']) expect(html).toContain(`data-series="${s}"`);
    // the limits' labels, both sides of net; the orders the guard changed, counted per bucket of ticks
    expect(html).toContain('class="limit-label" data-limit="maxNetExposure" data-value="12000"');
    expect(html).toContain('class="limit-label" data-limit="maxNetExposure" data-value="-12000"');
    expect(html).toContain('class="limit-label" data-limit="maxGrossExposure" data-value="24000"');
    expect(html).toContain('class="limit-label" data-limit="maxLeverage" data-value="2.2"');
    const counted = (action: string) => [...html.matchAll(new RegExp(`class="marker ${action}" data-count="(\\d+)"`, 'g'))].reduce((n, m) => n + Number(m[1]), 0);
    expect(counted('resize')).toBe(demo.decisions.resized);
    expect(counted('block')).toBe(demo.decisions.blocked);
    // what the report says must render in any browser: no "USDⓈ-M" (no common font has Ⓢ)
    expect(html).toContain('Binance USDS-M');
    expect(html).not.toContain('Ⓢ');
    for (const s of ['class="axis-label x"', 'class="axis-label y"', 'class="tick-label x"', 'class="tick-label y"']) expect(html).toContain(s);
    const data = embedded(html);
    expect(data.steps).toBe(150);
    expect(data.samples).toHaveLength(150);
    expect(data.samples[0]).toEqual(expect.objectContaining({
      step: 1, net: expect.any(String), gross: expect.any(String), worstNet: expect.any(String), worstGross: expect.any(String),
      beforeOrders: expect.objectContaining({ worstNet: expect.any(String), worstGross: expect.any(String) }),
    }));
    expect(data.markers).toHaveLength(demo.markers.length);
    expect(data.limits).toEqual({ maxNetExposure: '12000', maxGrossExposure: '24000', maxLeverage: '2.2' });
    expect(html).toContain('Limits held');
  });

  it('escapes what comes from the exchange or the orders', () => {
    const html = renderHtmlReport({ ...demo, markers: [{ step: 1, action: 'block', symbol: '<img src=x>', side: 'buy', requested: '1', approved: '0', code: 'INVALID_ORDER', message: '"><script>' }] });
    expect(html).not.toContain('<img src=x>');
    expect(html).not.toContain('"><script>');
  });
});

describe('risk-guard demo (the binary)', () => {
  it('prints the summary, writes the report and exits 0', async () => {
    const out = join(dir, 'report.html');
    const { stdout } = await run(process.execPath, [BIN, 'demo', '--steps', '60', '--out', out], { env: { ...process.env, NO_COLOR: '1' } });
    expect(stdout).toMatch(/orders checked \d+: allowed \d+, resized \d+, blocked \d+/);
    expect(stdout).toMatch(/maxNetExposure\s+[\d.]+\s+12000/);
    expect(stdout).toMatch(/maxLeverage\s+[\d.]+\s+2\.2/);
    expect(stdout).toContain('limits held');
    expect(stdout).toContain(`report: ${out}`);
    expect(existsSync(out)).toBe(true);
    expect(embedded(readFileSync(out, 'utf8')).samples).toHaveLength(60);
  });

  it('--json prints the summary as JSON', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'demo', '--steps', '30', '--json', '--out', join(dir, 'j.html')]);
    const j = JSON.parse(stdout);
    expect(j).toMatchObject({ steps: 30, limitsHeld: true, samples: 30, breaches: [] });
    expect(j.decisions.total).toBeGreaterThan(0);
  });

  it('a bad option is a clear error, exit 2', async () => {
    const r = await run(process.execPath, [BIN, 'demo', '--steps', 'ten']).catch((e: { code: number; stderr: string }) => e);
    expect(r).toMatchObject({ code: 2 });
    expect((r as { stderr: string }).stderr).toContain('--steps must be an integer');
  });
});

describe('the example bots on their own', () => {
  it('each example runs against the simulated exchange and says what the guard did', async () => {
    // the compiled examples, as `npx tsx strategies-example/…` runs them
    const { stdout } = await run(process.execPath, [join(process.cwd(), 'dist/strategies-example/two-strategies.js')]);
    expect(stdout).toMatch(/market-maker: .* (resized to|blocked)/);
    expect(stdout).toMatch(/momentum: .* (resized to|blocked)/);
    expect(stdout).toMatch(/after 120 ticks: net -?[\d.]+, gross [\d.]+, leverage [\d.]+/);
    const pyr = await run(process.execPath, [join(process.cwd(), 'dist/strategies-example/pyramid.js')]);
    // the fat finger never reaches the exchange at 100 BTC
    expect(pyr.stdout).toMatch(/pyramid: buy 100 BTC\/USDT:USDT (resized to 0\.0\d+ by [A-Z_]+|blocked: )/);
    expect(pyr.stdout).toMatch(/pyramid: buy [\d.]+ BTC\/USDT:USDT (resized to [\d.]+ by POSITION_NOTIONAL|blocked)/);
  });
});
