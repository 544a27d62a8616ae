import ccxt from 'ccxt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AdapterError, CcxtAdapter, ExchangeAuthError, ExchangeNetworkError, ExchangeRateLimitError, ExchangeTimeoutError,
  ExchangeUnavailableError, MalformedPayloadError,
} from '../../adapters/index.js';
import { classify } from '../../adapters/errors.js';
import { SourceError } from '../../src/errors.js';
import { RiskGuard } from '../../src/guard/risk-guard.js';
import { KEY, PASSWORD, SECRET, binanceFuturesVenue, bybitVenue, fx, makeBybit, makeExchange, resetNock, type LoggedRequest, type Reply } from './helpers.js';

beforeEach(() => resetNock());
afterEach(() => resetNock());

const usdm = (config: Record<string, any> = {}) => makeExchange('binanceusdm', { options: { fetchCurrencies: false }, ...config });
const on = (part: string, reply: Reply) => (req: LoggedRequest) => (req.path.includes(part) ? reply : undefined);

/** every signature ccxt computed for the requests so far */
const signatures = (reqs: LoggedRequest[]) => reqs.map((r) => r.query['signature']).filter((s): s is string => typeof s === 'string' && s.length > 0);

function expectClean(texts: string[], sigs: string[]) {
  const all = texts.join('\n');
  expect(sigs.length).toBeGreaterThan(0);
  for (const secret of [KEY, SECRET, PASSWORD, ...sigs]) expect(all).not.toContain(secret);
}

async function failure(adapter: CcxtAdapter): Promise<AdapterError> {
  const err = await adapter.fetchSnapshot().then(() => null, (e) => e);
  expect(err).toBeInstanceOf(AdapterError);
  expect(err).toBeInstanceOf(SourceError);
  return err as AdapterError;
}

