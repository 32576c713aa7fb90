"""A fixed-rate (open-loop) HTTP load, as wrk2 `-R` gives: no coordinated omission.

    python bench/loadgen.py URL PATHS_FILE (--rate R | --closed) [--connections C]
                            [--duration S] [--warmup S] [--timeout S]

C persistent keep-alive connections share one schedule: request i (0, 1, 2, ...) is due
at start + i / R and goes on connection i mod C, so each connection asks every C / R
seconds. A connection sends a request when it is due or, if the answer to its previous
request has not come yet, as soon as that answer comes (HTTP/1.1, no pipelining). Its
latency counts from when it was *due*, not from when it was sent: a server that falls
behind is charged for the wait it causes, as a reader's browser would see it, instead
of the generator politely waiting for it (which is what a closed loop like wrk's does).

Request i asks for line i mod n of PATHS_FILE (one URL path a line, the same shuffled
list bench/public_pages.lua cycles through). Requests due in the first --warmup seconds
are sent but not counted. A request due in the measured window that has no answer by
the end of the window plus --timeout, or fails (socket error, status >= 400), is an
error; the latency percentiles are over every request due in the window, an error
counting as slower than any answer. So p99 is finite only if errors stay under 1 %.

The generator runs uvloop and parses answers with httptools. It reports its own CPU
time: on the 2 cores it shares with the server, the server's figures are honest only
while the generator stays far from a full core. `send_lag` is how late requests left
compared with when they were due, counting only connections that were idle then: the
generator's own timer slack (libuv timers have 1 ms resolution).

--closed: a closed loop instead, as wrk gives: each connection asks again as soon as it
has its answer, and a latency counts from when its request was sent. Connection k starts
at line k * 7919 of the list. Every request sent in the measured window counts (an error
as slower than any answer). wrk's own latency figures were found wrong under load: at
256 connections their mean came out five times what its own throughput allows
(Little's law: connections / requests per second), so the bench uses this instead.

Prints one line: `LOADGEN_JSON {...}` (see `Report`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import resource
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

import httptools
import uvloop


class Connection(asyncio.Protocol):
    """One keep-alive connection: send a request, wait for its status."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.answer: asyncio.Future[int] | None = None
        self.lost = False
        self.keep_alive = True  # read when an answer is complete: the parser forgets it after

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(error)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self._fail(exc or ConnectionResetError("closed by the server"))

    def on_message_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()
        if self.answer is not None and not self.answer.done():
            self.answer.set_result(self.parser.get_status_code())

    def _fail(self, error: BaseException) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(error)

    def ask(self, request: bytes) -> asyncio.Future[int]:
        assert self.transport is not None
        self.answer = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return self.answer

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


@dataclass
class Plan:
    host: str
    port: int
    requests: list[bytes]
    rate: float
    connections: int
    warmup: float
    duration: float
    timeout: float
    closed: bool = False

    def due(self, i: int) -> float:
        return i / self.rate

    @property
    def total(self) -> int:
        """Requests due before the end of the measured window."""
        return math.ceil((self.warmup + self.duration) * self.rate)

    @property
    def first_measured(self) -> int:
        return math.ceil(self.warmup * self.rate)


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # seconds, measured answers
    send_lags: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    last_answer: float = 0.0
    all_answers: int = 0  # warm-up included: what the server did while it was measured
    sent: int = 0  # closed loop: requests sent in the measured window
    in_window: int = 0  # closed loop: answers that came in the measured window


async def connect(plan: Plan) -> Connection:
    loop = asyncio.get_running_loop()
    _, connection = await loop.create_connection(Connection, plan.host, plan.port)
    return connection


async def one(plan: Plan, connection: Connection, i: int, start: float, tally: Tally) -> bool:
    """Request i on this connection; False when the connection must be replaced.

    Times are time.perf_counter() (the loop's own clock counts whole milliseconds).
    """
    due = start + plan.due(i)
    measured = i >= plan.first_measured
    wait = due - time.perf_counter()
    if wait > 0:
        await asyncio.sleep(wait)
        if measured:
            tally.send_lags.append(time.perf_counter() - due)
    deadline = start + plan.due(plan.total) + plan.timeout
    try:
        async with asyncio.timeout(max(deadline - time.perf_counter(), 0.001)):
            status = await connection.ask(plan.requests[i % len(plan.requests)])
    except TimeoutError:
        tally.errors["timeout" if measured else "warmup"] += 1
        return False
    except (OSError, httptools.HttpParserError) as error:
        tally.errors[type(error).__name__ if measured else "warmup"] += 1
        return False
    tally.all_answers += 1
    if measured:
        answered(tally, status, time.perf_counter(), due)
    return not connection.lost and connection.keep_alive


async def client(plan: Plan, k: int, connection: Connection, start: float, tally: Tally) -> None:
    """Requests k, k + C, k + 2C, ... in turn on one connection."""
    deadline = start + plan.due(plan.total) + plan.timeout
    for i in range(k, plan.total, plan.connections):
        if time.perf_counter() > deadline:
            break  # what is left counts as errors: due, never answered
        if not await one(plan, connection, i, start, tally):
            if (fresh := await replaced(plan, connection, tally)) is None:
                return
            connection = fresh
    connection.close()


