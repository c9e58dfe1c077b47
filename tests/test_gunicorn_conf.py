"""gunicorn's hooks (cddh/gunicorn_conf.py): the collector runs between requests.

Run in a child interpreter: the hooks change the process's collector (freeze, thresholds)."""

import subprocess
import sys
import textwrap

CHILD = textwrap.dedent("""
    import gc, weakref
    from cddh import gunicorn_conf as conf

    conf.post_worker_init(None)
    assert gc.get_threshold() == conf.GC_THRESHOLDS, gc.get_threshold()
    assert gc.get_freeze_count() > 0

    class Node:
        pass

    # A request's garbage: objects in reference cycles, as SQLAlchemy's instance states are.
    alive = []
    for _ in range(500):
        a, b = Node(), Node()
        a.other, b.other = b, a
        alive.append(weakref.ref(a))
    del a, b
    assert all(ref() is not None for ref in alive)  # reference counting alone frees none
    conf.post_request(None, None, {}, None)
    assert all(ref() is None for ref in alive), "the request's cycles are still there"
    assert gc.get_count()[:2] == (0, 0), gc.get_count()

    # Every FULL_COLLECTION_EVERY-th request also collects the oldest generation.
    old = []
    x, y = Node(), Node()
    x.other, y.other = y, x
    old.append(weakref.ref(x))
    gc.collect(1)  # still alive: promoted to the oldest generation
    del x, y  # now garbage there, which a young collection leaves
    conf._served = conf.FULL_COLLECTION_EVERY - 2
    conf.post_request(None, None, {}, None)
    assert old[0]() is not None
    conf.post_request(None, None, {}, None)
    assert old[0]() is None
    print("ok")
""")


def test_post_request_collects_the_requests_cycles():
    result = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
