import type { Command } from 'commander';
import { parseConfig } from '../../config/config.js';
import { configJsonSchema } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import { configProblems, readJson } from '../io.js';

export function registerConfigCommands(program: Command): void {
  program
    .command('validate-config')
    .argument('<file>', 'risk-guard config JSON')
    .description('check a config; lists every problem with its path (exit 1 when invalid)')
    .action((file: string) => {
      try {
        const c = parseConfig(readJson(file, 'config'));
        const n = Object.keys(c.raw.limits).length;
        process.stdout.write(`${file}: valid (${n} limit${n === 1 ? '' : 's'} configured, mode ${c.mode}, onBreach ${c.onBreach})\n`);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(`risk-guard: ${configProblems(file, err)}\n`);
        process.exitCode = 1;
      }
    });

  program
    .command('schema')
    .description('print the config\'s JSON Schema')
    .action(() => {
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
}
