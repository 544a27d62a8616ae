/**
 * The demo's report: one self-contained HTML file (inline SVG and CSS, no script, no
 * external resource) with net and gross exposure and leverage over the market ticks
 * against their limits, the orders the guard resized or blocked counted per bucket of
 * ticks in lanes of their own, and the run's summary. The data behind the chart is
 * embedded as JSON (#risk-guard-demo-data).
 *
 * Layout of a chart: y tick labels and the y axis's label on the left, the plot, the
 * limits' labels in a right-hand margin that nothing else is drawn in, the decision lanes
 * under the plot, then the x axis (market ticks) with its label. Only characters that
 * common fonts carry (DejaVu Sans, which Debian's chromium falls back to, has them all).
 */
import type { DemoMarker, DemoResult, DemoSample, Peak } from './run-demo.js';

const W = 960;
/** left: y tick labels and the y axis's label; right: the limits' labels */
const PAD = { left: 84, right: 136, top: 16 };
const PLOT_W = W - PAD.left - PAD.right;
const LANE_H = 16;
const LANE_GAP = 5;
const COLORS = { limit: '#333', resize: '#e69500', block: '#c62828' };

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const num = (s: string | null) => (s === null ? null : Number(s));
const f1 = (v: number) => v.toFixed(1);

/** Groups of three digits split by a narrow no-break space, a real minus sign. */
export function formatNumber(v: number, decimals: number, signed = false): string {
  const fixed = Math.abs(v).toFixed(decimals);
  const [int, frac] = fixed.split('.') as [string, string | undefined];
  const grouped = int.length > 4 ? int.replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f') : int;
  const negative = v < 0 && Number(fixed) !== 0;
  return `${negative ? '−' : signed && Number(fixed) !== 0 ? '+' : ''}${grouped}${frac !== undefined ? `.${frac}` : ''}`;
}

/** The smallest step of 1, 2, 2.5 or 5 × 10^k that is at least `raw`. */
function niceStep(raw: number, integer = false): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) {
    const step = m * mag;
    if (integer && !Number.isInteger(step)) continue;
    if (step >= raw * (1 - 1e-9)) return step;
  }
  return 10 * mag;
}

const decimalsOf = (step: number) => {
  const s = String(Number(step.toPrecision(12)));
  return s.includes('.') ? s.split('.')[1]!.length : 0;
};

export interface Scale { lo: number; hi: number; step: number; ticks: number[]; decimals: number }

/**
 * An axis over [min, max] with "nice" ticks: a step of 1, 2, 2.5 or 5 × 10^k, the ends
 * on multiples of it, at most about `maxTicks` intervals.
 */
export function niceScale(min: number, max: number, maxTicks: number, integer = false): Scale {
  if (!(max > min)) max = min + (min === 0 ? 1 : Math.abs(min) * 0.1);
  let step = niceStep((max - min) / Math.max(1, maxTicks), integer);
  let lo = Math.floor(min / step + 1e-9) * step;
  let hi = Math.ceil(max / step - 1e-9) * step;
  // rounding the ends outwards can add an interval or two; one step up is enough then
  if ((hi - lo) / step > maxTicks + 1) {
    step = niceStep(step * 1.01, integer);
    lo = Math.floor(min / step + 1e-9) * step;
    hi = Math.ceil(max / step - 1e-9) * step;
  }
  const ticks: number[] = [];
  for (let i = 0; lo + i * step <= hi + step * 1e-9; i++) ticks.push(Number((lo + i * step).toPrecision(12)));
  return { lo, hi, step, ticks, decimals: decimalsOf(step) };
}

interface Series { label: string; color: string; dashed?: boolean; values: Array<number | null> }
interface Level { name: string; value: number; text: string }
interface Panel {
  title: string;
  yLabel: string;
  plotH: number;
  steps: number;
  series: Series[];
  levels: Level[];
  /** never draw the y axis below 0 (leverage) */
  floorZero?: boolean;
  markers?: DemoMarker[];
}

/** Ticks per bucket of the decision lanes: a nice whole number, buckets at least ~7 px wide. */
export function bucketSize(steps: number): number {
  return niceStep(Math.max(1, steps / Math.floor(PLOT_W / 7)), true);
}

