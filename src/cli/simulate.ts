import { ConfigError, SnapshotError } from '../errors.js';
import type { AccountSnapshot } from '../snapshot/normalize.js';
import type { Decision } from '../guard/decision.js';
import { RiskGuard } from '../guard/risk-guard.js';
import { CliError, configProblems, readJson, table } from './io.js';

export interface SimulateOptions {
  snapshot: string;
  config: string;
  orders: string;
  json?: boolean;
}

/**
 * Decides a list of orders against a saved account, in order: every approved order
 * stays pending for the orders after it. Staleness is judged at the snapshot's time.
 */
export async function simulate(opts: SimulateOptions): Promise<Decision[]> {
  const snapshot = readJson(opts.snapshot, 'snapshot') as AccountSnapshot;
  const config = readJson(opts.config, 'config');
  const orders = readJson(opts.orders, 'orders');
  if (!Array.isArray(orders)) throw new CliError(`the orders file ${opts.orders} must hold a JSON array of orders`);
  if (snapshot === null || typeof snapshot !== 'object') throw new CliError(`the snapshot file ${opts.snapshot} must hold an AccountSnapshot object`);
  const at = typeof snapshot.timestamp === 'number' ? snapshot.timestamp : 0;
  let guard: RiskGuard;
  try {
    guard = await RiskGuard.create({ config, sources: [snapshot], clock: () => at });
  } catch (err) {
    // name the file the problem is in
    if (err instanceof SnapshotError) throw new CliError(`the snapshot file ${opts.snapshot} is unusable: ${err.problems.join('; ')}`);
    if (err instanceof ConfigError) throw new CliError(configProblems(opts.config, err));
    throw err;
  }
  try {
    const decisions: Decision[] = [];
    for (const order of orders) decisions.push(await guard.check(order));
    return decisions;
  } finally {
    await guard.close();
  }
}

export function formatDecisions(decisions: Decision[]): string {
  const rows = decisions.map((d, i) => {
    const r = d.reasons[0];
    return [String(i + 1), d.symbol, d.side, d.requested, d.approved, d.action.toUpperCase(), r?.code ?? '', r?.message ?? ''];
  });
  const counts = { allow: 0, resize: 0, block: 0 };
  for (const d of decisions) counts[d.action]++;
  const last = decisions[decisions.length - 1];
  const summary = `${decisions.length} orders: ${counts.allow} allowed, ${counts.resize} resized, ${counts.block} blocked`
    + (last ? `\nafter the last order: net ${last.after.net}, gross ${last.after.gross}, leverage ${last.after.leverage ?? 'n/a'}, equity ${last.after.equity}` : '');
  return `${table(['#', 'symbol', 'side', 'requested', 'approved', 'action', 'binding', 'why'], rows)}\n\n${summary}`;
}
