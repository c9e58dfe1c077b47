"""``GET /healthz``: for the reverse proxy and monitoring; no login, no data of any unit."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from ..services.health import health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the database answers, its schema is at the newest revision and the scheduler
    beat recently; 503 otherwise. The body says which check failed."""
    ok, checks = health(current_app.config["SCHEDULER_STALE_MINUTES"])
    response = jsonify({"status": "ok" if ok else "failing", "checks": checks})
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
