// Vitest config for `npm run test:ccxt-range -- --deep`: the repository's tests with every
// `import … from 'ccxt'` resolved to the ccxt in RISK_GUARD_CCXT_DIR (one end of the peer range).
import { join } from 'node:path';

const dir = process.env.RISK_GUARD_CCXT_DIR;
if (!dir) throw new Error('set RISK_GUARD_CCXT_DIR to the folder of the ccxt to test against');

export default {
  resolve: { alias: [{ find: /^ccxt$/, replacement: join(dir, 'js/ccxt.js') }] },
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000, pool: 'forks' },
};
