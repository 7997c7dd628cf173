#!/usr/bin/env python3
"""A real SMTP server for tests: accepts every message on 127.0.0.1 and writes each, as
received (with the envelope in a first header line), to its own file in DIR. Prints
"PORT <n>" once it listens, then serves until killed.

    smtp-sink.py DIR [--port N]
"""
import argparse
import asyncio
import itertools
import os
import socket
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        name = os.path.join(self.directory, f"{os.getpid()}-{n:06d}.eml")
        tmp = name + ".part"
        with open(tmp, "wb") as f:
            f.write(b"X-Envelope-To: " + ", ".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, name)  # the test never reads half a message
        return "250 Message accepted"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.directory, exist_ok=True)
    port = args.port or free_port()
    controller = Controller(Sink(args.directory), hostname="127.0.0.1", port=port)
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
