import type { AccountSnapshot } from '../snapshot/format.js';

/** The parts of a read whose timing the guard orders against orders and fills. */
export type ReadPart = 'openOrders' | 'account';

/**
 * Lets a source place the parts of a read among the guard's events: call `stamp` right
 * before a part is requested and right after its answer arrived. A source that reads the
 * open orders first and positions and balances after their answer lets every order and
 * fill settle in one read; one that does not stamp is taken as read in no order, and
 * orders it no longer lists settle a read later (docs/ARCHITECTURE.md).
 */
export interface ReadClock {
  stamp(part: ReadPart, phase: 'requested' | 'answered'): void;
}

/**
 * Where account data comes from. An adapter (CcxtAdapter) reads a live exchange; a
 * static snapshot is a fixed picture of an account, for what-if runs and the CLI.
 */
export interface AccountSource {
  /** names the account in the book and in reports; unique within one guard */
  readonly name: string;
  /** false for fixed snapshots: they cannot be refreshed, and their own timestamp is "now" */
  readonly live: boolean;
  /**
   * Set by a source whose numbers have not been verified on the exchange's own payloads
   * (a ccxt exchange without a module): the guard refuses it unless the config says
   * allowUnverifiedExchange, and then opens nothing on a position the exchange states no
   * value for.
   */
  readonly unverified?: { exchange: string; verifiedExchanges: readonly string[] } | undefined;
  fetchSnapshot(clock?: ReadClock): Promise<AccountSnapshot>;
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
