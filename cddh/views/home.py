"""What the home page shows: the user's visible tasks counted by state."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from .. import labels
from ..auth import policy
from ..models import Task, TaskState, db


def home_context() -> dict:
    """Counts of the tasks the current user may see, by state (one grouped query)."""
    rows = db.session.execute(
        sa.select(Task.state, sa.func.count()).where(policy.task_scope(current_user))
        .group_by(Task.state)
    ).all()
    counts = {state: n for state, n in rows}
    return {
        "state_counts": [(s, labels.label(labels.TASK_STATE, s), counts.get(s, 0))
                         for s in TaskState],
        "total": sum(counts.values()),
    }
