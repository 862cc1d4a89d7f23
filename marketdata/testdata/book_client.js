// An independent market-data client (Node.js and the `ws` package, not this project's code):
// subscribes to one market's depth, rebuilds the book from the snapshot and the updates as
// docs/market-data.md tells a client to, and checks that every update continues the one before
// (prev_market_seq). When its book reaches the market_seq written to its stdin it prints the book
// as JSON and exits 0; a gap, an error message or a timeout exits 1.
//
//   node book_client.js ws://127.0.0.1:8090/v1/market-data 1 < target
'use strict';
const WebSocket = require('ws');

const [url, marketText] = process.argv.slice(2);
const market = Number(marketText);
const book = { bids: new Map(), asks: new Map() };
let marketSeq = null;
let target = null;
let updates = 0;

function fail(message) {
  process.stderr.write(message + '\n');
  process.exit(1);
}

function apply(levels, side) {
  for (const level of levels) {
    if (level.quantity === 0) {
      book[side].delete(level.price);
    } else {
      book[side].set(level.price, level);
    }
  }
}

function sorted(side, descending) {
  return [...book[side].values()]
    .sort((a, b) => (descending ? b.price - a.price : a.price - b.price))
    .map((l) => ({ price: l.price, quantity: l.quantity, orders: l.orders }));
}

function maybeDone() {
  if (target === null || marketSeq === null || marketSeq < target) return;
  const out = { market, market_seq: marketSeq, updates, bids: sorted('bids', true),
                asks: sorted('asks', false) };
  process.stdout.write(JSON.stringify(out) + '\n', () => process.exit(0));
}

const ws = new WebSocket(url);
ws.on('open', () => ws.send(JSON.stringify({ op: 'subscribe', channel: 'depth', market })));
ws.on('error', (e) => fail('websocket error: ' + e.message));
ws.on('close', (code, reason) => fail(`closed: ${code} ${reason}`));
ws.on('message', (data) => {
  const frame = JSON.parse(data.toString());
  if (!Array.isArray(frame)) fail('a frame that is not an array');
  for (const m of frame) handle(m);
});

function handle(m) {
  if (m.type === 'error') fail('error: ' + m.message);
  if (m.channel !== 'depth') return;
  if (m.type === 'snapshot') {
    book.bids.clear();
    book.asks.clear();
    apply(m.bids, 'bids');
    apply(m.asks, 'asks');
    marketSeq = m.market_seq;
  } else if (m.type === 'update') {
    if (marketSeq === null) fail('an update before the snapshot');
    if (m.market_seq <= marketSeq) return;  // already in the snapshot
    if (m.prev_market_seq !== marketSeq) {
      fail(`gap: an update from ${m.prev_market_seq}, the book is at ${marketSeq}`);
    }
    apply(m.bids, 'bids');
    apply(m.asks, 'asks');
    marketSeq = m.market_seq;
    updates++;
  }
  maybeDone();
}
process.stdin.on('data', (d) => {
  target = Number(d.toString().trim());
  maybeDone();
});
setTimeout(() => fail(`timeout: the book is at ${marketSeq}, waiting for ${target}`), 60000);