/** Moves labels (centres `y`, `h` tall) apart so none overlap, within [top, bottom]. */
function spread(ys: number[], h: number, top: number, bottom: number): number[] {
  const order = ys.map((y, i) => ({ y: Math.min(Math.max(y, top + h / 2), bottom - h / 2), i })).sort((a, b) => a.y - b.y);
  for (let k = 1; k < order.length; k++) order[k]!.y = Math.max(order[k]!.y, order[k - 1]!.y + h);
  for (let k = order.length - 1; k >= 0; k--) {
    const limit = k === order.length - 1 ? bottom - h / 2 : order[k + 1]!.y - h;
    order[k]!.y = Math.min(order[k]!.y, limit);
  }
  const out = new Array<number>(ys.length);
  for (const o of order) out[o.i] = o.y;
  return out;
}

function chart(p: Panel): string {
  const markers = p.markers ?? [];
  const lanes = p.markers !== undefined;
  const plotTop = PAD.top;
  const plotBottom = plotTop + p.plotH;
  const laneTop = plotBottom + 10;
  const axisY = lanes ? laneTop + 2 * LANE_H + LANE_GAP + 6 : plotBottom;
  const height = axisY + 48;
  const plotRight = PAD.left + PLOT_W;

  const values = [...p.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v))), ...p.levels.map((l) => l.value)];
  const dataMin = Math.min(0, ...values);
  const dataMax = Math.max(0, ...values);
  const ys = niceScale(p.floorZero ? Math.max(0, dataMin) : dataMin, dataMax, Math.max(3, Math.floor(p.plotH / 32)));
  const xs = niceScale(0, p.steps, 8, true);
  const xMax = Math.max(p.steps, 1);
  const x = (step: number) => PAD.left + (step / xMax) * PLOT_W;
  const y = (v: number) => plotTop + (1 - (v - ys.lo) / (ys.hi - ys.lo)) * p.plotH;

  const out: string[] = [];
  out.push(`<svg viewBox="0 0 ${W} ${height}" width="100%" class="chart" role="img" aria-label="${esc(p.title)}">`);
  out.push(`<rect x="${PAD.left}" y="${plotTop}" width="${PLOT_W}" height="${p.plotH}" fill="#fbfbfb" stroke="#ccc" class="frame"/>`);
  // y grid and tick labels
  for (const v of ys.ticks) {
    const yy = f1(y(v));
    out.push(`<line x1="${PAD.left}" x2="${plotRight}" y1="${yy}" y2="${yy}" stroke="${v === 0 ? '#bbb' : '#ececec'}" class="grid"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${yy}" dy="0.35em" text-anchor="end" class="tick-label y">${formatNumber(v, ys.decimals)}</text>`);
  }
  out.push(`<text transform="translate(16 ${f1((plotTop + plotBottom) / 2)}) rotate(-90)" text-anchor="middle" class="axis-label y">${esc(p.yLabel)}</text>`);
  // x grid, tick marks and labels, under the plot and the lanes
  for (const t of xs.ticks.filter((t) => t <= xMax)) {
    const xx = f1(x(t));
    out.push(`<line x1="${xx}" x2="${xx}" y1="${plotTop}" y2="${plotBottom}" stroke="#f0f0f0" class="grid"/>`);
    out.push(`<line x1="${xx}" x2="${xx}" y1="${axisY}" y2="${axisY + 4}" stroke="#999" class="tick"/>`);
    out.push(`<text x="${xx}" y="${axisY + 17}" text-anchor="middle" class="tick-label x">${formatNumber(t, 0)}</text>`);
  }
  out.push(`<line x1="${PAD.left}" x2="${plotRight}" y1="${axisY}" y2="${axisY}" stroke="#999" class="axis"/>`);
  out.push(`<text x="${f1(PAD.left + PLOT_W / 2)}" y="${axisY + 38}" text-anchor="middle" class="axis-label x">market tick (each tick the simulated prices move one step, then the bots trade)</text>`);

  // the limits: dashed lines across the plot, their labels in the right-hand margin
  const labelH = 28;
  // centred on their line where they fit, moved apart (with a leader) where two would overlap;
  // never below the plot, where the lanes' scale and the x axis's last label are
  const labelYs = spread(p.levels.map((l) => y(l.value)), labelH, 0, plotBottom + 4);
  p.levels.forEach((l, i) => {
    const ly = y(l.value);
    const cy = labelYs[i]!;
    out.push(`<line x1="${PAD.left}" x2="${plotRight}" y1="${f1(ly)}" y2="${f1(ly)}" stroke="${COLORS.limit}" stroke-width="1.3" stroke-dasharray="9 4" class="limit-line" data-limit="${esc(l.name)}"><title>${esc(`${l.name} ${l.text}`)}</title></line>`);
    if (Math.abs(cy - ly) > 1) out.push(`<path d="M${plotRight + 1},${f1(ly)} L${plotRight + 6},${f1(cy)}" stroke="${COLORS.limit}" fill="none" class="leader"/>`);
    out.push(`<text x="${plotRight + 9}" y="${f1(cy - 3)}" class="limit-label" data-limit="${esc(l.name)}" data-value="${l.value}"><tspan>${esc(l.name)}</tspan><tspan x="${plotRight + 9}" dy="1.25em">${esc(l.text)}</tspan></text>`);
  });

  // the series
  for (const s of p.series) {
    let d = '';
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) return;
      d += `${d === '' ? 'M' : 'L'}${f1(x(i + 1))},${f1(y(v))}`;
    });
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.dashed ? 1.3 : 1.6}"${s.dashed ? ' stroke-dasharray="2 2.5"' : ''} stroke-linejoin="round" class="series" data-series="${esc(s.label)}"/>`);
  }

  // the guard's decisions: per bucket of ticks, a bar as tall as its count, one lane each
  if (lanes) {
    const size = bucketSize(p.steps);
    const buckets = new Map<string, DemoMarker[]>();
    for (const m of markers) {
      const k = `${m.action}|${Math.floor((m.step - 1) / size)}`;
      (buckets.get(k) ?? buckets.set(k, []).get(k)!).push(m);
    }
    const lane = (action: 'resize' | 'block', top: number, label: string) => {
      const inLane = [...buckets].filter(([k]) => k.startsWith(`${action}|`));
      const max = Math.max(1, ...inLane.map(([, ms]) => ms.length));
      out.push(`<rect x="${PAD.left}" y="${top}" width="${PLOT_W}" height="${LANE_H}" fill="#f6f6f6" class="lane"/>`);
      out.push(`<text x="${PAD.left - 6}" y="${top + LANE_H / 2}" dy="0.35em" text-anchor="end" class="lane-label">${label}</text>`);
      out.push(`<text x="${plotRight + 9}" y="${top + LANE_H / 2}" dy="0.35em" class="lane-scale">max ${max}</text>`);
      for (const [k, ms] of inLane) {
        const b = Number(k.split('|')[1]);
        const first = b * size + 1;
        const last = Math.min(p.steps, (b + 1) * size);
        const x0 = x(first - 1);
        const w = Math.max(1.5, x(last) - x0 - 1);
        const h = Math.max(2.5, (ms.length / max) * LANE_H);
        const byCode = new Map<string, number>();
        for (const m of ms) byCode.set(m.code, (byCode.get(m.code) ?? 0) + 1);
        const shown = ms.slice(0, 8).map((m) => `${m.side} ${m.requested} ${m.symbol} → ${m.approved} (${m.code}: ${m.message})`);
        if (ms.length > shown.length) shown.push(`… and ${ms.length - shown.length} more`);
        const tip = `${first === last ? `tick ${first}` : `ticks ${first}–${last}`}: ${ms.length} ${action === 'resize' ? 'resized' : 'blocked'} (${[...byCode].map(([c, n]) => `${c} ${n}`).join(', ')})\n${shown.join('\n')}`;
        out.push(`<rect x="${f1(x0 + 0.5)}" y="${f1(top + LANE_H - h)}" width="${f1(w)}" height="${f1(h)}" fill="${COLORS[action]}" class="marker ${action}" data-count="${ms.length}" data-from="${first}" data-to="${last}"><title>${esc(tip)}</title></rect>`);
      }
    };
    lane('resize', laneTop, 'resized');
    lane('block', laneTop + LANE_H + LANE_GAP, 'blocked');
  }
  out.push('</svg>');

  const swatch = (color: string, style: string) => `<i class="sw" style="border-top:2px ${style} ${color}"></i>`;
  const size = lanes ? bucketSize(p.steps) : 0;
  const legend = [
    ...p.series.map((s) => `<span>${swatch(s.color, s.dashed ? 'dotted' : 'solid')}${esc(s.label)}</span>`),
    `<span>${swatch(COLORS.limit, 'dashed')}limit (named on the right)</span>`,
    ...(lanes ? [
      `<span><i class="bar" style="background:${COLORS.resize}"></i>orders resized</span>`,
      `<span><i class="bar" style="background:${COLORS.block}"></i>orders blocked</span>`,
      `<span class="muted">(bars: orders per ${size === 1 ? 'tick' : `${size} ticks`}, the tallest per lane is its max)</span>`,
    ] : []),
  ];
  return `<h2>${esc(p.title)}</h2><div class="legend">${legend.join('')}</div>\n${out.join('\n')}`;
}

