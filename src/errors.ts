/**
 * Every error a bot can meet from risk-guard has its own class and a message that
 * says what to do. None of them ever carries API keys or signatures.
 */
export class RiskGuardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The config does not validate; `problems` lists every problem with its path. */
export class ConfigError extends RiskGuardError {
  constructor(readonly problems: string[]) {
    super(`invalid risk-guard config (${problems.length} problem${problems.length === 1 ? '' : 's'}); fix these and create the guard again:\n  - ${problems.join('\n  - ')}`);
  }
}

/** An account snapshot is malformed or contradictory; the data is not used. */
export class SnapshotError extends RiskGuardError {
  constructor(readonly source: string, readonly problems: string[]) {
    super(`account snapshot from ${source} is unusable (${problems.join('; ')}); the guard keeps blocking opening orders until a good snapshot arrives`);
  }
}

/** A source reads an exchange no module is verified on, and the config did not accept that. */
export class UnverifiedExchangeError extends RiskGuardError {
  constructor(readonly source: string, readonly exchange: string, verifiedExchanges: readonly string[]) {
    super(`${source}: risk-guard has no verified module for the ccxt exchange '${exchange}', so its positions could be valued in the wrong unit without anyone noticing. Verified: ${verifiedExchanges.join(', ')}. To use it anyway set allowUnverifiedExchange: true in the config; the guard then opens nothing on a position whose value the exchange does not state and confirm, and exposure() carries a warning`);
  }
}

/** A data source (exchange adapter) failed to deliver a snapshot. */
export class SourceError extends RiskGuardError {
  constructor(readonly source: string, message: string, readonly causeName?: string) {
    super(`${source}: ${message}`);
  }
}

/** The guard was used after close(). */
export class GuardClosedError extends RiskGuardError {
  constructor() {
    super('this RiskGuard is closed; create a new one with RiskGuard.create()');
  }
}

/** Keys and secrets must never reach messages: strip anything that looks like one. */
export function redact(text: string): string {
  return text
    .replace(/([?&](?:signature|apiKey|api_key|key|secret|sign|passphrase|timestamp)=)[^&\s"']+/gi, '$1[redacted]')
    .replace(/((?:X-MBX-APIKEY|OK-ACCESS-KEY|OK-ACCESS-SIGN|OK-ACCESS-PASSPHRASE|X-BAPI-API-KEY|X-BAPI-SIGN|api-key|apikey|secret|signature|authorization)["']?\s*[:=]\s*["']?)[^"',\s}]+/gi, '$1[redacted]');
}
