#!/usr/bin/env python3
"""A minimal Dreichor gateway client: signs a request with an Ed25519 API key (docs/gateway.md).

    python3 gateway_client.py http://127.0.0.1:8443 KEY_ID SEED_HEX GET /v1/accounts/1001/balances
    python3 gateway_client.py http://127.0.0.1:8443 KEY_ID SEED_HEX POST /v1/orders '{"account":1001,...}'

Needs only the standard library and `cryptography` (Debian: python3-cryptography).
"""
import base64
import sys
import time
import urllib.error
import urllib.request

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def signed_request(base_url, key_id, private_key, method, target, body=""):
    timestamp = str(int(time.time() * 1000))
    payload = (timestamp + method + target + body).encode()
    signature = base64.b64encode(private_key.sign(payload)).decode()
    request = urllib.request.Request(
        base_url + target, data=body.encode() if body else None, method=method,
        headers={"DREICHOR-KEY": str(key_id), "DREICHOR-TIMESTAMP": timestamp,
                 "DREICHOR-SIGNATURE": signature, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def main():
    base_url, key_id, seed_hex, method, target = sys.argv[1:6]
    body = sys.argv[6] if len(sys.argv) > 6 else ""
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex))
    status, text = signed_request(base_url, key_id, key, method, target, body)
    print(status, text)
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