function table(head: string[], rows: string[][], cls = ''): string {
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** A peak's row: the value, its share of the limit, and when over it, the share of price moves and of orders. */
function peakRow(p: Peak, decimals: number): string[] {
  const n = (s: string, signed = false) => (Number.isFinite(Number(s)) ? formatNumber(Number(s), decimals, signed) : s);
  const th = p.threshold === null ? null : Number(p.threshold);
  const use = th !== null && Number.isFinite(th) && th > 0 ? `${((Number(p.peak) / th) * 100).toFixed(1)} %` : '—';
  const shown = p.threshold === null ? '—' : Number.isFinite(th) ? formatNumber(th!, decimalsOf(th!)) : p.threshold;
  const head = [p.limit, shown, n(p.peak), String(p.step), use];
  if (p.over === null) return [...head, 'within', '—', '—', '—'];
  const o = p.over;
  return [...head, n(o.by), o.since === 0 ? `${n(o.from)} at the start` : `${n(o.from)} after tick ${o.since}`, n(o.prices, true), n(o.orders, true)];
}

export function renderHtmlReport(r: DemoResult): string {
  const s = r.samples;
  const pick = (f: (x: DemoSample) => string | null) => s.map((x) => num(f(x)));
  const levels = (value: string | null, name: string, decimals: number, both = false): Level[] => {
    const v = num(value);
    if (v === null || Number.isNaN(v)) return [];
    return both
      ? [{ name, value: v, text: formatNumber(v, decimals, true) }, { name, value: -v, text: formatNumber(-v, decimals) }]
      : [{ name, value: v, text: formatNumber(v, decimals) }];
  };
  const exposure = chart({
    title: 'Exposure (USDT) against the limits', yLabel: 'exposure (USDT)', plotH: 270, steps: r.steps,
    series: [
      { label: 'net exposure', color: '#1565c0', values: pick((x) => x.net) },
      { label: 'gross exposure', color: '#00897b', values: pick((x) => x.gross) },
      { label: 'gross with pending orders, worst case', color: '#8e24aa', dashed: true, values: pick((x) => x.worstGross) },
    ],
    levels: [...levels(r.limits.maxNetExposure, 'maxNetExposure', 0, true), ...levels(r.limits.maxGrossExposure, 'maxGrossExposure', 0)],
    markers: r.markers,
  });
  const leverage = chart({
    title: 'Leverage against its limit', yLabel: 'leverage (× equity)', plotH: 170, steps: r.steps, floorZero: true,
    series: [
      { label: 'leverage', color: '#2e7d32', values: pick((x) => x.leverage) },
      { label: 'leverage with pending orders, worst case', color: '#8e24aa', dashed: true, values: pick((x) => x.worstLeverage) },
    ],
    levels: levels(r.limits.maxLeverage, 'maxLeverage', decimalsOf(Number(r.limits.maxLeverage ?? 0))),
  });

  const byLimit = Object.entries(r.byLimit).sort((a, b) => b[1].resized + b[1].blocked - (a[1].resized + a[1].blocked))
    .map(([code, t]) => [code, String(t.resized), String(t.blocked)]);
  const peaks = [peakRow(r.peaks.net, 2), peakRow(r.peaks.gross, 2), peakRow(r.peaks.leverage, 4)];
  const overs = [r.peaks.net, r.peaks.gross, r.peaks.leverage].filter((p) => p.over !== null);
  const verdict = r.limitsHeld
    ? `<p class="ok">Limits held: on the exchange's own numbers, no order it accepted took net, gross, leverage, a position, an order's size or the open-order count past its limit (${r.steps} ticks checked).</p>`
    : `<p class="bad">Limits breached ${r.breaches.length} time(s):</p>${table(['tick', 'limit', 'subject', 'threshold', 'before', 'after'], r.breaches.map((b) => [String(b.step), b.limit, b.subject ?? '', b.threshold, b.before, b.after]))}`;
  const data = JSON.stringify({ seed: r.seed, steps: r.steps, limits: r.limits, peaks: r.peaks, samples: r.samples, markers: r.markers }).replace(/</g, '\\u003c');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>risk-guard demo report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans","Liberation Sans",Arial,sans-serif;color:#222;max-width:1000px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 4px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ddd;padding:3px 10px;text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
svg.chart{display:block;overflow:visible}svg text{font-size:11px;fill:#555}svg .axis-label{font-size:12px;fill:#333}svg .limit-label{fill:${COLORS.limit};font-weight:600}svg .lane-label{fill:#333}svg .lane-scale{fill:#888;font-size:10px}
.legend{display:flex;flex-wrap:wrap;gap:4px 18px;font-size:12px;margin:2px 0 4px}.legend span{white-space:nowrap}.legend .sw{display:inline-block;width:22px;height:0;margin-right:6px;vertical-align:middle}.legend .bar{display:inline-block;width:7px;height:11px;margin-right:6px;vertical-align:-1px}
.peaks td{white-space:nowrap}.peaks th{font-size:13px}
.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}.muted{color:#777}.note{color:#444;max-width:900px}
</style></head><body>
<h1>risk-guard demo</h1>
<p class="muted">Three example bots (a pyramiding trend follower on BTC, a market maker on ETH, a momentum trader on SOL) traded one simulated Binance USDS-M futures account of 10&#8239;000 USDT through <code>guard.wrap(exchange)</code> for ${r.steps} market ticks (seed ${r.seed}, ${(r.durationMs / 1000).toFixed(1)} s).</p>
${verdict}
${exposure}
${leverage}
<h2>Decisions</h2>
${table(['orders checked', 'allowed', 'resized', 'blocked', 'accepted by the exchange', 'fills'], [[String(r.decisions.total), String(r.decisions.allowed), String(r.decisions.resized), String(r.decisions.blocked), String(r.ordersAccepted), String(r.fills)]])}
<h2>Resized and blocked, by the limit that bound</h2>
${table(['limit', 'resized', 'blocked'], byLimit)}
<h2>Peaks (pending orders in their worst case) against the limits</h2>
${table(['limit', 'threshold', 'peak', 'at tick', 'use', 'over by', 'last within the limit', 'then price moves', 'then orders'], peaks, 'peaks')}
<p class="note">A peak over its limit is not a breach by itself: the guard approves no order that would take a metric past its limit and, once price moves have carried the book past it, lets through only orders that leave the metric no worse (and reduce-only orders, which no exposure limit holds back). For such a peak the last three columns show how it came about, from the end of the last tick that left the metric within its limit: what the price moves did to it and what the bots' orders did (fees included); the peak is that value plus both.${overs.length === 0 ? '' : overs.every((p) => Number(p.over!.orders) <= 0) ? ' Here the orders\' part is zero or negative for every peak over its limit: what lies over the limit came from price moves.' : ' Where the orders\' part is positive, reduce-only orders moved the metric, or the referee lists a breach above.'} Breaches are judged separately, tick by tick, by the referee ("Limits held" above).</p>
<script type="application/json" id="risk-guard-demo-data">${data}</script>
</body></html>
`;
}
