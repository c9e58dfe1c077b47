"""gunicorn's settings for CĐĐH: ``gunicorn -c python:cddh.gunicorn_conf 'cddh:create_app()'``.

Options given on gunicorn's command line (``--bind``, ``--workers``) override these.
"""

import multiprocessing
import os

# gunicorn's own rule of thumb: two workers per core, plus one. GUNICORN_WORKERS overrides it
# (a small virtual machine that also runs PostgreSQL may want fewer).
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Exports of 100,000 rows take a while; the proxy's timeout should be at least as long.
timeout = 120
graceful_timeout = 30
# The app logs one line per request itself (cddh/logs.py), with the user; no access log.
accesslog = None
errorlog = "-"
# The app trusts X-Forwarded-* only from the proxy (CDDH_PROXY_COUNT); gunicorn likewise.
forwarded_allow_ips = "127.0.0.1,::1"


# The collector runs between requests, not inside them. Every ORM object's state is part of
# a reference cycle (SQLAlchemy's weak reference back to it), so a page leaves ~1,300
# objects only the collector frees; left to its thresholds it runs a few times within each
# request, and a young collection in the middle of a page walks that page's live objects
# and promotes them, to be walked again by the full collections (3-12 ms a request, 30 ms
# for a full one, measured on a task list at 1M tasks). After the response is written they
# are all garbage: one young collection then costs ~0.5 ms, outside the request's time.
# The thresholds stay as a safety net for a long request (an export), set high enough that
# a page never reaches them.
GC_THRESHOLDS = (50_000, 20, 1_000)
FULL_COLLECTION_EVERY = 1_000  # requests; a full collection (of what is not frozen) then
_served = 0


def post_worker_init(worker):
    """The application's objects (modules, views, mappers) live as long as the worker: moved
    out of the collector's generations, a full collection no longer walks them all (it took
    ~90 ms, the slowest list requests' extra time)."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def post_request(worker, req, environ, resp):
    """After the response is written (gunicorn calls this once the body is sent): collect
    the request's garbage (see GC_THRESHOLDS)."""
    import gc

    global _served
    _served += 1
    gc.collect(2 if _served % FULL_COLLECTION_EVERY == 0 else 1)
