import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('README', () => {
  it('carries the config reference generated from the zod schema (run `node scripts/config-docs.mjs --write` after changing the schema)', () => {
    const generated = execFileSync(process.execPath, ['scripts/config-docs.mjs'], { encoding: 'utf8' }).trim();
    expect(readFileSync('README.md', 'utf8')).toContain(generated);
  });

  it('shows the Decision the program gives for its example (run `node scripts/readme-examples.mjs --write` after changing decisions)', () => {
    const generated = execFileSync(process.execPath, ['scripts/readme-examples.mjs'], { encoding: 'utf8' }).trim();
    expect(readFileSync('README.md', 'utf8')).toContain(generated);
    // the fee of the approved 0.06 at 50000 (0.05%) is in the equity after: 10000 − 1.5
    expect(generated).toContain('"equity": "9998.5"');
  });

  it('names the two commands, and the test command is what CI runs', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain('npm ci && npm test');
    expect(readFileSync('.ci/run', 'utf8')).toContain('npm ci && npm test');
  });
});
