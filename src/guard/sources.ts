import type { AccountSnapshot } from '../book/snapshot.js';

/**
 * Where account data comes from. An adapter (CcxtAdapter) reads a live exchange; a
 * static snapshot is a fixed picture of an account, for what-if runs and the CLI.
 */
export interface AccountSource {
  /** names the account in the book and in reports; unique within one guard */
  readonly name: string;
  /** false for fixed snapshots: they cannot be refreshed, and their own timestamp is "now" */
  readonly live: boolean;
  fetchSnapshot(): Promise<AccountSnapshot>;
  close?(): Promise<void> | void;
}

export class StaticSnapshotSource implements AccountSource {
  readonly live = false;
  readonly name: string;

  constructor(private readonly snapshot: AccountSnapshot) {
    this.name = snapshot.account ?? snapshot.exchange ?? 'snapshot';
  }

  async fetchSnapshot(): Promise<AccountSnapshot> {
    return this.snapshot;
  }
}

export function isAccountSource(x: unknown): x is AccountSource {
  return x !== null && typeof x === 'object' && typeof (x as AccountSource).fetchSnapshot === 'function';
}
