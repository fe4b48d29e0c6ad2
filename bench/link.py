"""A slow link for benchmarks: a TCP proxy on 127.0.0.1 that delays every byte by half a round trip
each way (and a new connection by one more round trip, its handshake), optionally capping bandwidth.

``link.py --upstream 127.0.0.1:PORT --rtt-ms 50 [--mbit 20] --stats FILE``: prints the port it
listens on, then serves until killed; FILE holds {"connections": N} (connections opened so far).
Runs in its own process so the client's timings do not pay for the proxy's work.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path


class Bucket:
    """Token bucket shared by all connections (one link): ``rate`` bytes per second."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.free_at = 0.0

    async def take(self, n: int) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        start = max(now, self.free_at)
        self.free_at = start + n / self.rate
        if self.free_at - now > 0.001:
            await asyncio.sleep(self.free_at - now)


async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float,
               bucket: Bucket | None) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, data = await queue.get()
            if due > loop.time():
                await asyncio.sleep(due - loop.time())
            if not data:
                break
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()

    task = asyncio.create_task(deliver())
    try:
        while data := await reader.read(1 << 16):
            if bucket is not None:
                await bucket.take(len(data))
            queue.put_nowait((loop.time() + delay, data))
    except (ConnectionError, OSError):
        pass
    queue.put_nowait((loop.time() + delay, b""))
    try:
        await task
    except (ConnectionError, OSError):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="HOST:PORT of the real server")
    parser.add_argument("--rtt-ms", type=float, default=50.0)
    parser.add_argument("--mbit", type=float, default=0.0, help="bandwidth cap downstream (0: none)")
    parser.add_argument("--stats", type=Path, required=True)
    args = parser.parse_args()
    host, port = args.upstream.rsplit(":", 1)
    rtt = args.rtt_ms / 1000
    bucket = Bucket(args.mbit * 1e6 / 8) if args.mbit > 0 else None
    opened = 0

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        nonlocal opened
        opened += 1
        args.stats.write_text(json.dumps({"connections": opened}))
        await asyncio.sleep(rtt)  # the handshake: nothing crosses before one round trip
        try:
            up_r, up_w = await asyncio.open_connection(host, int(port))
        except OSError:
            client_w.close()
            return
        await asyncio.gather(pump(client_r, up_w, rtt / 2, None), pump(up_r, client_w, rtt / 2, bucket))
        for w in (up_w, client_w):
            w.close()

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        print(server.sockets[0].getsockname()[1], flush=True)
        async with server:
            await server.serve_forever()

    args.stats.write_text(json.dumps({"connections": 0}))
    asyncio.run(serve())


if __name__ == "__main__":
    main()