async def replaced(plan: Plan, connection: Connection, tally: Tally) -> Connection | None:
    """A new connection for one the server closed or that failed; None if refused."""
    connection.close()
    try:
        return await connect(plan)
    except OSError:
        tally.errors["connect"] += 1
        return None


async def closed_client(
    plan: Plan, k: int, connection: Connection, start: float, tally: Tally
) -> None:
    """Closed loop: request after request on one connection, each as the last is answered."""
    window, i = start + plan.warmup, k * 7919
    end = window + plan.duration
    while (sent := time.perf_counter()) < end:
        measured = sent >= window
        tally.sent += measured
        try:
            async with asyncio.timeout(plan.timeout):
                status = await connection.ask(plan.requests[i % len(plan.requests)])
        except (TimeoutError, OSError, httptools.HttpParserError) as error:
            tally.errors[type(error).__name__ if measured else "warmup"] += 1
            status = 0
        else:
            i += 1
            tally.all_answers += 1
            at = time.perf_counter()
            tally.in_window += window <= at <= end
            if measured:
                answered(tally, status, at, sent)
        if status == 0 or connection.lost or not connection.keep_alive:
            if (fresh := await replaced(plan, connection, tally)) is None:
                return
            connection = fresh
    connection.close()


def answered(tally: Tally, status: int, at: float, since: float) -> None:
    tally.statuses[status] += 1
    if status >= 400:
        tally.errors["status"] += 1
    else:
        tally.latencies.append(at - since)
    tally.last_answer = max(tally.last_answer, at)


@dataclass(frozen=True)
class Report:
    rate: float  # asked
    connections: int
    seconds: float  # measured window
    due: int  # requests due in the window
    answered: int  # with a status below 400
    achieved_rps: float  # answered / (time from the window's start to the last answer)
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    all_answers: int  # every answer, warm-up included
    error_kinds: dict[str, int]
    statuses: dict[str, int]
    send_lag_p99_ms: float
    cpu_seconds: float  # the generator's own CPU (user + system)
    cpu_percent: float  # of one core, over the whole run


def percentile(values: list[float], share: float, count: int) -> float:
    """Of `count` requests, `values` answered (sorted); the missing ones are slowest."""
    rank = max(1, math.ceil(share * count))
    return values[rank - 1] * 1000 if rank <= len(values) else math.inf


def report(plan: Plan, tally: Tally, start: float, cpu: float, wall: float) -> Report:
    due = tally.sent if plan.closed else plan.total - plan.first_measured
    done = sorted(tally.latencies)
    window_start = start + (plan.warmup if plan.closed else plan.due(plan.first_measured))
    lags = sorted(tally.send_lags)
    errors = due - len(done)
    kinds = dict(tally.errors)
    kinds.pop("warmup", None)
    return Report(
        rate=plan.rate,
        connections=plan.connections,
        seconds=plan.duration,
        due=due,
        answered=len(done),
        achieved_rps=(
            tally.in_window / plan.duration
            if plan.closed
            else len(done) / max(tally.last_answer - window_start, 1e-9)
        ),
        p50_ms=percentile(done, 0.50, due),
        p90_ms=percentile(done, 0.90, due),
        p99_ms=percentile(done, 0.99, due),
        max_ms=done[-1] * 1000 if done and not errors else math.inf,
        errors=errors,
        all_answers=tally.all_answers,
        error_kinds=kinds,
        statuses={str(k): v for k, v in sorted(tally.statuses.items())},
        send_lag_p99_ms=percentile(lags, 0.99, len(lags)) if lags else 0.0,
        cpu_seconds=round(cpu, 3),
        cpu_percent=round(100 * cpu / wall, 1),
    )


async def run(plan: Plan) -> Report:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    began = time.monotonic()
    connections = await asyncio.gather(*(connect(plan) for _ in range(plan.connections)))
    tally = Tally()
    start = time.perf_counter() + 0.2
    each = closed_client if plan.closed else client
    await asyncio.gather(*(each(plan, k, c, start, tally) for k, c in enumerate(connections)))
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    return report(plan, tally, start, cpu, time.monotonic() - began)


def plan_from(args: argparse.Namespace) -> Plan:
    url = urlsplit(args.url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    paths = [line for line in Path(args.paths).read_text().splitlines() if line]
    head = f"Host: {host}:{port}\r\n\r\n"
    return Plan(
        host=host,
        port=port,
        requests=[f"GET {path} HTTP/1.1\r\n{head}".encode() for path in paths],
        rate=args.rate or 0.0,
        connections=args.connections,
        warmup=args.warmup,
        duration=args.duration,
        timeout=args.timeout,
        closed=args.closed,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="http://127.0.0.1:PORT")
    parser.add_argument("paths", help="a file of URL paths, one a line")
    loop = parser.add_mutually_exclusive_group(required=True)
    loop.add_argument("--rate", type=float, help="requests a second, in all")
    loop.add_argument("--closed", action="store_true", help="a closed loop, as wrk gives")
    parser.add_argument("--connections", type=int, default=256)
    parser.add_argument("--duration", type=float, default=15, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=2, help="seconds sent, not counted")
    parser.add_argument("--timeout", type=float, default=10, help="seconds after the window")
    found = uvloop.run(run(plan_from(parser.parse_args())))
    print("LOADGEN_JSON " + json.dumps(asdict(found)), flush=True)


if __name__ == "__main__":
    main()
