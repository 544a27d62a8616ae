/**
 * Runs the market maker and the momentum trader of `risk-guard demo` together, on one
 * wrapped client of the simulated exchange: each harmless alone, not together. The bots
 * are in src/demo/bots/two-strategies.ts; how they are put behind the guard (the three
 * lines a bot needs) is in src/demo/bots/on-sim.ts.
 *
 *   npx tsx strategies-example/two-strategies.ts
 */
import { isMain, runOnSim } from '../src/demo/bots/on-sim.js';
import { marketMaker, momentum } from '../src/demo/bots/two-strategies.js';

if (isMain(import.meta.url)) {
  await runOnSim([marketMaker({ log: console.log }), momentum({ log: console.log })], { steps: 120 });
}
