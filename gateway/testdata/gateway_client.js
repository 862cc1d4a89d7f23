// An independent client of dreichor-gateway: Node's own crypto (Ed25519) and the `ws` package,
// none of the project's code. It registers keys through the runtime's admin API, then tries every
// refusal class on both ways in (signed REST and the order-entry session), checking that none
// reaches the runtime, and the happy path: signed order and session order -> trade -> both
// parties' private streams show their fill.
//
//   GATEWAY=127.0.0.1:9000 RUNTIME=127.0.0.1:8080 ADMIN_TOKEN=... node gateway_client.js
//   TLS_CA=cert.pem GATEWAY=127.0.0.1:9443 ... node gateway_client.js tls
//
// Prints one line per check and exits 0 only when every check held.
'use strict';
const crypto = require('crypto');
const http = require('http');
const https = require('https');
const fs = require('fs');
const WebSocket = require('ws');

const [gatewayHost, gatewayPort] = process.env.GATEWAY.split(':');
const [runtimeHost, runtimePort] = (process.env.RUNTIME || ':').split(':');
const adminToken = process.env.ADMIN_TOKEN;
const tlsCa = process.env.TLS_CA ? fs.readFileSync(process.env.TLS_CA) : null;
let failures = 0;

function check(name, ok, detail) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : ': ' + detail}`);
  if (!ok) failures++;
}

function request(host, port, method, path, body, headers, tls) {
  return new Promise((resolve, reject) => {
    const options = {host, port, method, path, headers: {...headers}, agent: false};
    if (body !== undefined) options.headers['Content-Type'] = 'application/json';
    if (tls) options.ca = tlsCa;
    const req = (tls ? https : http).request(options, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(data); } catch (e) { json = null; }
        resolve({status: res.statusCode, headers: res.headers, body: data, json});
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const gateway = (method, path, body, headers) =>
  request(gatewayHost, gatewayPort, method, path, body, headers || {}, !!tlsCa);
const admin = (path, object) =>
  request(runtimeHost, runtimePort, 'POST', path, JSON.stringify(object),
          {Authorization: 'Bearer ' + adminToken}, false);
const runtimeState = async () =>
  (await request(runtimeHost, runtimePort, 'GET', '/v1/state', undefined, {}, false)).json;

function newKey() {
  const {publicKey, privateKey} = crypto.generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({format: 'jwk'}).x, 'base64url');
  return {privateKey, publicBase64: raw.toString('base64')};
}

let lastTimestamp = 0;
// A fresh millisecond timestamp per signature, so that two equal requests differ.
function timestamp(skewMs = 0) {
  let now = Date.now() + skewMs;
  if (skewMs === 0) {
    if (now <= lastTimestamp) now = lastTimestamp + 1;
    lastTimestamp = now;
  }
  return String(now);
}

function sign(key, payload) {
  return crypto.sign(null, Buffer.from(payload), key.privateKey).toString('base64');
}

function signedHeaders(key, keyId, method, path, body, skewMs = 0) {
  const ts = timestamp(skewMs);
  return {'DREICHOR-KEY': String(keyId), 'DREICHOR-TIMESTAMP': ts,
          'DREICHOR-SIGNATURE': sign(key, ts + method + path + (body || ''))};
}

async function signed(key, keyId, method, path, object) {
  const body = object === undefined ? undefined : JSON.stringify(object);
  return gateway(method, path, body, signedHeaders(key, keyId, method, path, body));
}

// A WebSocket session: collects every message; `next(pred)` waits for one matching.
function openSession() {
  return new Promise((resolve, reject) => {
    const scheme = tlsCa ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${gatewayHost}:${gatewayPort}/v1/session`,
                             tlsCa ? {ca: tlsCa} : {});
    const session = {ws, messages: [], waiters: [], closeCode: null};
    // Every frame is a JSON array of one or more messages, in order.
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (!Array.isArray(frame)) throw new Error('a frame that is not an array: ' + data);
      for (const m of frame) {
        session.messages.push(m);
        session.waiters = session.waiters.filter((w) => !(w.pred(m) && (w.resolve(m), true)));
      }
    });
    ws.on('close', (code) => {
      session.closeCode = code;
      session.waiters.forEach((w) => w.resolve(null));
      session.waiters = [];
    });
    session.next = (pred, ms = 5000) => new Promise((res) => {
      const seen = session.messages.find(pred);
      if (seen) return res(seen);
      if (session.closeCode !== null) return res(null);
      const w = {pred, resolve: res};
      session.waiters.push(w);
      setTimeout(() => res(null), ms);
    });
    session.closed = (ms = 5000) => new Promise((res) => {
      if (session.closeCode !== null) return res(session.closeCode);
      const t = setTimeout(() => res(null), ms);
      ws.on('close', (code) => { clearTimeout(t); res(code); });
    });
    session.send = (m) => ws.send(JSON.stringify(m));
    ws.on('open', () => resolve(session));
    ws.on('error', reject);
  });
}

