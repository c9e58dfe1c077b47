"""Closed vocabularies of the domain. Values are stored; labels are translated in views."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    office_specialist = "office_specialist"
    leader = "leader"
    unit_leader = "unit_leader"
    unit_staff = "unit_staff"
    inspector = "inspector"


OFFICE_ROLES = frozenset({Role.admin, Role.office_specialist, Role.leader})
UNIT_ROLES = frozenset({Role.unit_leader, Role.unit_staff})


class LeaderPosition(StrEnum):
    """A leader's post (Đ3.2, Đ12.1b, Đ16.3): who directs a task, who decides on it."""

    chairman = "chairman"
    vice_chairman = "vice_chairman"
    office_chief = "office_chief"
    office_deputy = "office_deputy"


class UnitCategory(StrEnum):
    """What a unit kind is, for the rules; a province names its own kinds as data."""

    office = "office"
    office_division = "office_division"
    department = "department"
    district = "district"
    other = "other"


class TaskState(StrEnum):
    draft = "draft"
    assigned = "assigned"
    returned = "returned"
    in_progress = "in_progress"
    pending_verification = "pending_verification"
    completed = "completed"
    cancelled = "cancelled"


OPEN_STATES = frozenset(
    {TaskState.assigned, TaskState.in_progress, TaskState.pending_verification, TaskState.returned}
)


class Timeliness(StrEnum):
    done_on_time = "done_on_time"
    done_late = "done_late"
    open_on_time = "open_on_time"
    open_overdue = "open_overdue"
    no_deadline = "no_deadline"


class UpdateFrequency(StrEnum):
    monthly = "monthly"
    quarterly = "quarterly"
    half_yearly = "half_yearly"
    yearly = "yearly"


class Priority(StrEnum):
    normal = "normal"
    urgent = "urgent"
    flash = "flash"


class ExpectedProduct(StrEnum):
    report = "report"
    draft_document = "draft_document"
    project = "project"
    other = "other"


class DocType(StrEnum):
    quyet_dinh = "quyet_dinh"
    chi_thi = "chi_thi"
    ke_hoach = "ke_hoach"
    cong_dien = "cong_dien"
    cong_van = "cong_van"
    thong_bao_ket_luan = "thong_bao_ket_luan"
    chuong_trinh_cong_tac = "chuong_trinh_cong_tac"
    phieu_xu_ly = "phieu_xu_ly"
    other = "other"


class Confidentiality(StrEnum):
    none = "none"
    mat = "mat"
    toi_mat = "toi_mat"
    tuyet_mat = "tuyet_mat"


class ReturnReason(StrEnum):
    missing_task = "missing_task"
    inaccurate_content = "inaccurate_content"
    outside_remit = "outside_remit"
    other = "other"


class ExtensionStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    refused = "refused"


class CalendarOverrideKind(StrEnum):
    day_off = "day_off"
    working_day = "working_day"


class UrgingChannel(StrEnum):
    system = "system"
    report = "report"
    meeting = "meeting"
    phone = "phone"
    email = "email"
    fax = "fax"
    inspection = "inspection"


class FeedbackAnswerKind(StrEnum):
    urging_document = "urging_document"
    report_to_leaders = "report_to_leaders"


class PeriodKind(StrEnum):
    month = "month"
    quarter = "quarter"
    half = "half"
    nine_months = "nine_months"
    year = "year"


class ReportStatus(StrEnum):
    """The life of the Office's period report (Đ15.2, Đ17.2): the specialist drafts and
    submits it, the Office's leader approves it or returns it with comments, then it is
    issued (its figures and ranking frozen) and may be published."""

    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    approved = "approved"
    issued = "issued"
    published = "published"


class InspectionKind(StrEnum):
    regular = "regular"
    ad_hoc = "ad_hoc"


class InspectionStatus(StrEnum):
    draft = "draft"
    approved = "approved"
    in_progress = "in_progress"
    closed = "closed"


class DifficultyKind(StrEnum):
    """What a unit raises on a task (Đ7.2d, Đ10.1a–c, Đ16.3)."""

    difficulty = "difficulty"
    proposal = "proposal"
    disagreement = "disagreement"


class DifficultyAsk(StrEnum):
    """What the unit asks for."""

    more_time = "more_time"
    resources = "resources"
    change_content = "change_content"
    change_lead = "change_lead"
    leader_decision = "leader_decision"
    other = "other"


class DifficultyState(StrEnum):
    open = "open"
    proposed = "proposed"
    decided = "decided"
