import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, RiskGuardError } from '../errors.js';

/** A CLI failure the user can fix: printed without a stack, exit code 2. */
export class CliError extends RiskGuardError {}

/**
 * A value the user typed, as an error message shows it: as typed when it is plain, quoted
 * with its escapes when it holds spaces, quotes or control characters, so an identifier
 * with a line break cannot split the message.
 */
export function shown(value: unknown): string {
  const s = String(value);
  return /^[\w./:@+=,-]+$/.test(s) ? s : JSON.stringify(s);
}

export function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the ${what} file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`the ${what} file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Left-aligned text table; the last column may be long. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** An invalid config file, in the CLI's words. */
export function configProblems(file: string, err: ConfigError): string {
  return `the config file ${file} is invalid (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}); fix it and run the command again:\n  - ${err.problems.join('\n  - ')}`;
}

/** Fails before any work when `file` cannot be written: its folder missing or not writable. */
export function assertWritable(file: string, option: string): void {
  const dir = dirname(resolve(file));
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // missing
  }
  if (!isDir) throw new CliError(`${option} ${shown(file)}: the folder ${shown(dir)} does not exist; create it or choose another path`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new CliError(`${option} ${shown(file)}: the folder ${shown(dir)} is not writable`);
  }
}
