#!/usr/bin/env python3
"""Peer: load every certificate with python cryptography, read notAfter, subject and SANs."""
import os, sys, time
from cryptography import x509

def main(root):
    count, start = 0, time.perf_counter()
    for directory, _, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            data = open(path, "rb").read()
            certs = x509.load_pem_x509_certificates(data) if b"-----BEGIN" in data else [x509.load_der_x509_certificate(data)]
            for cert in certs:
                _ = cert.not_valid_after_utc, cert.subject.rfc4514_string()
                try:
                    _ = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
                except x509.ExtensionNotFound:
                    pass
                count += 1
    elapsed = time.perf_counter() - start
    print(f"{count} {elapsed:.4f}")

main(sys.argv[1])
