#!/usr/bin/env python3
"""Hostile clients for bench/server.sh: slow-header connections and unauthenticated bodies.

Slow headers: SLOW connections, each sending a request line and then one header line every
PERIOD seconds, never ending its headers; spread over source addresses 127.0.0.2 onwards
(all of 127.0.0.0/8 is loopback on Linux), PER_ADDR connections per address, so that the
per-address cap does not turn them all away and the header deadline has to. A connection the
server closes is opened again at once.

Bodies: BODIES connections, each posting a submission of BODY_MB MB with no token and
`Expect: 100-continue`, sending the body anyway (as a client that does not wait would) in
64 KiB pieces; when the server answers or closes, the next one starts.

Runs until SECONDS have passed (or SIGTERM), then prints one line of counts: connections
opened, cut by the server, answers seen (by status), bytes of body the server took.
Usage: hostile.py PORT [SECONDS] [SLOW] [BODIES]   (python3 standard library only)
"""
import asyncio
import collections
import signal
import sys

PERIOD = 2.0
PER_ADDR = 25
BODY_MB = 16
PIECE = 64 * 1024

stats = collections.Counter()


async def slow_client(port, src, stop):
    while not stop.is_set():
        try:
            r, w = await asyncio.open_connection("127.0.0.1", port, local_addr=(src, 0))
        except OSError:
            stats["slow_refused"] += 1
            await asyncio.sleep(0.5)
            continue
        stats["slow_opened"] += 1
        try:
            w.write(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
            await w.drain()
            i = 0
            while not stop.is_set():
                # a closed connection shows as end of stream within the wait
                try:
                    data = await asyncio.wait_for(r.read(4096), PERIOD)
                except asyncio.TimeoutError:
                    data = None
                if data == b"":
                    stats["slow_cut"] += 1
                    break
                if data:
                    stats["slow_answered"] += 1
                    break
                i += 1
                w.write(b"X-Slow-%d: 1\r\n" % i)
                await w.drain()
        except (ConnectionError, OSError):
            stats["slow_cut"] += 1
        finally:
            w.close()


async def body_client(port, src, stop):
    head = (b"POST /api/v1/submissions?kind=indicators HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: text/csv\r\nExpect: 100-continue\r\n"
            b"Content-Length: %d\r\n\r\n" % (BODY_MB << 20))
    piece = b"x" * PIECE
    while not stop.is_set():
        try:
            r, w = await asyncio.open_connection("127.0.0.1", port, local_addr=(src, 0))
        except OSError:
            stats["body_refused"] += 1
            await asyncio.sleep(0.5)
            continue
        stats["body_opened"] += 1
        sent = 0
        try:
            w.write(head)
            await w.drain()
            while sent < (BODY_MB << 20) and not stop.is_set():
                w.write(piece)
                await asyncio.wait_for(w.drain(), 5)
                sent += PIECE
                # an answer (the server refused the body) ends this one
                try:
                    line = await asyncio.wait_for(r.readline(), 0.001)
                except asyncio.TimeoutError:
                    continue
                if line.startswith(b"HTTP/1.1 100"):
                    stats["body_100_continue"] += 1
                    await r.readline()
                    continue
                stats["body_answer_" + (line[9:12].decode() or "closed")] += 1
                break
        except (ConnectionError, OSError, asyncio.TimeoutError):
            stats["body_cut"] += 1
        finally:
            stats["body_bytes_sent"] += sent
            w.close()
        await asyncio.sleep(0.05)


async def main():
    port = int(sys.argv[1])
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 30
    slow = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    bodies = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    tasks = []
    for i in range(slow):
        src = "127.0.%d.%d" % (2 + (i // PER_ADDR) // 250, 2 + (i // PER_ADDR) % 250)
        tasks.append(asyncio.create_task(slow_client(port, src, stop)))
    for i in range(bodies):
        tasks.append(asyncio.create_task(body_client(port, "127.0.9.%d" % (2 + i % 8), stop)))
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except asyncio.TimeoutError:
        stop.set()
    await asyncio.wait(tasks, timeout=PERIOD + 6)
    print("hostile: " + ", ".join("%s %d" % kv for kv in sorted(stats.items())), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
