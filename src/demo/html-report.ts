/**
 * The demo's report: one self-contained HTML file (inline SVG and CSS, no script, no
 * external resource) with net and gross exposure and leverage over time against their
 * limits, a marker at every tick where the guard resized or blocked an order, and the
 * run's summary. The data behind the chart is embedded as JSON (#risk-guard-demo-data).
 */
import type { DemoMarker, DemoResult, DemoSample } from './run-demo.js';

const W = 960;
const PAD = { left: 72, right: 16, top: 16, bottom: 28 };

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const num = (s: string | null) => (s === null ? null : Number(s));

interface Series { label: string; color: string; dashed?: boolean; values: Array<number | null> }
interface Level { label: string; value: number; color: string }

/** One chart panel: lines over ticks, horizontal limit lines, optional marker strip. */
function panel(title: string, height: number, steps: number, series: Series[], levels: Level[], markers: DemoMarker[] = []): string {
  const plotH = height - PAD.top - PAD.bottom;
  const all = [...series.flatMap((s) => s.values.filter((v): v is number => v !== null)), ...levels.map((l) => l.value)];
  let lo = Math.min(0, ...all);
  let hi = Math.max(0, ...all);
  if (hi === lo) hi = lo + 1;
  const span = hi - lo;
  lo -= span * 0.05;
  hi += span * 0.05;
  const x = (step: number) => PAD.left + ((step - 1) / Math.max(1, steps - 1)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - lo) / (hi - lo)) * plotH;
  const out: string[] = [];
  out.push(`<svg viewBox="0 0 ${W} ${height}" width="100%" role="img" aria-label="${esc(title)}">`);
  out.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${plotH}" fill="#fafafa" stroke="#ddd"/>`);
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="axis">${Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2)}</text>`);
  }
  for (const t of [1, Math.round(steps / 4), Math.round(steps / 2), Math.round((3 * steps) / 4), steps]) {
    out.push(`<text x="${x(t).toFixed(1)}" y="${height - 8}" text-anchor="middle" class="axis">${t}</text>`);
  }
  for (const l of levels) {
    out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(l.value).toFixed(1)}" y2="${y(l.value).toFixed(1)}" stroke="${l.color}" stroke-width="1.5" stroke-dasharray="6 4"><title>${esc(l.label)}</title></line>`);
    out.push(`<text x="${W - PAD.right - 4}" y="${(y(l.value) - 4).toFixed(1)}" text-anchor="end" class="limit" fill="${l.color}">${esc(l.label)}</text>`);
  }
  for (const s of series) {
    let d = '';
    s.values.forEach((v, i) => {
      if (v === null) return;
      d += `${d === '' ? 'M' : 'L'}${x(i + 1).toFixed(1)},${y(v).toFixed(1)}`;
    });
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="3 3"' : ''} class="series" data-series="${esc(s.label)}"/>`);
  }
  // one marker per tick and action, its tooltip listing the orders
  const byTick = new Map<string, DemoMarker[]>();
  for (const m of markers) {
    const k = `${m.step}|${m.action}`;
    (byTick.get(k) ?? byTick.set(k, []).get(k)!).push(m);
  }
  for (const [k, ms] of byTick) {
    const [step, action] = k.split('|') as [string, 'resize' | 'block'];
    const cx = x(Number(step));
    const cy = PAD.top + (action === 'resize' ? 7 : plotH - 7);
    const tip = ms.map((m) => `${m.side} ${m.requested} ${m.symbol} → ${m.approved} (${m.code}: ${m.message})`).join('\n');
    const shape = action === 'resize'
      ? `<path d="M${(cx - 4).toFixed(1)},${cy - 4} L${(cx + 4).toFixed(1)},${cy - 4} L${cx.toFixed(1)},${cy + 4} Z" fill="#e69500" class="marker resize">`
      : `<path d="M${(cx - 3.5).toFixed(1)},${cy - 3.5} L${(cx + 3.5).toFixed(1)},${cy + 3.5} M${(cx + 3.5).toFixed(1)},${cy - 3.5} L${(cx - 3.5).toFixed(1)},${cy + 3.5}" stroke="#c62828" stroke-width="1.6" class="marker block">`;
    out.push(`${shape}<title>tick ${step}, ${action === 'resize' ? 'resized' : 'blocked'}:\n${esc(tip)}</title></path>`);
  }
  out.push('</svg>');
  const legend = [...series.map((s) => `<span><i style="border-color:${s.color};border-style:${s.dashed ? 'dotted' : 'solid'}"></i>${esc(s.label)}</span>`),
    ...(markers.length ? ['<span><b style="color:#e69500">▼</b> resized</span>', '<span><b style="color:#c62828">✕</b> blocked</span>'] : [])];
  return `<h2>${esc(title)}</h2><div class="legend">${legend.join('')}</div>${out.join('\n')}`;
}

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export function renderHtmlReport(r: DemoResult): string {
  const s = r.samples;
  const pick = (f: (x: DemoSample) => string | null) => s.map((x) => num(f(x)));
  const levels = (value: string | null, label: string, color: string, both = false): Level[] => {
    const v = num(value);
    if (v === null || Number.isNaN(v)) return [];
    return both ? [{ label: `${label} +${value}`, value: v, color }, { label: `${label} −${value}`, value: -v, color }] : [{ label: `${label} ${value}`, value: v, color }];
  };
  const exposure = panel('Exposure (USDT) against the limits', 340, r.steps, [
    { label: 'net exposure', color: '#1565c0', values: pick((x) => x.net) },
    { label: 'gross exposure', color: '#555', values: pick((x) => x.gross) },
    { label: 'gross with pending orders, worst case', color: '#8e24aa', dashed: true, values: pick((x) => x.worstGross) },
  ], [...levels(r.limits.maxNetExposure, 'maxNetExposure', '#1565c0', true), ...levels(r.limits.maxGrossExposure, 'maxGrossExposure', '#8e24aa')], r.markers);
  const leverage = panel('Leverage against its limit', 220, r.steps, [
    { label: 'leverage', color: '#2e7d32', values: pick((x) => x.leverage) },
    { label: 'leverage with pending orders, worst case', color: '#8e24aa', dashed: true, values: pick((x) => x.worstLeverage) },
  ], levels(r.limits.maxLeverage, 'maxLeverage', '#2e7d32'));

  const byLimit = Object.entries(r.byLimit).sort((a, b) => b[1].resized + b[1].blocked - (a[1].resized + a[1].blocked))
    .map(([code, t]) => [code, String(t.resized), String(t.blocked)]);
  const peaks = [r.peaks.net, r.peaks.gross, r.peaks.leverage].map((p) => [p.limit, p.threshold ?? '—', p.peak, String(p.step)]);
  const verdict = r.limitsHeld
    ? `<p class="ok">Limits held: on the exchange's own numbers, no order it accepted took net, gross, leverage, a position, an order's size or the open-order count past its limit (${r.steps} ticks checked).</p>`
    : `<p class="bad">Limits breached ${r.breaches.length} time(s):</p>${table(['tick', 'limit', 'subject', 'threshold', 'before', 'after'], r.breaches.map((b) => [String(b.step), b.limit, b.subject ?? '', b.threshold, b.before, b.after]))}`;
  const data = JSON.stringify({ seed: r.seed, steps: r.steps, limits: r.limits, samples: r.samples, markers: r.markers }).replace(/</g, '\\u003c');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>risk-guard demo report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;color:#222;max-width:1000px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 4px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ddd;padding:3px 10px;text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.axis{font-size:11px;fill:#777}.limit{font-size:11px}.legend span{margin-right:16px;font-size:12px}.legend i{display:inline-block;width:18px;border-top-width:2px;margin-right:5px;vertical-align:middle}
.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}.muted{color:#777}
</style></head><body>
<h1>risk-guard demo</h1>
<p class="muted">Three example bots (a pyramiding trend follower on BTC, a market maker on ETH, a momentum trader on SOL) traded one simulated Binance USDⓈ-M account of 10 000 USDT through <code>guard.wrap(exchange)</code> for ${r.steps} market ticks (seed ${r.seed}, ${(r.durationMs / 1000).toFixed(1)} s).</p>
${verdict}
${exposure}
${leverage}
<h2>Decisions</h2>
${table(['orders checked', 'allowed', 'resized', 'blocked', 'accepted by the exchange', 'fills'], [[String(r.decisions.total), String(r.decisions.allowed), String(r.decisions.resized), String(r.decisions.blocked), String(r.ordersAccepted), String(r.fills)]])}
<h2>Resized and blocked, by the limit that bound</h2>
${table(['limit', 'resized', 'blocked'], byLimit)}
<h2>Peaks (pending orders in their worst case) against the limits</h2>
${table(['limit', 'threshold', 'peak', 'at tick'], peaks)}
<script type="application/json" id="risk-guard-demo-data">${data}</script>
</body></html>
`;
}
