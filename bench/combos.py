"""The task list's filters, alone and two together, in four orders: the slow ones (not part
of the test run).

    CDDH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        PYTHONPATH=. .venv/bin/python bench/combos.py chuyenvien,canbo.snv [--over 25]

Logs in over the Flask test client (bench/inprocess.py) as each user, requests each filter
(every state, priority and timeliness class, a lead and a cooperating unit, a specialist, a
leader, a document number's digits, deadline ranges, "mine") alone and the pairs state ×
class, priority × class, state × priority and lead unit × state or class (``--every-pair``:
each single filter with each of another kind), each in the
default order, by deadline both ways and by number (alone, by state too), and searches
(common and rare words, alone and with a filter; the documents' too); prints each page whose median of five
is over ``--over`` ms in process (HTTP adds 2-3 ms), and any status other than 200.
``--documents``: the document list's filters alone and in pairs, in each order, instead.
``make bench`` measures the screens chosen by hand; this finds the combinations nobody chose
(session 28: the Office's completed tasks done late walked 100,000 others; a filtered count
of up to 100,000 rows).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))
from inprocess import login  # noqa: E402

STATES = ["draft", "assigned", "returned", "in_progress", "pending_verification", "completed",
          "cancelled"]
CLASSES = ["open_overdue", "due_soon", "open_on_time", "no_deadline", "awaiting_verification",
           "done_on_time", "done_late", "returned", "cancelled"]
PRIORITIES = ["normal", "urgent", "flash"]
ORDERS = ["", "&sort=4", "&sort=4&desc=1", "&sort=0&desc=1"]
# The list by its state column, each filter alone (session 31: 0.7-0.9 s a page at 1M).
STATE_ORDERS = ["&sort=5", "&sort=5&desc=1"]
# Searches: a word and a phrase every generated task holds, a rarer word, a rare phrase
# (session 31: a common word took 4.2 s a page at 1M for the Office, 1.7 s for a unit).
SEARCHES = ["thu", "nhiem+vu", "1000", "thu+tai+so+1000"]


def combinations(specialist_id: int, leader_id: int, lead_unit: str, partner: str,
                 every_pair: bool = False) -> list:
    """Each a list of (filter index, value), as the task list's filter URL names them
    (``every_pair``: also each single filter with each of another kind)."""
    found = [[]]
    found += [[("0", s)] for s in STATES] + [[("7", p)] for p in PRIORITIES]
    found += [[("8", c)] for c in CLASSES]
    found += [[("1", lead_unit)], [("5", partner)], [("6", str(specialist_id))],
              [("2", str(leader_id))], [("3", "123")], [("4", "01/06/2026 - 28/06/2026")],
              [("9", "01/06/2026")], [("10", "01/06/2025")], [("11", "1")]]
    found += [[("0", s), ("8", c)] for s in STATES for c in CLASSES]
    found += [[("7", p), ("8", c)] for p in PRIORITIES for c in CLASSES]
    found += [[("0", s), ("7", p)] for s in STATES for p in PRIORITIES]
    found += [[("1", lead_unit), ("8", c)] for c in CLASSES]
    found += [[("1", lead_unit), ("0", s)] for s in STATES]
    if every_pair:  # each single filter with each single filter of another kind
        singles = [f for f in found if len(f) == 1]
        seen = {tuple(sorted(f)) for f in found}
        for i, (a,) in enumerate(singles):
            for (b,) in singles[i + 1:]:
                if a[0] != b[0] and tuple(sorted((a, b))) not in seen:
                    found.append([a, b])
    return found


def pages(found: list) -> list[str]:
    """Each combination's list in each of ORDERS; each single filter (and none) by state
    too; each of SEARCHES alone (in each order, by state too), with a state and with a
    class."""
    urls = []
    for filters in found:
        query = "&".join(f"flt{i}_{k}={quote(v)}" for i, (k, v) in enumerate(filters))
        orders = ORDERS + (STATE_ORDERS if len(filters) <= 1 else [])
        urls += ["/tasks/?" + query + order for order in orders]
    for words in SEARCHES:
        urls += [f"/tasks/?search={words}{order}" for order in ORDERS[1:] + STATE_ORDERS]
        urls += [f"/tasks/?search={words}", f"/tasks/?search={words}&flt0_0=completed",
                 f"/tasks/?search={words}&flt0_8=open_overdue",
                 f"/documents/?search={words}"]
    return urls


def document_pages() -> list[str]:
    """The document list's filters (type, issue date, tracked) alone and two together, in
    each of its orders both ways, and a deep page by number (``--documents``)."""
    singles = [[("0", t)] for t in ("cong_van", "quyet_dinh", "ke_hoach")]
    singles += [[("1", "01/06/2025 - 30/06/2025")], [("1", "01/01/2020 - 31/12/2020")]]
    singles += [[("2", "1")], [("2", "0")]]
    found = [[]] + singles + [[a, b] for i, (a,) in enumerate(singles)
                              for (b,) in singles[i + 1:] if a[0] != b[0]]
    orders = ["", "&sort=0", "&sort=0&desc=1", "&sort=1", "&sort=1&desc=1", "&sort=2",
              "&sort=3", "&sort=3&desc=1"]
    urls = []
    for filters in found:
        query = "&".join(f"flt{i}_{k}={quote(v)}" for i, (k, v) in enumerate(filters))
        urls += ["/documents/?" + query + order for order in orders]
    return urls + ["/documents/?page=150", "/documents/?sort=3&page=150"]


def timed(client, url: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def main() -> None:
    from bench.plain_app import create
    from cddh.models import User, db

    parser = argparse.ArgumentParser()
    parser.add_argument("usernames")
    parser.add_argument("--over", type=float, default=25)
    parser.add_argument("--lead-unit", default="22")
    parser.add_argument("--partner", default="2")
    parser.add_argument("--every-pair", action="store_true")
    parser.add_argument("--documents", action="store_true", help="the document list instead")
    args = parser.parse_args()
    os.environ.setdefault("CDDH_SECRET_KEY", "bench-secret-key")
    os.environ.setdefault("CDDH_LOG_LEVEL", "WARNING")
    app = create()
    with app.app_context():
        ids = dict(db.session.execute(sa.select(User.username, User.id)).all())
    urls = document_pages() if args.documents else pages(combinations(
        ids["chuyenvien"], ids["lanhdao"], args.lead_unit, args.partner, args.every_pair))
    for username in args.usernames.split(","):
        client, slow = login(app, username), 0
        for url in urls:
            status = client.get(url).status_code
            if status != 200:
                print(f"{username} status {status} {url}", flush=True)
                continue
            if min(timed(client, url, 2)) <= args.over:
                continue
            median = statistics.median(timed(client, url, 5))
            if median > args.over:
                slow += 1
                print(f"{username} {median:7.1f} {url}", flush=True)
        print(f"{username}: {slow} of {len(urls)} pages over {args.over} ms", flush=True)


if __name__ == "__main__":
    main()