function logonMessage(key, keyId, skewMs = 0, nonce) {
  nonce = nonce || crypto.randomBytes(16).toString('hex');
  const ts = timestamp(skewMs);
  return {op: 'logon', key_id: keyId, timestamp: Number(ts), nonce,
          signature: sign(key, ts + 'GET' + '/v1/session' + nonce)};
}

async function logOn(key, keyId) {
  const s = await openSession();
  s.send(logonMessage(key, keyId));
  const m = await s.next((x) => x.type === 'logon' || x.type === 'error');
  return {session: s, reply: m};
}

async function waitFor(what, f, ms = 10000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  check(what, false, 'timed out');
  return false;
}

const order = (account, side, price, quantity, extra = {}) =>
  ({account, market: 1, side, kind: 'limit', price, quantity, ...extra});

async function refusalsOverRest(keys, before) {
  const {A, R} = keys;
  const body = JSON.stringify(order(1001, 'buy', 90, 1));
  const code = (r) => (r.json && r.json.error ? r.json.error.code : `status ${r.status}`);
  let r = await gateway('POST', '/v1/orders', body, {});
  check('REST: no signature -> 401 missing_signature',
        r.status === 401 && code(r) === 'missing_signature', code(r));
  check('REST: 401 names the scheme', r.headers['www-authenticate'] === 'Dreichor-Ed25519',
        r.headers['www-authenticate']);
  r = await gateway('POST', '/v1/orders', body, signedHeaders(A, 999, 'POST', '/v1/orders', body));
  check('REST: unknown key -> 401 unknown_api_key', r.status === 401 && code(r) === 'unknown_api_key', code(r));
  r = await gateway('POST', '/v1/orders', body, signedHeaders(A, 11, 'POST', '/v1/orders', body, -60000));
  check('REST: stale timestamp -> 401 stale_timestamp', r.status === 401 && code(r) === 'stale_timestamp', code(r));
  r = await gateway('POST', '/v1/orders', body, signedHeaders(A, 11, 'POST', '/v1/orders', body, 60000));
  check('REST: future timestamp -> 401 stale_timestamp', r.status === 401 && code(r) === 'stale_timestamp', code(r));
  r = await gateway('POST', '/v1/orders', body, signedHeaders(keys.B, 11, 'POST', '/v1/orders', body));
  check('REST: signed with another key -> 401 bad_signature', r.status === 401 && code(r) === 'bad_signature', code(r));
  const altered = JSON.stringify(order(1001, 'buy', 95, 1));
  r = await gateway('POST', '/v1/orders', altered, signedHeaders(A, 11, 'POST', '/v1/orders', body));
  check('REST: body not the one signed -> 401 bad_signature', r.status === 401 && code(r) === 'bad_signature', code(r));
  const headers = signedHeaders(A, 11, 'GET', '/v1/accounts/1001/balances');
  r = await gateway('GET', '/v1/accounts/1001/balances', undefined, headers);
  check('REST: a signed read passes', r.status === 200, r.body);
  r = await gateway('GET', '/v1/accounts/1001/balances', undefined, headers);
  check('REST: the same signature again -> 401 replayed', r.status === 401 && code(r) === 'replayed', code(r));
  r = await signed(R, 13, 'POST', '/v1/orders', order(1001, 'buy', 90, 1));
  check('REST: read-only key places an order -> 403 permission_denied',
        r.status === 403 && code(r) === 'permission_denied', code(r));
  r = await signed(A, 11, 'POST', '/v1/orders', order(1002, 'buy', 90, 1));
  check("REST: order for another account -> 403 account_mismatch",
        r.status === 403 && code(r) === 'account_mismatch', code(r));
  r = await signed(A, 11, 'GET', '/v1/accounts/1002/balances');
  check("REST: reading another account -> 403 account_mismatch",
        r.status === 403 && code(r) === 'account_mismatch', code(r));
  r = await signed(A, 11, 'POST', '/v1/orders', undefined);
  check('REST: empty body -> 400', r.status === 400, r.body);
  const after = await runtimeState();
  check('REST: no refused request reached the runtime', after.last_sequence === before.last_sequence,
        `${before.last_sequence} -> ${after.last_sequence}`);
}

