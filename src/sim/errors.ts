/**
 * Errors the simulated exchange answers with, in Binance's JSON format
 * `{"code":-2019,"msg":"Margin is insufficient."}`, so ccxt maps them to the
 * same exception classes it raises against the real exchange.
 */
export class BinanceError extends Error {
  constructor(readonly code: number, readonly msg: string, readonly httpStatus = 400) {
    super(msg);
    this.name = 'BinanceError';
  }

  toJSON(): { code: number; msg: string } {
    return { code: this.code, msg: this.msg };
  }
}

/** The messages Binance USD-M sends with each code (msg texts as Binance spells them). */
export const E = {
  unknownRoute: (method: string, path: string) => new BinanceError(-1121, `Invalid symbol. (route not served by the simulated exchange: ${method} ${path})`, 404),
  badSymbol: () => new BinanceError(-1121, 'Invalid symbol.'),
  mandatory: (name: string) => new BinanceError(-1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`),
  notRequired: (name: string) => new BinanceError(-1106, `Parameter '${name}' sent when not required.`),
  badParam: (name: string) => new BinanceError(-1130, `Data sent for parameter '${name}' is not valid.`),
  apiKeyFormat: () => new BinanceError(-2014, 'API-key format invalid.', 401),
  invalidKey: () => new BinanceError(-2015, 'Invalid API-key, IP, or permissions for action.', 401),
  badOrderType: () => new BinanceError(-1116, 'Invalid orderType.'),
  badSide: () => new BinanceError(-1117, 'Invalid side.'),
  badTif: () => new BinanceError(-1115, 'Invalid timeInForce.'),
  precision: () => new BinanceError(-1111, 'Precision is over the maximum defined for this asset.'),
  priceLessThanZero: () => new BinanceError(-4001, 'Price less than 0.'),
  priceAboveMax: () => new BinanceError(-4002, 'Price greater than max price.'),
  priceBelowMin: () => new BinanceError(-4013, 'Price less than min price.'),
  priceTick: () => new BinanceError(-4014, 'Price not increased by tick size.'),
  qtyNotPositive: () => new BinanceError(-4003, 'Quantity less than or equal to zero.'),
  qtyBelowMin: () => new BinanceError(-4004, 'Quantity less than min quantity.'),
  qtyAboveMax: () => new BinanceError(-4005, 'Quantity greater than max quantity.'),
  qtyStep: () => new BinanceError(-4023, 'Qty not increased by step size.'),
  priceUp: (limit: string) => new BinanceError(-4016, `Limit price can't be higher than ${limit}.`), // PERCENT_PRICE multiplierUp
  priceDown: (limit: string) => new BinanceError(-4024, `Limit price can't be lower than ${limit}.`),
  minNotional: (min: string) => new BinanceError(-4164, `Order's notional must be no smaller than ${min} (unless you choose reduce only).`),
  margin: () => new BinanceError(-2019, 'Margin is insufficient.'),
  reduceOnly: () => new BinanceError(-2022, 'ReduceOnly Order is rejected.'),
  maxOpenOrders: () => new BinanceError(-2025, 'Reach max open order limit.'),
  unknownOrder: () => new BinanceError(-2011, 'Unknown order sent.'),
  noSuchOrder: () => new BinanceError(-2013, 'Order does not exist.'),
  duplicateClientId: () => new BinanceError(-4116, 'ClientOrderId is duplicated.'),
  positionSide: () => new BinanceError(-4061, "Order's position side does not match user's setting."),
  leverage: (lev: string) => new BinanceError(-4028, `Leverage ${lev} is not valid`),
  sameMode: () => new BinanceError(-4059, 'No need to change position side.'),
  modeOpenOrders: () => new BinanceError(-4067, 'Position side cannot be changed if there exists open orders.'),
  modePosition: () => new BinanceError(-4068, 'Position side cannot be changed if there exists position.'),
  sameMarginType: () => new BinanceError(-4046, 'No need to change margin type.'),
  fok: () => new BinanceError(-5021, 'Due to the order could not be filled immediately, the FOK order has been rejected.'),
  postOnly: () => new BinanceError(-5022, 'Due to the order could not be executed as maker, the Post Only order will be rejected.'),
  noChange: () => new BinanceError(-5027, 'No need to modify the order.'),
  notSimulated: (what: string) => new BinanceError(-1000, `An unknown error occured while processing the request. (${what} is not simulated)`),
} as const;
