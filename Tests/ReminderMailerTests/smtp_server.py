"""A real SMTP server for reminder-mailer's tests, on Debian's python3-aiosmtpd.

Writes every accepted message to DIR/<sequence>.eml and prints "ready <port>" once listening.
Options make it behave like the servers Relance meets: STARTTLS required, AUTH required,
temporary failures (451) for the first N messages, recipients refused (550).

    /usr/bin/python3 smtp_server.py --dir DIR [--port 0] [--tls CERT KEY] [--auth USER:PASS]
                                    [--fail-first N] [--refuse SUBSTRING]
"""

import argparse
import os
import signal
import socket
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, directory, fail_first, refuse):
        self.directory = directory
        self.fail_first = fail_first
        self.refuse = refuse
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse and self.refuse in address:
            return "550 5.1.1 <%s>: recipient refused" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_first > 0:
            self.fail_first -= 1
            return "451 4.3.0 temporary failure, try again later"
        self.count += 1
        name = os.path.join(self.directory, "%06d.eml" % self.count)
        with open(name + ".tmp", "wb") as out:
            out.write(b"X-Envelope-From: %s\r\n" % envelope.mail_from.encode())
            out.write(b"X-Envelope-To: %s\r\n" % ",".join(envelope.rcpt_tos).encode())
            out.write(envelope.original_content)
        os.rename(name + ".tmp", name)
        return "250 2.0.0 OK queued as %06d" % self.count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--auth")
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--refuse")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    port = args.port
    if port == 0:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()

    parameters = {}
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls[0], args.tls[1])
        parameters.update(tls_context=context, require_starttls=True)
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == user
                and auth_data.password.decode() == password
            )
            # handled=False: let the server answer 535 itself on failure.
            return AuthResult(success=ok, handled=False)

        parameters.update(authenticator=authenticator, auth_required=True, auth_require_tls=bool(args.tls))

    controller = Controller(
        Handler(args.dir, args.fail_first, args.refuse),
        hostname="127.0.0.1",
        port=port,
        server_hostname="localhost",
        **parameters,
    )
    controller.start()
    print("ready %d" % port, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (controller.stop(), sys.exit(0)))
    signal.pause()


if __name__ == "__main__":
    main()
