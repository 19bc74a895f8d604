"""Garbage-collector settings of a web process once the application has loaded (issue 11, docs/benchmarks.md).

A worker holds hundreds of thousands of long-lived container objects after start-up (Django's models, URL
patterns, templates, the parameter files). Python's full (generation 2) collection walks all of them, and it ran
inside a request every few requests of the busy pages: their slow tenth request. `gc.freeze()` after start-up moves
those objects to the permanent generation, so a full collection walks only what requests created; a raised
generation-0 threshold lets a request's short-lived rows die by reference counting instead of being promoted by a
collection half-way through the request.

Used by deploy/gunicorn.conf.py (each worker, once it has loaded the application) and by `benchmarks.pages
--gc production`, so that the benchmark measures what production runs.
"""

from __future__ import annotations

import gc

# Python's default is (700, 10, 10). 50,000 allocations between young collections: a list page's rows (a few
# thousand model instances) no longer trigger several collections each; measured in docs/benchmarks.md.
GEN0_THRESHOLD = 50_000


def warm_up() -> None:
    """Load what the first request would otherwise load, so it is frozen too: the URL patterns (and the views'
    modules they import)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import is the point


def freeze_after_startup(*, threshold: int | None = GEN0_THRESHOLD) -> dict:
    """Collect once, freeze what is left, raise the young generation's threshold. Returns what was done."""
    warm_up()
    gc.collect()
    gc.freeze()
    if threshold:
        _, first, second = gc.get_threshold()
        gc.set_threshold(threshold, first, second)
    return {"frozen": gc.get_freeze_count(), "threshold": gc.get_threshold()}
