#!/usr/bin/env python3
"""Generate a tree of N certificates for scan benchmarks.

RSA-2048 and EC P-256 mixed, 1-3 certificates per PEM file (or --per-file N), expiry spread
over -30..400 days, a few DER files, nested directories. A small pool of
keys is reused so generation takes seconds, not hours (the scanner does
not care who signed what).
"""
import argparse, datetime, os, random
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("-n", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-file", type=int, default=0, help="certificates per file (0: 1-3 at random)")
    parser.add_argument("--per-dir", type=int, default=500, help="files per directory")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rsa_keys = [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(8)]
    ec_keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(8)]
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench CA"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "clm bench")])
    now = datetime.datetime.now(datetime.timezone.utc)
    made, file_index = 0, 0
    while made < args.n:
        per_file = min(args.per_file or rng.randint(1, 3), args.n - made)
        blocks = []
        for _ in range(per_file):
            key = rng.choice(rsa_keys if rng.random() < 0.5 else ec_keys)
            host = f"host{made}.bench.example"
            not_after = now + datetime.timedelta(days=rng.randint(-30, 400))
            cert = (x509.CertificateBuilder()
                    .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
                    .issuer_name(ca_name)
                    .public_key(key.public_key())
                    .serial_number(x509.random_serial_number())
                    .not_valid_before(not_after - datetime.timedelta(days=397))
                    .not_valid_after(not_after)
                    .add_extension(x509.SubjectAlternativeName([x509.DNSName(host), x509.DNSName("www." + host)]), critical=False)
                    .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                    .sign(ca_key, hashes.SHA256()))
            blocks.append(cert)
            made += 1
        subdir = os.path.join(args.dir, f"d{file_index // args.per_dir:03d}")
        os.makedirs(subdir, exist_ok=True)
        if per_file == 1 and not args.per_file and rng.random() < 0.1:
            with open(os.path.join(subdir, f"c{file_index}.der"), "wb") as f:
                f.write(blocks[0].public_bytes(serialization.Encoding.DER))
        else:
            with open(os.path.join(subdir, f"c{file_index}.pem"), "wb") as f:
                for cert in blocks:
                    f.write(cert.public_bytes(serialization.Encoding.PEM))
        file_index += 1
    print(f"{made} certificates in {file_index} files under {args.dir}")

if __name__ == "__main__":
    main()
