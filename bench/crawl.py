"""Walk every screen a user can reach and list the slowest (not part of the test run).

    CDDH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        PYTHONPATH=. .venv/bin/python bench/crawl.py chuyenvien [--pages 300] [--top 25]

Logs in over the Flask test client (bench/inprocess.py) and follows the links of each page
(GET only; no logout, exports or downloads), breadth first from the home page, at most two
addresses per shape (ids replaced by N, query values dropped), then times each of the
slowest again (median of five) and prints them with their status and size, and any 5xx.
The screens that ``make bench`` measures were chosen by hand; this finds the ones nobody
chose (session 25: the document list's other orders, a report figure's list, filters in
deadline order).
"""

from __future__ import annotations

import argparse
import collections
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlparse

sys.path.insert(0, str(Path(__file__).parent))
from inprocess import login  # noqa: E402

HREF = re.compile(r'href="([^"#]+)"')
SKIP = ("logout", "/export", "/static/", "download", "/attachments/", ".xlsx", ".csv", ".pdf")


def shape(url: str) -> str:
    parts = urlparse(url)
    keys = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"/\d+", "/N", parts.path) + ("?" + "&".join(keys) if keys else "")


def crawl(client, pages: int) -> list[tuple[float, int, str, int]]:
    seen, queue, shapes, found = set(), collections.deque(["/"]), collections.Counter(), []
    while queue and len(found) < pages:
        url = queue.popleft()
        if url in seen or any(part in url for part in SKIP):
            continue
        seen.add(url)
        if shapes[shape(url)] >= 2:
            continue
        shapes[shape(url)] += 1
        start = time.perf_counter()
        response = client.get(url)
        found.append(((time.perf_counter() - start) * 1000, response.status_code, url,
                      len(response.data)))
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for href in HREF.findall(response.get_data(as_text=True)):
            target = urlparse(urljoin(url, href.replace("&amp;", "&")))
            if target.netloc and target.netloc != "localhost":
                continue
            link = target.path + ("?" + target.query if target.query else "")
            if link not in seen:
                queue.append(link)
    return found


def main() -> None:
    from cddh import create_app

    parser = argparse.ArgumentParser()
    parser.add_argument("username")
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    client = login(create_app(), args.username)
    found = sorted(crawl(client, args.pages), reverse=True)
    print(f"{args.username}: {len(found)} pages; the slowest, timed again (median of 5):")
    for _first, status, url, size in found[:args.top]:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        print(f"{statistics.median(times):8.1f} ms  {status}  {size:8d} B  {url}")
    errors = [url for _ms, status, url, _size in found if status >= 500]
    print("5xx:", errors or "none")


if __name__ == "__main__":
    main()
