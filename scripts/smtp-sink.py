#!/usr/bin/env python3
"""A real SMTP server for tests: accepts every message on 127.0.0.1 and writes each, as
received (with the envelope in a first header line), to its own file in DIR. Prints
"PORT <n>" once it listens, then serves until killed.

    smtp-sink.py DIR [--port N]
    smtp-sink.py DIR --cert C.pem --key K.pem [--tls] [--auth USER:PASSWORD]

With --cert and --key it offers STARTTLS and refuses mail before it (or, with --tls,
speaks TLS from the first byte, as on port 465); with --auth it offers AUTH PLAIN and LOGIN
(only over TLS) and refuses mail from a client that did not log in. Each message's file
then starts with what the test checks: the envelope recipients, the TLS version the
message came over ("none" without), and the login it was sent under ("none").
"""
import argparse
import asyncio
import itertools
import os
import socket
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        name = os.path.join(self.directory, f"{os.getpid()}-{n:06d}.eml")
        tmp = name + ".part"
        tls = server.transport.get_extra_info("ssl_object") if server.transport else None
        login = session.auth_data.login.decode() if session.authenticated else "none"
        with open(tmp, "wb") as f:
            f.write(b"X-Envelope-To: " + ", ".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(b"X-Sink-TLS: " + (tls.version() if tls else "none").encode() + b"\r\n")
            f.write(b"X-Sink-Login: " + login.encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, name)  # the test never reads half a message
        return "250 Message accepted"


class Credentials:
    """Accepts exactly one user and password."""

    def __init__(self, user, password):
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        if ok:
            return AuthResult(success=True, auth_data=auth_data)
        # Not handled here: the server answers 535 itself.
        return AuthResult(success=False, handled=False)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--auth")
    args = parser.parse_args()
    os.makedirs(args.directory, exist_ok=True)
    port = args.port or free_port()
    options = {}
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        if args.tls:
            options["ssl_context"] = context
        else:
            options["tls_context"] = context
            options["require_starttls"] = True
    if args.auth:
        user, _, password = args.auth.partition(":")
        options["authenticator"] = Credentials(user, password)
        options["auth_required"] = True
        # aiosmtpd counts only STARTTLS as TLS; with --tls every byte is encrypted anyway.
        options["auth_require_tls"] = not args.tls
    controller = Controller(Sink(args.directory), hostname="127.0.0.1", port=port, **options)
    controller.start()
    print(f"PORT {port}", flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