describe('each fault rejects fetchSnapshot with a typed, redacted error', () => {
  it('timeout: the exchange does not answer within ccxt\'s timeout', async () => {
    const { venue } = binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    const ex = usdm({ timeout: 150 });
    const adapter = new CcxtAdapter(ex);
    await adapter.fetchSnapshot(); // markets loaded, account read once
    venue.fault = on('/fapi/v3/account', { hang: true });
    const err = await failure(adapter);
    expect(err).toBeInstanceOf(ExchangeTimeoutError);
    expect([err.kind, err.retryable, err.causeName]).toEqual(['timeout', true, 'RequestTimeout']);
    expect(err.message).toMatch(/^binanceusdm: timeout: balance failed: binanceusdm GET .*\/fapi\/v3\/account\?.*signature=\[redacted\].* request timed out \(150 ms\)/);
    expectClean([err.message, err.stack ?? ''], signatures(venue.requests));
  });

  it('timeout: the adapter\'s own deadline for the whole snapshot', async () => {
    const { venue } = binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    venue.fault = on('/fapi/v1/premiumIndex', { hang: true });
    const err = await failure(new CcxtAdapter(usdm(), { timeoutMs: 120 }));
    expect(err).toBeInstanceOf(ExchangeTimeoutError);
    expect(err.message).toBe('binanceusdm: timeout: no complete account snapshot within 120 ms');
  });

  it.each([500, 502, 503, 504])('HTTP %i', async (status) => {
    const { venue } = binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    venue.fault = on('/fapi/v3/positionRisk', { status, text: '<html><body>Bad Gateway</body></html>' });
    const err = await failure(new CcxtAdapter(usdm()));
    // ccxt: 5xx → ExchangeNotAvailable, 504 → RequestTimeout
    expect(err).toBeInstanceOf(status === 504 ? ExchangeTimeoutError : ExchangeUnavailableError);
    expect(err.message).toContain('positions failed');
    expect(err.retryable).toBe(true);
  });

  it('network: the connection is reset', async () => {
    const { venue } = binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    venue.fault = on('/fapi/v1/premiumIndex', { socketError: 'ECONNRESET' });
    const err = await failure(new CcxtAdapter(usdm()));
    expect(err).toBeInstanceOf(ExchangeNetworkError);
    expect([err.kind, err.retryable, err.causeName]).toEqual(['network', true, 'NetworkError']);
    expect(err.message).toContain('prices failed');
  });

  it('HTTP 429 and 418 from Binance: rate limited', async () => {
    for (const status of [429, 418]) {
      resetNock();
      const { venue } = binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
      venue.fault = on('/fapi/v1/openOrders', { status, body: { code: -1003, msg: 'Too many requests; current limit of IP(127.0.0.1) is 2400 requests per minute.' } });
      const err = await failure(new CcxtAdapter(usdm()));
      expect(err).toBeInstanceOf(ExchangeRateLimitError);
      expect([err.kind, err.retryable]).toEqual(['rate-limit', true]);
      expect(err.message).toContain('open orders failed');
    }
  });

  it('ccxt RateLimitExceeded (bybit retCode 10006)', async () => {
    const { venue } = bybitVenue(fx('bybit/one-way.json'));
    venue.fault = on('/v5/position/list', { body: { retCode: 10006, retMsg: 'Too many visits!', result: {}, retExtInfo: {}, time: 1722161166529 } });
    const err = await failure(new CcxtAdapter(makeBybit()));
    expect(err).toBeInstanceOf(ExchangeRateLimitError);
    expect(err.causeName).toBe('RateLimitExceeded');
  });

  it('authentication: a rejected key, with the key echoed back by the exchange, is redacted', async () => {
    const { venue } = binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    venue.fault = on('/fapi/v3/account', { status: 401, body: { code: -2015, msg: `Invalid API-key ${KEY}, IP, or permissions for action. secret=${SECRET}` } });
    const err = await failure(new CcxtAdapter(usdm()));
    expect(err).toBeInstanceOf(ExchangeAuthError);
    expect([err.kind, err.retryable, err.causeName]).toEqual(['auth', false, 'AuthenticationError']);
    expect(err.message).toContain('Invalid API-key [redacted], IP, or permissions for action.');
    expectClean([err.message, err.stack ?? '', JSON.stringify(err)], signatures(venue.requests));
  });

  it('malformed: an HTML page with status 200 where the positions should be (ccxt alone would read "no positions")', async () => {
    const { venue } = binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    venue.fault = on('/fapi/v3/positionRisk', { text: '<html><body>Service temporarily unavailable</body></html>' });
    const ex = usdm();
    ex.options.leverageBrackets = {};
    const viaCcxt = await ex.fetchPositions();
    expect(viaCcxt).toEqual([]); // the trap
    const err = await failure(new CcxtAdapter(ex));
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err.message).toMatch(/fapi positionRisk: expected a JSON array, got text "<html>/);
    expect(err.retryable).toBe(false);
  });

  it.each([
    ['a truncated body', { text: '[{"symbol":"BTCUSDT","positionSide":"BOTH","positionAmt":"0.500","entryP' }, /expected a JSON array, got text/],
    ['an object instead of the array', { body: { code: 0, msg: 'ok' } }, /expected a JSON array, got object/],
    ['a row without positionAmt', { body: [{ symbol: 'BTCUSDT', positionSide: 'BOTH', markPrice: '60000' }] }, /positionRisk\[0\]: field "positionAmt" is missing/],
    ['a positionAmt that is not a number', { body: [{ symbol: 'BTCUSDT', positionSide: 'BOTH', positionAmt: 'NaN', markPrice: '60000' }] }, /field "positionAmt" is not a decimal/],
    ['a position in a market that does not exist', { body: [{ symbol: 'NOPEUSDT', positionSide: 'BOTH', positionAmt: '1', markPrice: '1', notional: '1' }] }, /market NOPEUSDT is not in the loaded markets/],
  ])('malformed: %s', async (_what, reply, message) => {
    const { venue } = binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    venue.fault = on('/fapi/v3/positionRisk', reply as Reply);
    const err = await failure(new CcxtAdapter(usdm()));
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err.message).toMatch(message);
  });

  it('a position in a market listed after the markets were loaded: markets are reloaded once and the read succeeds', async () => {
    const { venue, state } = binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    const adapter = new CcxtAdapter(usdm());
    await adapter.fetchSnapshot();
    const sol = JSON.parse(JSON.stringify(state.exchangeInfo.symbols[0]));
    Object.assign(sol, { symbol: 'SOLUSDT', pair: 'SOLUSDT', baseAsset: 'SOL' });
    state.exchangeInfo.symbols.push(sol);
    state.positionRisk.push({ ...state.positionRisk[0], symbol: 'SOLUSDT', positionAmt: '10', notional: '1500', markPrice: '150' });
    const snap = await adapter.fetchSnapshot();
    expect(snap.positions.map((p) => p.symbol)).toContain('SOL/USDT:USDT');
    expect(venue.count('/fapi/v1/exchangeInfo')).toBe(2);
  });

  it('partial: positions answer, the balance fails — no half snapshot is delivered', async () => {
    const { venue } = binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    venue.fault = on('/fapi/v3/account', { status: 500, body: { code: -1000, msg: 'An unknown error occured while processing the request.' } });
    const err = await failure(new CcxtAdapter(usdm()));
    expect(venue.count('/fapi/v3/positionRisk')).toBe(1); // the positions did arrive
    expect(err).toBeInstanceOf(ExchangeUnavailableError);
    expect(err.message).toContain('balance failed');
  });

  it('partial: a bybit page cursor that repeats would be a partial list, and is refused', async () => {
    const data = fx('bybit/one-way.json');
    data.positions['linear USDT'].result.nextPageCursor = 'BTCUSDT,1,0';
    const { venue } = bybitVenue(data);
    venue.fault = null;
    const err = await failure(new CcxtAdapter(makeBybit()));
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect(err.message).toMatch(/same cursor/);
  });

  it('classification of the remaining ccxt errors', () => {
    const ex = { apiKey: KEY, secret: SECRET };
    expect(classify(new ccxt.NetworkError(`ECONNRESET https://x/y?apiKey=${KEY}`), 's', 'positions', ex)).toBeInstanceOf(ExchangeNetworkError);
    expect(classify(new ccxt.NetworkError(`ECONNRESET https://x/y?apiKey=${KEY}`), 's', 'positions', ex).message).not.toContain(KEY);
    expect(classify(new ccxt.OnMaintenance('maintenance'), 's', 'x').kind).toBe('unavailable');
    expect(classify(new ccxt.PermissionDenied('no futures permission'), 's', 'x').kind).toBe('auth');
    expect(classify(new ccxt.BadResponse('garbled'), 's', 'x').kind).toBe('malformed');
    expect(classify(new ccxt.BadSymbol('bad symbol'), 's', 'x').kind).toBe('exchange');
    expect(classify(new ccxt.OperationFailed('unknown error'), 's', 'x').kind).toBe('unavailable');
    expect(classify(new TypeError("Cannot read properties of undefined (reading 'map')"), 's', 'x').kind).toBe('malformed');
  });
});