async function refusalsOverSessions(keys, before) {
  const {A, B, R} = keys;
  let s = await openSession();
  s.send({op: 'place', seq: 1, order: order(1001, 'buy', 90, 1)});
  let m = await s.next((x) => x.type === 'error');
  check('session: command before logon -> logon_required', m && m.code === 'logon_required', JSON.stringify(m));
  check('session: ... and the session is closed 4001', (await s.closed()) === 4001, s.closeCode);
  const refusedLogon = async (name, message, expected) => {
    const t = await openSession();
    t.send(message);
    const e = await t.next((x) => x.type === 'error' || x.type === 'logon');
    check(`session: ${name} -> ${expected}`, e && e.code === expected, JSON.stringify(e));
    check(`session: ${name} closes 4001`, (await t.closed()) === 4001, t.closeCode);
  };
  await refusedLogon('logon with an unknown key', logonMessage(A, 999), 'unknown_api_key');
  await refusedLogon('logon with a stale timestamp', logonMessage(A, 11, -60000), 'stale_timestamp');
  await refusedLogon('logon signed by another key', logonMessage(B, 11), 'bad_signature');
  const logon = logonMessage(A, 11);
  const first = await openSession();
  first.send(logon);
  m = await first.next((x) => x.type === 'logon' || x.type === 'error');
  check('session: a signed logon passes', m && m.type === 'logon' && m.account === 1001, JSON.stringify(m));
  await refusedLogon('the same logon again (nonce reused)', logon, 'replayed');
  first.send({op: 'place', seq: 2, order: order(1001, 'buy', 90, 1)});
  m = await first.next((x) => x.type === 'error' && x.seq === 2);
  check('session: seq out of order -> seq_out_of_order', m && m.code === 'seq_out_of_order', JSON.stringify(m));
  first.send({op: 'place', seq: 1, order: order(1002, 'buy', 90, 1)});
  m = await first.next((x) => x.type === 'error' && x.seq === 1);
  check('session: order for another account -> account_mismatch', m && m.code === 'account_mismatch', JSON.stringify(m));
  first.send({op: 'withdraw', seq: 2, order: {account: 1001}});
  m = await first.next((x) => x.type === 'error' && x.code === 'unknown_op');
  check('session: an op that does not exist -> unknown_op', m !== null, JSON.stringify(m));
  first.ws.close();
  const idle = await openSession();
  check('session: a session that never logs on is closed 4001 at the deadline',
        (await idle.closed(5000)) === 4001, idle.closeCode);
  const reader = await logOn(R, 13);
  check('session: a read-only key logs on', reader.reply && reader.reply.type === 'logon', JSON.stringify(reader.reply));
  reader.session.send({op: 'place', seq: 1, order: order(1001, 'buy', 90, 1)});
  m = await reader.session.next((x) => x.type === 'error' && x.seq === 1);
  check('session: read-only key places an order -> permission_denied', m && m.code === 'permission_denied', JSON.stringify(m));
  reader.session.ws.close();
  const after = await runtimeState();
  check('session: no refused message reached the runtime', after.last_sequence === before.last_sequence,
        `${before.last_sequence} -> ${after.last_sequence}`);
}

