/**
 * `npm run bench`: runs every benchmark, prints a table and writes bench/results.json.
 * The npm script compiles first and runs the compiled JavaScript, as a bot would run the
 * library, with --expose-gc so the heap figure is measured.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBenchmarks } from './benchmarks.js';

const quick = process.argv.includes('--quick');
const r = await runBenchmarks({ quick });
const f = (n: number, d = 2) => n.toFixed(d);

console.log(`risk-guard benchmarks — ${r.machine.cpu}, node ${r.machine.node}${quick ? ' (quick mode: not for figures)' : ''}\n`);
console.table(r.latency.map((l) => ({ holdings: l.holdings, op: l.op, 'p50 µs': f(l.p50us), 'p99 µs': f(l.p99us), 'mean µs': f(l.meanUs) })));
console.table([{ 'raw createOrder p50 µs': f(r.wrap.rawP50us, 1), 'wrapped p50 µs': f(r.wrap.wrappedP50us, 1), 'ratio p50': f(r.wrap.ratio, 3), 'raw p99 µs': f(r.wrap.rawP99us, 1), 'wrapped p99 µs': f(r.wrap.wrappedP99us, 1) }]);
console.table([{
  'refresh 1 000 positions p50 ms': f(r.refresh.p50ms), 'p99 ms': f(r.refresh.p99ms),
  'heap at 10 000 holdings MB': r.heap.heapMB === null ? 'run with --expose-gc' : f(r.heap.heapMB, 1),
  [`requests in ${r.requests.checks} fresh checks`]: r.requests.requests,
}]);
console.table(r.targets.map((t) => ({ target: t.target, value: t.value, result: t.pass ? 'PASS' : 'MISS' })));
if (!quick) {
  // npm runs scripts from the package root; the compiled copy of this file lives in dist/bench
  const out = join(process.cwd(), 'bench', 'results.json');
  writeFileSync(out, `${JSON.stringify(r, null, 2)}\n`);
  console.log(`written: ${out}`);
}
