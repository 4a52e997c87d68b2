#!/usr/bin/env python3
"""Tiny STARTTLS responder for clm's tests: speaks the plaintext start of
SMTP, IMAP or POP3, upgrades the socket to TLS with Python's ssl module,
then closes. Prints "PORT n" once listening on 127.0.0.1 (port 0 = any free
port). With --refuse, STARTTLS is answered with an error."""
import argparse
import socket
import ssl
import sys
import threading


def serve(conn, proto, ctx, refuse):
    f = conn.makefile("rb")

    def say(text):
        conn.sendall(text.encode() + b"\r\n")

    def line():
        return f.readline().decode(errors="replace").rstrip("\r\n")

    try:
        if proto == "smtp":
            say("220-mail.test ESMTP clm test responder")
            say("220 ready")
            cmd = line()
            if not cmd.upper().startswith("EHLO"):
                say("500 expected EHLO")
                return
            say("250-mail.test greets you")
            say("250-PIPELINING")
            say("250-SIZE 10240000")
            if not refuse:
                say("250-STARTTLS")
            say("250 8BITMIME")
            cmd = line()
            if refuse or cmd.upper() != "STARTTLS":
                say("454 4.7.0 TLS not available")
                return
            say("220 2.0.0 Ready to start TLS")
        elif proto == "imap":
            say("* OK [CAPABILITY IMAP4rev1 STARTTLS] clm test responder ready")
            while True:
                cmd = line()
                if not cmd:
                    return
                tag, _, verb = cmd.partition(" ")
                if verb.upper() == "CAPABILITY":
                    say("* CAPABILITY IMAP4rev1" + ("" if refuse else " STARTTLS LOGINDISABLED"))
                    say(tag + " OK CAPABILITY completed")
                elif verb.upper() == "STARTTLS":
                    if refuse:
                        say(tag + " BAD STARTTLS not supported")
                        return
                    say(tag + " OK Begin TLS negotiation now")
                    break
                else:
                    say(tag + " BAD unknown command")
        elif proto == "pop3":
            say("+OK clm test responder ready")
            cmd = line()
            if refuse or cmd.upper() != "STLS":
                say("-ERR STLS not available")
                return
            say("+OK Begin TLS negotiation")
        tls = ctx.wrap_socket(conn, server_side=True)
        try:
            tls.recv(1)
        except Exception:
            pass
        tls.close()
    except Exception:
        pass
    finally:
        try:
            conn.close()
        except Exception:
            pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--protocol", choices=["smtp", "imap", "pop3"], required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--refuse", action="store_true")
    a = p.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", a.port))
    srv.listen(64)
    print("PORT %d" % srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, a.protocol, ctx, a.refuse), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
