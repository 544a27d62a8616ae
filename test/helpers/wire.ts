/**
 * Holds a ccxt client's requests on the wire, to put a race exactly where a test wants it:
 * before the exchange sees the request (the exchange does not have it yet), or after the
 * exchange answered (it has acted; the client has not heard). Install with
 * `exchange.fetchImplementation = wire.fetch`; requests no hold matches pass straight through.
 */
export interface Hold {
  /** resolves when a matching request reaches the hold */
  readonly reached: Promise<void>;
  /** lets it go on */
  release(): void;
}

interface Pending {
  method: string | undefined;
  path: RegExp;
  phase: 'request' | 'response';
  reach: () => void;
  gate: Promise<void>;
}

export class Wire {
  private readonly holds: Pending[] = [];
  /** every request that went through, as "METHOD /path" */
  readonly seen: string[] = [];

  readonly fetch = async (url: string, init?: RequestInit): Promise<Response> => {
    const u = new URL(url);
    const method = (init?.method ?? 'GET').toUpperCase();
    this.seen.push(`${method} ${u.pathname}`);
    const i = this.holds.findIndex((h) => (h.method === undefined || h.method === method) && h.path.test(u.pathname));
    const hold = i >= 0 ? this.holds.splice(i, 1)[0] : undefined;
    if (hold?.phase === 'request') {
      hold.reach();
      await hold.gate;
    }
    const res = await globalThis.fetch(url, init);
    if (hold?.phase === 'response') {
      // the exchange has answered; the client hears it only on release
      const body = await res.text();
      hold.reach();
      await hold.gate;
      return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    }
    return res;
  };

  /** Holds the next request to a path (a method, or any), before it is sent or after it was answered. */
  hold(path: RegExp, phase: 'request' | 'response', method?: string): Hold {
    let reach!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((r) => { reach = r; });
    const gate = new Promise<void>((r) => { release = r; });
    this.holds.push({ method, path, phase, reach, gate });
    return { reached, release };
  }
}
