/** The demo's summary as the terminal shows it. */
import type { DemoResult } from './run-demo.js';

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

export function formatSummary(r: DemoResult, reportPath: string | null): string {
  const lines: string[] = [];
  const d = r.decisions;
  lines.push(`risk-guard demo: 3 bots, 1 simulated account (10 000 USDT), ${r.steps} ticks, seed ${r.seed}, ${(r.durationMs / 1000).toFixed(1)} s`);
  lines.push('');
  lines.push(`orders checked ${d.total}: allowed ${d.allowed}, resized ${d.resized}, blocked ${d.blocked}; accepted by the exchange ${r.ordersAccepted}, fills ${r.fills}`);
  lines.push('');
  lines.push(`${pad('resized / blocked by', 22)}${lpad('resized', 9)}${lpad('blocked', 9)}`);
  const rows = Object.entries(r.byLimit).sort((a, b) => b[1].resized + b[1].blocked - (a[1].resized + a[1].blocked));
  for (const [code, t] of rows) lines.push(`${pad(`  ${code}`, 22)}${lpad(String(t.resized), 9)}${lpad(String(t.blocked), 9)}`);
  lines.push('');
  lines.push(`${pad('peak (worst case)', 22)}${lpad('peak', 14)}${lpad('limit', 10)}${lpad('use', 8)}`);
  for (const p of [r.peaks.net, r.peaks.gross, r.peaks.leverage]) {
    const use = p.threshold !== null && Number(p.threshold) > 0 ? `${((Number(p.peak) / Number(p.threshold)) * 100).toFixed(1)}%` : '';
    lines.push(`${pad(`  ${p.limit}`, 22)}${lpad(p.peak, 14)}${lpad(p.threshold ?? '—', 10)}${lpad(use, 8)}`);
    if (p.over) {
      const o = p.over;
      const signed = (v: string) => (v.startsWith('-') || v === '0' ? v : `+${v}`);
      lines.push(`    over by ${o.by}: ${o.since === 0 ? `from ${o.from} at the start` : `within it after tick ${o.since} (${o.from})`}; since then price moves ${signed(o.prices)}, orders ${signed(o.orders)}`);
    }
  }
  lines.push('  (a peak over its limit is the market moving the book: the guard approves no order that takes');
  lines.push('   a metric past its limit, and over it lets through only orders that leave it no worse and');
  lines.push('   reduce-only orders; "price moves" and "orders" split the way from the last tick within it)');
  lines.push('');
  if (r.limitsHeld) {
    lines.push(`limits held: no order the exchange accepted took a limit past its cap (checked on the exchange's own numbers, every tick)`);
  } else {
    lines.push(`LIMITS BREACHED ${r.breaches.length} time(s):`);
    for (const b of r.breaches.slice(0, 10)) lines.push(`  tick ${b.step}: ${b.limit}${b.subject ? ` ${b.subject}` : ''} ${b.before} → ${b.after} (limit ${b.threshold})`);
  }
  if (reportPath) lines.push(`report: ${reportPath}`);
  return lines.join('\n');
}