async function happyPath(keys) {
  const {A, B} = keys;
  const buyer = await logOn(A, 11);
  const seller = await logOn(B, 12);
  check('happy: both sessions log on', buyer.reply.type === 'logon' && seller.reply.type === 'logon',
        JSON.stringify([buyer.reply, seller.reply]));
  let r = await signed(B, 12, 'POST', '/v1/orders', order(1002, 'sell', 100, 5, {client_order_id: 77}));
  check('happy: a signed REST sell rests', r.status === 200 && r.json.accepted === true, r.body);
  buyer.session.send({op: 'place', seq: 1, order: order(1001, 'buy', 100, 2)});
  const answer = await buyer.session.next((x) => x.type === 'answer' && x.seq === 1);
  check('happy: the session order is answered with the runtime answer',
        answer && answer.status === 200 && answer.body.accepted === true && answer.body.sequence > 0,
        JSON.stringify(answer));
  const trade = answer && answer.body.events.find((e) => e.type === 'trade');
  check('happy: it traded 2 at 100', trade && trade.price === 100 && trade.quantity === 2, JSON.stringify(answer));
  const takerFill = await buyer.session.next((x) => x.type === 'fill');
  check('happy: the buyer private stream shows its fill as taker',
        takerFill && takerFill.fill.role === 'taker' && takerFill.fill.quantity === 2 &&
            takerFill.fill.side === 'buy' && takerFill.sequence === answer.body.sequence,
        JSON.stringify(takerFill));
  const makerFill = await seller.session.next((x) => x.type === 'fill');
  check('happy: the seller private stream shows its fill as maker, without the buyer',
        makerFill && makerFill.fill.role === 'maker' && makerFill.fill.side === 'sell' &&
            !JSON.stringify(makerFill).includes('1001'),
        JSON.stringify(makerFill));
  const own = buyer.session.messages.filter((x) => x.type === 'order' || x.type === 'fill');
  check('happy: private messages are numbered 1, 2, 3 ...',
        own.length > 0 && own.every((x, i) => x.stream_seq === i + 1), JSON.stringify(own));
  check('happy: the buyer sees none of the seller orders',
        own.every((x) => x.type === 'fill' || x.event.account === 1001), JSON.stringify(own));
  r = await signed(B, 12, 'GET', '/v1/accounts/1002/orders');
  check('happy: the seller reads its open order over REST',
        r.status === 200 && r.json.orders.length === 1 && r.json.orders[0].open_quantity === 3, r.body);
  const orderId = r.json.orders[0].order_id;
  r = await signed(A, 11, 'GET', `/v1/orders/${orderId}`);
  check("happy: another account's order reads as not open", r.status === 404, r.body);
  buyer.session.send({op: 'cancel_all', seq: 2, order: {account: 1001}});
  check('happy: seq 2 answered', (await buyer.session.next((x) => x.type === 'answer' && x.seq === 2)) !== null, '');
  buyer.session.ws.close();
  seller.session.ws.close();
}

async function revocation(keys) {
  const {D} = keys;
  const held = await logOn(D, 14);
  check('revoke: the key logs on first', held.reply.type === 'logon', JSON.stringify(held.reply));
  const r = await admin('/v1/admin/api-keys/revoke', {key_id: 14});
  check('revoke: the runtime accepts the revocation', r.status === 200 && r.json.accepted, r.body);
  check('revoke: the open session is closed 4003', (await held.session.closed()) === 4003, held.session.closeCode);
  const rest = await signed(D, 14, 'GET', '/v1/accounts/1003/balances');
  check('revoke: REST with the revoked key -> 401 api_key_revoked',
        rest.status === 401 && rest.json.error.code === 'api_key_revoked', rest.body);
  const again = await openSession();
  again.send(logonMessage(D, 14));
  const m = await again.next((x) => x.type === 'error' || x.type === 'logon');
  check('revoke: a new logon -> api_key_revoked', m && m.code === 'api_key_revoked', JSON.stringify(m));
}

