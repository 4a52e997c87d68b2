#!/usr/bin/env python3
"""The SQLite write floor of a cold scan: copy the rows a clm scan stored
(certificate, certificate_san, location, private_key, file_state) into an
empty inventory with the same schema, indexes and pragmas, one transaction,
prepared statements (executemany). No parsing, no reading of certificate
files: only what any tool storing the same facts must pay SQLite.

Usage: sqlite_floor.py INVENTORY   prints "<rows> <seconds>"
"""
import os, sqlite3, sys, tempfile, time

TABLES = ["certificate", "certificate_san", "location", "private_key", "file_state"]

def main(source_path):
    source = sqlite3.connect(source_path)
    schema = [sql for (sql,) in source.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type = 'index', rowid")]
    rows = {table: source.execute(f"SELECT * FROM {table}").fetchall() for table in TABLES}
    with tempfile.TemporaryDirectory() as directory:
        target = sqlite3.connect(os.path.join(directory, "floor.sqlite"), isolation_level=None)
        target.execute("PRAGMA journal_mode = WAL")
        for pragma in ("synchronous = NORMAL", "foreign_keys = ON", "temp_store = MEMORY", "cache_size = -65536"):
            target.execute(f"PRAGMA {pragma}")
        for statement in schema:
            target.execute(statement)
        start = time.perf_counter()
        target.execute("BEGIN")
        for table in TABLES:
            if rows[table]:
                width = len(rows[table][0])
                target.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * width)})", rows[table])
        target.execute("COMMIT")
        target.close()  # the checkpoint a closing clm pays too
        elapsed = time.perf_counter() - start
    print(sum(len(r) for r in rows.values()), f"{elapsed:.4f}")

main(sys.argv[1])
