"""A lean SMTP sink for benchmarks: accepts every message on 127.0.0.1 and throws it away.

aiosmtpd parses every line into a session and an envelope and tops out near 350
messages a second on two cores; this one only looks for the end of each DATA block, so
the sender is what gets measured. Run it as a process: it prints its port, then serves
until its standard input closes, and prints how many messages it took. It offers
PIPELINING (RFC 2920) unless given --no-pipelining.
"""

from __future__ import annotations

import asyncio
import sys

END = b"\r\n.\r\n"


class Sink(asyncio.Protocol):
    received = 0
    extensions = b"250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n"

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.lines = b""
        self.tail = None  # the last bytes of DATA seen so far; None outside DATA
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, chunk: bytes) -> None:
        if self.tail is not None:
            chunk = self._data(chunk)
        self.lines += chunk
        while self.tail is None and b"\r\n" in self.lines:
            line, self.lines = self.lines.split(b"\r\n", 1)
            verb = line[:4].upper()
            if verb == b"DATA":
                self.transport.write(b"354 go ahead\r\n")
                self.tail, rest, self.lines = b"\r\n", self.lines, b""
                self.lines = self._data(rest)
            elif verb == b"QUIT":
                self.transport.write(b"221 bye\r\n")
                self.transport.close()
            elif verb in (b"EHLO", b"HELO"):
                self.transport.write(self.extensions)
            else:
                self.transport.write(b"250 ok\r\n")

    def _data(self, chunk: bytes) -> bytes:
        """Swallow DATA; at its end answer 250 and hand back what follows (the next command)."""
        seen = self.tail + chunk
        end = seen.find(END)
        if end < 0:
            self.tail = seen[-4:]
            return b""
        self.tail = None
        Sink.received += 1
        self.transport.write(b"250 ok: queued\r\n")
        return seen[end + len(END) :]


async def serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Sink, "127.0.0.1", 0, backlog=128)
    print(server.sockets[0].getsockname()[1], flush=True)
    await loop.run_in_executor(None, sys.stdin.read)  # until the benchmark closes our stdin
    server.close()
    print(Sink.received, flush=True)


if __name__ == "__main__":
    if "--no-pipelining" in sys.argv:
        Sink.extensions = b"250-sink\r\n250 8BITMIME\r\n"
    asyncio.run(serve())
