#!/usr/bin/env node
// `prepublishOnly`: the working tree's package.json has a `prepare` script (it builds on
// `npm ci`), which a published package must not carry. Publish the tarball that
// `npm run release:pack` builds instead (its package.json has no prepare): npm publish <tarball>.
console.error('risk-guard: do not publish the working tree. Run `npm run release:pack` and publish the tarball it names: npm publish /path/to/risk-guard-<version>.tgz');
process.exit(1);
