"""Time POST /api/v1/documents/extract over the sample directives (issue 16).

    PYTHONPATH=. .venv/bin/python bench/extract.py [--rounds 30] [--sample PATH]

Builds a throw-away SQLite database with the demo units (or uses CDDH_DATABASE_URL), an
Office specialist's API token, then calls the endpoint in-process (Flask test client: the
whole request — authentication, the unit catalog query, parsing, JSON — without a network)
for every sample passage and for a one-page directive made of the passages joined (about
one A4 page). Reports p50/p95 in milliseconds; the target is p95 ≤ 50 ms for one page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

DEFAULT_SAMPLE = Path("/work/shared/data/directives-sample.jsonl")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--sample", type=Path, default=DEFAULT_SAMPLE)
    args = parser.parse_args()
    passages = [json.loads(line) for line in args.sample.read_text(encoding="utf-8").splitlines()
                if line.strip()]

    from cddh import create_app
    from cddh.demo import load_demo
    from cddh.models import User, db
    from cddh.services import tokens
    from cddh.services.audit import acting_as

    scratch = tempfile.mkdtemp()
    url = os.environ.get("CDDH_DATABASE_URL") or f"sqlite:///{scratch}/bench.db"
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": scratch})
    with app.app_context():
        db.create_all()
        if not db.session.query(User).count():
            with acting_as(None):
                load_demo(task_count=10)
                db.session.commit()
        specialist = db.session.query(User).filter_by(username="chuyenvien").one()
        token = tokens.issue_token(specialist, "bench")[1]
        db.session.commit()

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def call(text: str, issued_on: str) -> float:
        start = time.perf_counter()
        resp = client.post("/api/v1/documents/extract", json={"text": text, "issued_on": issued_on},
                           headers=headers)
        elapsed = (time.perf_counter() - start) * 1000
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return elapsed

    page = "\n".join(p["text"] for p in passages)
    # One A4 page of a directive is about 3 000–4 000 characters: the first passages, joined.
    one_page = page[:4000]
    for p in passages:  # warm up (catalogs, regex compilation)
        call(p["text"], p["issued_on"])
    per_passage = [call(p["text"], p["issued_on"]) for _ in range(args.rounds) for p in passages]
    one_page_times = [call(one_page, "2024-06-21") for _ in range(args.rounds)]
    whole_times = [call(page, "2024-06-21") for _ in range(max(5, args.rounds // 3))]

    def timed(run) -> float:
        start = time.perf_counter()
        run()
        return (time.perf_counter() - start) * 1000

    # For scale: the same request machinery around the cheapest endpoint, and the parser
    # alone on the one page (no request, no database).
    baseline = [timed(lambda: client.get("/api/v1/me", headers=headers))
                for _ in range(args.rounds)]
    from cddh.services.calendar import WorkingCalendar
    from cddh.services.directives import extract
    from cddh.services.directives.read import installation_catalog
    with app.app_context():
        catalog, cal = installation_catalog(), WorkingCalendar(overrides={})
    issued = dt.date(2024, 6, 21)
    parser_only = [timed(lambda: extract(one_page, issued, catalog, cal))
                   for _ in range(args.rounds)]

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"passages: {len(passages)}, rounds: {args.rounds}, database: {url.split(':')[0]}, "
          f"load average {load:.1f} on {os.cpu_count()} CPUs")
    for name, times, size in (("each sample passage", per_passage, None),
                              ("one page (4 000 characters)", one_page_times, len(one_page)),
                              ("all fourteen joined", whole_times, len(page)),
                              ("baseline: GET /api/v1/me", baseline, None),
                              ("parser alone, one page", parser_only, len(one_page))):
        extra = f", {size} characters" if size else ""
        print(f"{name:30s} calls {len(times):4d}  p50 {statistics.median(times):6.1f} ms  "
              f"p95 {percentile(times, 0.95):6.1f} ms  max {max(times):6.1f} ms{extra}")


if __name__ == "__main__":
    main()