async function rateLimits(keys) {
  const {B} = keys;
  const s = await logOn(B, 12);
  for (let i = 1; i <= 120; i++) s.session.send({op: 'cancel_all', seq: i, order: {account: 1002}});
  const limited = await s.session.next((x) => x.type === 'error' && x.code === 'rate_limited');
  check('limits: a session past its key rate gets rate_limited with retry_after_ms',
        limited && limited.retry_after_ms > 0, JSON.stringify(limited));
  s.session.ws.close();
  let refused = null;
  for (let i = 0; i < 600 && !refused; i++) {
    const r = await gateway('GET', '/v1/markets');
    if (r.status === 429) refused = r;
  }
  check('limits: an address past its rate gets 429 rate_limited with Retry-After',
        refused && refused.json.error.code === 'rate_limited' && Number(refused.headers['retry-after']) >= 1,
        refused ? refused.body : 'never refused');
}

async function directOrderRefused() {
  const r = await request(runtimeHost, runtimePort, 'POST', '/v1/orders',
                          JSON.stringify(order(1001, 'buy', 90, 1)), {}, false);
  check('runtime: an order straight to the runtime without the credential -> 401',
        r.status === 401 && r.json.error.code === 'unauthorized', r.body);
}

async function main() {
  const keys = {A: newKey(), B: newKey(), R: newKey(), D: newKey()};
  if (process.argv[2] === 'tls') {
    const r = await gateway('GET', '/v1/markets');
    check('tls: public market data over TLS', r.status === 200, r.body);
    const s = await openSession();
    s.send({op: 'place', seq: 1, order: order(1001, 'buy', 90, 1)});
    const m = await s.next((x) => x.type === 'error');
    check('tls: the session speaks over wss', m && m.code === 'logon_required', JSON.stringify(m));
    process.exit(failures === 0 ? 0 : 1);
  }
  for (const [path, body] of [
    ['/v1/admin/markets', {market: 1, symbol: 'BTC-USD', base_asset: 'BTC', quote_asset: 'USD',
                           tick_size: 1, lot_size: 1, min_quantity: 1, max_quantity: 1000,
                           maker_fee_bps: 0, taker_fee_bps: 0}],
    ['/v1/admin/deposits', {account: 1001, asset: 'USD', amount: 1000000}],
    ['/v1/admin/deposits', {account: 1002, asset: 'BTC', amount: 1000}],
    ['/v1/admin/deposits', {account: 1003, asset: 'USD', amount: 1000}],
    ['/v1/admin/api-keys', {key_id: 11, account: 1001, public_key: keys.A.publicBase64, permissions: 'read,trade'}],
    ['/v1/admin/api-keys', {key_id: 12, account: 1002, public_key: keys.B.publicBase64, permissions: 'read,trade'}],
    ['/v1/admin/api-keys', {key_id: 13, account: 1001, public_key: keys.R.publicBase64, permissions: 'read'}],
    ['/v1/admin/api-keys', {key_id: 14, account: 1003, public_key: keys.D.publicBase64, permissions: 'read,trade'}],
  ]) {
    const r = await admin(path, body);
    check(`setup ${path}`, r.status === 200 && r.json.accepted === true, r.body);
  }
  await waitFor('the gateway learns the keys', async () =>
    (await signed(keys.D, 14, 'GET', '/v1/accounts/1003/balances')).status === 200);
  const before = await runtimeState();
  await refusalsOverRest(keys, before);
  await refusalsOverSessions(keys, before);
  await directOrderRefused();
  await happyPath(keys);
  await revocation(keys);
  await rateLimits(keys);
  console.log(failures === 0 ? 'all checks held' : `${failures} check(s) failed`);
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((e) => { console.log('FAIL exception: ' + (e.stack || e)); process.exit(1); });
