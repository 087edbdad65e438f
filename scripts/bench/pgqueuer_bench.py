"""PgQueuer beside `neonhub bench queue --mode noop` (scripts/bench.sh --cases queue).

Same shape as ours: install (once) and empty PgQueuer's tables, enqueue --jobs no-op jobs
(--enqueue-batch jobs per INSERT, --workers INSERTs in flight; 1 = one statement per job, as
ours does), timed on its own; then start --workers QueueManagers (each on its own asyncpg
connection: PgQueuer's own notion of a worker, as in its tools/benchmark.py) in drain mode
and time until all have returned: every job run and its completion logged (PgQueuer deletes
a finished job from its queue table and writes a pgqueuer_log row, in batches). Prints one
JSON line. Runs in the private virtualenv that bench.sh makes (.build-bench/venv).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time

import asyncpg
from pgqueuer import __version__ as pgqueuer_version
from pgqueuer.db import AsyncpgDriver
from pgqueuer.models import Job
from pgqueuer.qm import QueueManager
from pgqueuer.queries import Queries
from pgqueuer.types import QueueExecutionMode

ENTRYPOINT = "noop"


async def prepare(dsn: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        queries = Queries(AsyncpgDriver(connection))
        if not await queries.schema_is_installed():
            await queries.install()
        await queries.clear_queue()
        await queries.clear_queue_log()
        await queries.clear_statistics_log()
        for table in ("pgqueuer", "pgqueuer_log", "pgqueuer_statistics"):
            await connection.execute(f"VACUUM ANALYZE {table}")
    finally:
        await connection.close()


async def enqueue(dsn: str, jobs: int, lanes: int, batch: int) -> float:
    connections = [await asyncpg.connect(dsn) for _ in range(lanes)]
    starts = list(range(0, jobs, batch))

    async def lane(index: int) -> None:
        queries = Queries(AsyncpgDriver(connections[index]))
        for start in starts[index::lanes]:
            n = min(batch, jobs - start)
            if n == 1:
                await queries.enqueue(ENTRYPOINT, None)
            else:
                await queries.enqueue([ENTRYPOINT] * n, [None] * n, [0] * n)

    try:
        began = time.perf_counter()
        await asyncio.gather(*(lane(i) for i in range(lanes)))
        return time.perf_counter() - began
    finally:
        for connection in connections:
            await connection.close()


async def drain(dsn: str, workers: int, batch_size: int, concurrency_limit: int) -> tuple[float, int]:
    connections = [await asyncpg.connect(dsn) for _ in range(workers)]
    ran = 0

    def manager(connection: asyncpg.Connection) -> QueueManager:
        qm = QueueManager(Queries(AsyncpgDriver(connection)))

        @qm.entrypoint(ENTRYPOINT, concurrency_limit=concurrency_limit)
        async def noop(job: Job) -> None:
            nonlocal ran
            ran += 1

        return qm

    managers = [manager(c) for c in connections]
    try:
        began = time.perf_counter()
        await asyncio.gather(*(qm.run(mode=QueueExecutionMode.drain, batch_size=batch_size) for qm in managers))
        return time.perf_counter() - began, ran
    finally:
        for connection in connections:
            await connection.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4, help="QueueManagers (one connection each)")
    parser.add_argument("--batch-size", type=int, default=10, help="jobs per dequeue (PgQueuer's default: 10)")
    parser.add_argument("--concurrency-limit", type=int, default=0, help="entrypoint concurrency_limit (0: none)")
    parser.add_argument("--enqueue-batch", type=int, default=1, help="jobs per enqueue call")
    args = parser.parse_args()
    if not args.dsn:
        parser.error("DATABASE_URL or --dsn is required")

    await prepare(args.dsn)
    enqueue_seconds = await enqueue(args.dsn, args.jobs, args.workers, args.enqueue_batch)
    connection = await asyncpg.connect(args.dsn)
    try:  # as ours does: the planner sees the queue the workers will see
        await connection.execute("ANALYZE pgqueuer")
        await connection.execute("ANALYZE pgqueuer_log")
    finally:
        await connection.close()
    seconds, ran = await drain(args.dsn, args.workers, args.batch_size, args.concurrency_limit)

    connection = await asyncpg.connect(args.dsn)
    try:
        left = await connection.fetchval("SELECT count(*) FROM pgqueuer")
        logged = await connection.fetchval("SELECT count(*) FROM pgqueuer_log WHERE status = 'successful'")
    finally:
        await connection.close()
    print(json.dumps({
        "queue": "pgqueuer", "version": pgqueuer_version, "mode": "noop", "jobs": args.jobs, "workers": args.workers,
        "batch_size": args.batch_size, "concurrency_limit": args.concurrency_limit, "enqueue_batch": args.enqueue_batch,
        "enqueue_seconds": round(enqueue_seconds, 3), "enqueue_jobs_per_s": round(args.jobs / enqueue_seconds, 2),
        "seconds": round(seconds, 3), "jobs_per_s": round(args.jobs / seconds, 2),
        "ran": ran, "logged_successful": logged, "left_in_queue": left,
        "exactly_once": ran == args.jobs and logged == args.jobs and left == 0,
    }))


if __name__ == "__main__":
    asyncio.run(main())
