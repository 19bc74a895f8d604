"""Run callables at the same moment in threads, for the race tests (PostgreSQL runs writers in parallel)."""

from __future__ import annotations

import threading

from django.db import connections


def run_concurrently(count: int, work) -> list:
    """`work(index)` in `count` threads released together; each slot holds the return value or the exception."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 - reported through the results
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
