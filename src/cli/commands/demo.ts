import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { renderHtmlReport } from '../../demo/html-report.js';
import { runDemo } from '../../demo/run-demo.js';
import { formatSummary } from '../../demo/summary.js';
import { CliError, assertWritable } from '../io.js';

interface DemoCliOptions {
  steps: string;
  seed: string;
  out: string;
  json?: boolean;
  progress: boolean;
}

function integer(value: string, name: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new CliError(`--${name} must be an integer ≥ ${min}, got ${value}`);
  return n;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the example bots against a simulated exchange (no keys, no network) and report what the guard allowed, resized and blocked')
    .option('--steps <n>', 'market ticks to run', '400')
    .option('--seed <n>', 'seed of the price path (the bots run concurrently, so which of two racing orders the guard sees first can vary between runs)', '7')
    .option('--out <file>', 'where to write the HTML report', 'risk-guard-demo.html')
    .option('--json', 'print the summary as JSON instead of text')
    .option('--no-progress', 'no progress bar')
    .action(async (opts: DemoCliOptions) => {
      const steps = integer(opts.steps, 'steps', 1);
      const seed = integer(opts.seed, 'seed', 0);
      const bar = opts.progress && process.stderr.isTTY
        ? new cliProgress.SingleBar({ format: 'risk-guard demo [{bar}] {value}/{total} ticks', stream: process.stderr, hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic)
        : null;
      assertWritable(opts.out, '--out'); // before minutes of simulation, not after
      bar?.start(steps, 0);
      let result;
      try {
        result = await runDemo({ steps, seed, onStep: (done) => bar?.update(done) });
      } finally {
        bar?.stop();
      }
      const path = resolve(opts.out);
      try {
        writeFileSync(path, renderHtmlReport(result));
      } catch (err) {
        throw new CliError(`cannot write the report to ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      if (opts.json) {
        const { samples, markers, ...summary } = result;
        process.stdout.write(`${JSON.stringify({ ...summary, samples: samples.length, markers: markers.length, report: path }, null, 2)}\n`);
      } else {
        process.stdout.write(`${formatSummary(result, path)}\n`);
      }
      // a breach is a bug in the guard: say so with the exit code
      if (!result.limitsHeld) process.exitCode = 1;
    });
}
