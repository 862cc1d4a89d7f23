// An independent verifier of the runtime's audit evidence (Node.js: the built-in `crypto` for
// Ed25519 and SHA-256, the `ws` package for the record stream; none of this project's code).
//
// It fetches the signing key and the newest signed checkpoint, checks the key id and the
// signature (C2SP signed note), reads records 1..N from the record stream, recomputes every chain
// hash from the genesis hash and every leaf hash from the record's bytes, builds the RFC 9162
// tree itself and compares its root with the checkpoint's. Then it asks the runtime for inclusion
// proofs of several records and consistency proofs from every earlier tree head given on stdin
// (one "size root_base64" per line: heads from command answers, perhaps from before a restart) and
// verifies each with its own RFC 9162 §2.1.3.2 / §2.1.4.2 code. It checks that an altered proof
// fails too. Prints a summary and exits 0; any disagreement exits 1.
//
//   node verify_proofs.js http://127.0.0.1:8080 < heads
'use strict';
const crypto = require('crypto');
const WebSocket = require('ws');

const base = process.argv[2];

function fail(message) {
  process.stderr.write('verify_proofs: ' + message + '\n');
  process.exit(1);
}

const sha256 = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();
const leafHash = (bytes) => sha256(Buffer.from([0]), bytes);
const nodeHash = (l, r) => sha256(Buffer.from([1]), l, r);
const b64 = (text) => Buffer.from(text, 'base64');

function largestPowerOfTwoBelow(n) {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// MTH(D[lo:hi]) by RFC 9162's definition, straight from the leaves.
function mth(leaves, lo, hi) {
  if (hi - lo === 0) return sha256(Buffer.alloc(0));
  if (hi - lo === 1) return leaves[lo];
  const k = largestPowerOfTwoBelow(hi - lo);
  return nodeHash(mth(leaves, lo, lo + k), mth(leaves, lo + k, hi));
}

function verifyInclusion(leaf, index, size, proof, root) {
  if (index >= size) return false;
  let fn = index, sn = size - 1, r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
  if (first === 0 || first > second) return false;
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  const path = (first & (first - 1)) === 0 ? [firstRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = first - 1, sn = second - 1;
  while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(firstRoot) && sr.equals(secondRoot);
}

async function getJson(path) {
  const r = await fetch(base + path);
  if (r.status !== 200) fail(path + ' answered ' + r.status + ': ' + (await r.text()));
  return r.json();
}

// The verifier key "name+keyid+base64(0x01 || key)", checked, as a crypto KeyObject.
function parseVerifierKey(text) {
  const first = text.indexOf('+');
  const second = text.indexOf('+', first + 1);
  const [name, id, key] = [text.slice(0, first), text.slice(first + 1, second), text.slice(second + 1)];
  const raw = b64(key);
  if (raw.length !== 33 || raw[0] !== 1) fail('the verifier key is not an Ed25519 key');
  const pub = raw.subarray(1);
  const expectedId = sha256(Buffer.from(name + '\n'), Buffer.from([1]), pub).subarray(0, 4);
  if (expectedId.toString('hex') !== id) fail('the key id does not match the key');
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]);
  return { name, id: expectedId, key: crypto.createPublicKey({ key: spki, format: 'der', type: 'spki' }) };
}

function openCheckpoint(note, verifier) {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) fail('the checkpoint is not a signed note');
  const body = note.slice(0, split + 1);
  let verified = false;
  for (const line of note.slice(split + 2).split('\n').filter((l) => l.length > 0)) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) fail('malformed signature line: ' + line);
    const blob = b64(m[2]);
    if (m[1] !== verifier.name || !blob.subarray(0, 4).equals(verifier.id)) continue;
    verified = crypto.verify(null, Buffer.from(body), verifier.key, blob.subarray(4));
    if (!verified) fail('the checkpoint signature does not verify');
  }
  if (!verified) fail('the checkpoint has no signature by ' + verifier.name);
  const [origin, size, root] = body.split('\n');
  if (origin !== verifier.name) fail('origin ' + origin + ' is not the key name');
  return { size: Number(size), root: b64(root), body };
}

// An RFC 3339 time with nanoseconds, exactly (timestamp_ns is beyond a JSON number's precision).
function nanosecondsOf(time) {
  const [seconds, fraction = ''] = time.replace('Z', '').split('.');
  return BigInt(Date.parse(seconds + 'Z')) * 1000000n + BigInt(fraction.padEnd(9, '0'));
}

