"""The steps a period report goes through before it can be issued (issue 14 §3)."""

from __future__ import annotations

from cddh.models import Role, Unit, User, db
from cddh.services import reports

from .conftest import make_user


def office_leader(unit: Unit | None = None) -> User:
    """A leader of the Office (Chánh Văn phòng) who approves reports."""
    from cddh.models import LeaderPosition

    leader = make_user(Role.leader, unit)
    leader.position = LeaderPosition.office_chief
    db.session.flush()
    return leader


def approve(report, specialist: User, leader: User | None = None):
    """Write the assessment, submit as the specialist and approve as an Office leader."""
    leader = leader or office_leader(specialist.unit if hasattr(specialist, "unit") else None)
    reports.save_narrative(specialist, report, assessment="Đánh giá chung.")
    reports.submit_report(specialist, report)
    reports.approve_report(leader, report)
    return report


def issue(report, specialist: User, leader: User | None = None):
    approve(report, specialist, leader)
    return reports.issue_report(specialist, report)
