/**
 * Runs the pyramiding trend follower of `risk-guard demo` on its own, against the
 * simulated exchange, and says what the guard did to its orders. The bot itself is in
 * src/demo/bots/pyramid.ts: a plain ccxt strategy that never calls the guard.
 *
 *   npx tsx strategies-example/pyramid.ts
 */
import { isMain, runOnSim } from '../src/demo/bots/on-sim.js';
import { pyramid } from '../src/demo/bots/pyramid.js';

if (isMain(import.meta.url)) {
  await runOnSim([pyramid({ fatFingerAt: 25, log: console.log })], { steps: 120 });
}