// Records 1..n from the record stream: each one's chain recomputed, its leaf hash returned.
function streamLeaves(n) {
  return new Promise((resolve) => {
    const ws = new WebSocket(base.replace(/^http/, 'ws') + '/v1/stream?from=1');
    const leaves = [];
    let chain = null;
    const timer = setTimeout(() => fail('the stream did not deliver ' + n + ' records'), 60000);
    ws.on('message', (data) => {
      for (const ev of JSON.parse(data.toString())) {
        if (ev.type === 'com.dreichor.stream.start') chain = Buffer.from(ev.data.genesis_hash, 'hex');
        if (!ev.type.startsWith('com.dreichor.command.') || leaves.length === n) continue;
        const seq = BigInt(ev.sequence);
        if (seq !== BigInt(leaves.length + 1)) fail('stream gap at ' + seq);
        const payload = b64(ev.data.payload_base64);
        const fixed = Buffer.alloc(8 + 8 + 16 + 2);
        fixed.writeBigUInt64LE(seq, 0);
        fixed.writeBigInt64LE(nanosecondsOf(ev.time), 8);
        Buffer.from(ev.id.replace(/-/g, ''), 'hex').copy(fixed, 16);
        fixed.writeUInt16LE(payload.readUInt16LE(1), 32);  // the command's type code
        chain = sha256(chain, fixed, payload);
        if (chain.toString('hex') !== ev.data.chain_hash) fail('chain hash differs at ' + seq);
        leaves.push(leafHash(Buffer.concat([fixed, chain, payload])));
        if (leaves.length === n) {
          clearTimeout(timer);
          ws.close();
          resolve(leaves);
        }
      }
    });
    ws.on('error', (e) => fail('stream: ' + e.message));
  });
}

async function main() {
  const heads = require('fs').readFileSync(0, 'utf8').split('\n').filter((l) => l.trim())
    .map((l) => { const [s, r] = l.trim().split(' '); return { size: Number(s), root: b64(r) }; });
  const key = await getJson('/v1/audit/key');
  const verifier = parseVerifierKey(key.verifier_key);
  const note = await (await fetch(base + '/v1/audit/checkpoint')).text();
  const cp = openCheckpoint(note, verifier);
  const leaves = await streamLeaves(cp.size);
  if (!mth(leaves, 0, cp.size).equals(cp.root)) fail('the checkpoint root is not the tree of the records');

  let inclusions = 0;
  const sequences = new Set([1, 2, Math.ceil(cp.size / 2), cp.size - 1, cp.size]);
  for (let s = 7; s < cp.size; s += 97) sequences.add(s);
  for (const s of [...sequences].filter((x) => x >= 1 && x <= cp.size)) {
    const p = await getJson('/v1/audit/proof/inclusion?sequence=' + s + '&tree_size=' + cp.size);
    const proof = p.hashes.map(b64);
    if (!b64(p.leaf_hash).equals(leaves[s - 1])) fail('leaf_hash of ' + s + ' is not the record\'s');
    if (!verifyInclusion(leaves[s - 1], s - 1, cp.size, proof, cp.root)) fail('inclusion of ' + s + ' fails');
    if (proof.length > 0) {
      proof[proof.length - 1] = sha256(proof[proof.length - 1]);
      if (verifyInclusion(leaves[s - 1], s - 1, cp.size, proof, cp.root)) fail('an altered proof verified');
    }
    inclusions++;
  }

  let consistencies = 0;
  for (const head of heads) {
    if (head.size > cp.size) fail('a head of size ' + head.size + ' is beyond the checkpoint');
    if (!mth(leaves, 0, head.size).equals(head.root)) fail('the head of size ' + head.size + ' is not the tree of its records');
    const p = await getJson('/v1/audit/proof/consistency?from=' + head.size + '&to=' + cp.size);
    const proof = p.hashes.map(b64);
    if (!verifyConsistency(head.size, cp.size, head.root, cp.root, proof)) fail('consistency from ' + head.size + ' fails');
    if (head.size < cp.size && verifyConsistency(head.size, cp.size, sha256(head.root), cp.root, proof)) {
      fail('consistency verified from a wrong root');
    }
    consistencies++;
  }
  process.stdout.write(JSON.stringify({ tree_size: cp.size, inclusions, consistencies }) + '\n');
}

main().catch((e) => fail(e.stack || String(e)));
