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


def post_worker_init(worker):
    """The application's objects (modules, views, mappers) live as long as the worker: moved
    out of the collector's generations, a full collection no longer walks them all (it took
    ~90 ms, the slowest list requests' extra time)."""
    import gc

    gc.collect()
    gc.freeze()
