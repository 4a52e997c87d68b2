#!/usr/bin/env python3
"""Fills a migrated clm inventory with a synthetic fleet for scripts/bench-audit.

N certificates (default 1,000,000) and 2N locations: every certificate in one
file, 80 % in a second file, 20 % served by an endpoint. About 1-2 % of the
rows trip each audit rule, so the audit has real work to report. No PEM, no
crypto: the audit never reads them.
"""
import argparse, random, sqlite3, time

parser = argparse.ArgumentParser()
parser.add_argument("db")
parser.add_argument("-n", type=int, default=1_000_000)
args = parser.parse_args()
N = args.n
rng = random.Random(42)
now = int(time.time())
DAY = 86400

db = sqlite3.connect(args.db)
db.execute("PRAGMA journal_mode = OFF")
db.execute("PRAGMA synchronous = OFF")
db.execute("BEGIN")

def certificates():
    for i in range(N):
        roll = rng.random()
        nb = now - rng.randrange(0, 60 * DAY)
        na = nb + 90 * DAY
        if roll < 0.01:
            na = now - rng.randrange(1, 300) * DAY            # expired
            nb = na - 90 * DAY
        elif roll < 0.02:
            na = now + rng.randrange(1, 30 * DAY)             # expiring
        elif roll < 0.025:
            na = nb + 800 * DAY                               # long validity
        alg, bits, curve = "EC", 256, "P-256"
        if rng.random() < 0.005:
            alg, bits, curve = "RSA", 1024, None              # weak key
        elif rng.random() < 0.3:
            alg, bits, curve = "RSA", 2048, None
        sig = "sha1WithRSAEncryption" if rng.random() < 0.002 else ("ecdsa-with-SHA256" if alg == "EC" else "sha256WithRSAEncryption")
        is_ca = 1 if i < 100 else 0
        self_signed = 1 if (i < 20 or (not is_ca and rng.random() < 0.002)) else 0
        # 0.1 % share a key with the previous certificate (key reuse); stale copies share a CN.
        spki = f"{(i - 1 if i and rng.random() < 0.001 else i):064x}"
        reissued = N // 200                                   # 0.5 % re-issued: same CN as an older certificate
        cn = f"host{i - (N - reissued) if i >= N - reissued else i}.example.com"
        issuer = "CN=R3,O=Let's Encrypt,C=US" if not self_signed else f"CN={cn}"
        yield (i + 1, f"{i:064x}", f"CN={cn}", cn, issuer, "R3" if not self_signed else cn, f"{i:x}",
               nb, na, alg, bits, curve, sig, is_ca, self_signed, spki, b"\x30\x00", now - 90 * DAY, now)

db.executemany("""INSERT INTO certificate (id, fingerprint_sha256, subject, subject_cn, issuer, issuer_cn, serial, not_before,
    not_after, key_algorithm, key_bits, key_curve, signature_algorithm, is_ca, self_signed, spki_sha256, der, first_seen, last_seen)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", certificates())

db.executemany("INSERT INTO certificate_san (certificate_id, kind, value) VALUES (?, 'dns', ?)",
               ((i + 1, f"host{i}.example.com") for i in range(N) if i % 100 != 7))   # 1 % without SAN

endpoints = N // 5
def locations():
    for i in range(N):
        seen = now - (60 * DAY if i % 200 == 3 else rng.randrange(0, DAY))    # 0.5 % lost track
        gone = now if i % 100 == 11 else None
        yield (i + 1, "file", f"/srv/tls/{i % 1000}/host{i}.pem", 0, seen, seen, gone)
        if i % 5 != 0:
            yield (i + 1, "file", f"/etc/ssl/copies/{i % 997}/host{i}.pem", 0, seen, seen, gone)
    for e in range(endpoints):
        # Endpoints serve the newest certificates, including the re-issued stale-copy CNs.
        yield (N - e, "endpoint", f"host{N - e - 1}.example.com:443", 0, now, now, None)
db.executemany("""INSERT INTO location (certificate_id, kind, ref, position, first_seen, last_seen, gone_since)
    VALUES (?, ?, ?, ?, ?, ?, ?)""", locations())

def endpoint_rows():
    for e in range(endpoints):
        versions = '["TLSv1","TLSv1.2","TLSv1.3"]' if e % 100 == 5 else '["TLSv1.2","TLSv1.3"]'
        client = "required" if e % 500 == 9 else "notRequested"
        verify = 20 if e % 300 == 1 else 0
        match = 0 if e % 250 == 2 else 1
        yield (f"host{N - e - 1}.example.com:443", f"host{N - e - 1}.example.com", 443, now, now, now,
               "TLSv1.3", client, versions, verify, match, 1)
db.executemany("""INSERT INTO endpoint (ref, host, port, first_seen, last_probed, last_success, protocol, client_certificate,
    tls_versions, verify_code, hostname_matches, chain_length) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", endpoint_rows())

db.executemany("""INSERT INTO private_key (path, format, encrypted, spki_sha256, key_algorithm, key_bits, owner_uid, owner_gid,
    mode, first_seen, last_seen) VALUES (?, 'pkcs8', 0, ?, 'EC', 256, 0, 0, ?, ?, ?)""",
               ((f"/srv/tls/{i % 1000}/host{i}.key", f"{i:064x}", 0o644 if i % 100 == 0 else 0o600, now, now)
                for i in range(0, N, 10)))
db.execute("COMMIT")
db.execute("ANALYZE")
db.close()
