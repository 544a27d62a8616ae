import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * One JSON line per decision and state change, appended and handed to the OS at
 * once, so the file survives a crash of the bot and `jq` reads it line by line.
 * Only decisions and states go in: no keys, no exchange payloads.
 */
export class AuditLog {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  write(type: string, at: number, body: Record<string, unknown>): void {
    appendFileSync(this.path, `${JSON.stringify({ type, at: new Date(at).toISOString(), ...body })}\n`);
  }
}
