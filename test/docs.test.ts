import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('README', () => {
  it('carries the config reference generated from the zod schema (run `node scripts/config-docs.mjs --write` after changing the schema)', () => {
    const generated = execFileSync(process.execPath, ['scripts/config-docs.mjs'], { encoding: 'utf8' }).trim();
    expect(readFileSync('README.md', 'utf8')).toContain(generated);
  });

  it('names the two commands, and the test command is what CI runs', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain('npm ci && npm test');
    expect(readFileSync('.ci/run', 'utf8')).toContain('npm ci && npm test');
  });
});