describe('the guard over a failing adapter', () => {
  it('a fault mid-refresh marks the data stale, blocks opening orders, passes reducing ones, keeps the last good picture, and recovers', async () => {
    const { venue } = binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    const config = { limits: { maxNetExposure: { value: '36000' } } };
    const guard = await RiskGuard.create({ config, sources: [new CcxtAdapter(usdm({ timeout: 150 }))] });
    const events: string[] = [];
    const texts: string[] = [];
    guard.on('error', (e) => { events.push(`error:${e.source}:${e.error.name}`); texts.push(e.message, e.error.message, e.error.stack ?? '', JSON.stringify(e)); });
    guard.on('stale', (e) => { events.push(`stale:${e.source}`); texts.push(e.reason, JSON.stringify(e)); });
    guard.on('refresh', (e) => { events.push(`refresh:${e.source}`); });
    guard.on('decision', (d) => texts.push(JSON.stringify(d)));

    const openBtc = { symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amount: '0.01' } as const;
    const reduceBtc = { symbol: 'BTC/USDT:USDT', side: 'sell', type: 'market', amount: '0.1' } as const; // the long is 0.5
    expect(guard.preview(openBtc).action).toBe('allow');

    // positions answer, the balance fails
    venue.fault = on('/fapi/v3/account', { status: 500, body: { code: -1000, msg: `An unknown error occured; key ${KEY}` } });
    await guard.refresh();
    expect(events).toEqual(['error:binanceusdm:ExchangeUnavailableError', 'stale:binanceusdm']);
    const blocked = await guard.check(openBtc); // check() tries to refresh first; the fault persists
    expect(events).toEqual(['error:binanceusdm:ExchangeUnavailableError', 'stale:binanceusdm', 'error:binanceusdm:ExchangeUnavailableError']);
    expect([blocked.action, blocked.reasons[0]?.code]).toEqual(['block', 'STALE_DATA']);
    expect(blocked.reasons[0]?.message).toMatch(/account data from binanceusdm failed to refresh \(ExchangeUnavailableError: binanceusdm: unavailable: balance failed/);
    const reducing = guard.preview(reduceBtc);
    expect([reducing.action, reducing.approved]).toEqual(['allow', '0.1']);
    // half reducing, half opening (0.5 long, sell 0.8): only the reducing 0.5 passes
    const flip = guard.preview({ ...reduceBtc, amount: '0.8' });
    expect([flip.action, flip.approved, flip.reasons[0]?.code]).toEqual(['resize', '0.5', 'STALE_DATA']);
    // the last good snapshot is still what the guard reports
    expect(guard.exposure()).toMatchObject({ equity: '20000', net: '18000', gross: '42000' });

    // a second, different fault: no second stale event, another error
    venue.fault = on('/fapi/v3/positionRisk', { hang: true });
    await guard.refresh();
    expect(events.slice(3)).toEqual(['error:binanceusdm:ExchangeTimeoutError']); // still stale: no new stale event

    // the exchange answers again: the next check refreshes by itself and trades normally
    venue.fault = null;
    const after = await guard.check(openBtc);
    expect(after.action).toBe('allow');
    expect(events.at(-1)).toBe('refresh:binanceusdm');
    expect(guard.preview(openBtc).reasons).toEqual([]);

    expectClean(texts, signatures(venue.requests));
    await guard.close();
  });

  it('a guard whose first read fails does not start, and says why without secrets', async () => {
    const { venue } = binanceFuturesVenue('usdm', fx('binanceusdm/one-way.json'));
    venue.fault = on('/fapi/v3/positionRisk', { status: 401, body: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' } });
    const err = await RiskGuard.create({ config: {}, sources: [new CcxtAdapter(usdm())] }).catch((e) => e);
    expect(err).toBeInstanceOf(ExchangeAuthError);
    expectClean([err.message, err.stack ?? ''], signatures(venue.requests));
  });
});
