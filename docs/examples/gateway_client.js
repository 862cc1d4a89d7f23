// A minimal Dreichor gateway client: signs a request with an Ed25519 API key (docs/gateway.md).
// Node's built-in crypto only.
//
//   node gateway_client.js http://127.0.0.1:8443 KEY_ID SEED_HEX GET /v1/accounts/1001/balances
//   node gateway_client.js http://127.0.0.1:8443 KEY_ID SEED_HEX POST /v1/orders '{"account":1001,...}'
'use strict';
const crypto = require('crypto');

// An Ed25519 private key from its 32-byte seed (PKCS#8 prefix + seed).
function keyFromSeed(seedHex) {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'),
                             Buffer.from(seedHex, 'hex')]);
  return crypto.createPrivateKey({key: der, format: 'der', type: 'pkcs8'});
}

async function signedRequest(baseUrl, keyId, key, method, target, body = '') {
  const timestamp = String(Date.now());
  const signature = crypto.sign(null, Buffer.from(timestamp + method + target + body), key);
  const answer = await fetch(baseUrl + target, {
    method,
    body: body || undefined,
    headers: {'DREICHOR-KEY': String(keyId), 'DREICHOR-TIMESTAMP': timestamp,
              'DREICHOR-SIGNATURE': signature.toString('base64'),
              'Content-Type': 'application/json'},
  });
  return {status: answer.status, text: await answer.text()};
}

async function main() {
  const [baseUrl, keyId, seedHex, method, target, body = ''] = process.argv.slice(2);
  const {status, text} = await signedRequest(baseUrl, keyId, keyFromSeed(seedHex), method, target,
                                             body);
  console.log(status, text);
  process.exit(status === 200 ? 0 : 1);
}

main();
