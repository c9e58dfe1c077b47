"""All models, importable from one place (Alembic and the app import this package)."""

from .base import Base, db, utcnow
from .calendar import CalendarOverride
from .document import Document
from .enums import *  # noqa: F403
from .fact import PeriodFact, PeriodReportFigures, task_tally, task_tally_day
from .inspection import (
    InspectedUnit,
    InspectionDocumentRequest,
    InspectionFinding,
    InspectionMember,
    InspectionPlan,
    InspectionRecommendation,
    InspectionTeam,
    inspection_finding_task,
)
from .report import PeriodReport, PeriodReportEvent, SelfInspectionReport
from .saved_filter import SavedFilter
from .system import AuditLog, JobRun, NoticeMark, Notification, SchedulerHeartbeat, Setting
from .task import (
    Attachment,
    CooperationRequest,
    Difficulty,
    ExtensionRequest,
    Feedback,
    ProgressUpdate,
    Task,
    TaskHistory,
    TaskOverdue,
    Urging,
    task_cooperating_unit,
    task_officer,
    task_unit,
    task_unit_count,
    unit_document,
)
from .unit import Unit, UnitKind
from .user import ApiToken, LoginFailure, User, UserSession

__all__ = [
    "ApiToken", "Attachment", "AuditLog", "Base", "CalendarOverride", "CooperationRequest", "Difficulty", "Document",
    "ExtensionRequest", "Feedback", "InspectedUnit", "InspectionDocumentRequest",
    "InspectionFinding", "InspectionMember", "InspectionPlan", "InspectionRecommendation",
    "InspectionTeam", "JobRun", "NoticeMark", "Notification", "PeriodFact", "PeriodReport",
    "PeriodReportEvent", "PeriodReportFigures", "ProgressUpdate", "SavedFilter",
    "SchedulerHeartbeat", "SelfInspectionReport", "Setting", "Task", "TaskHistory", "TaskOverdue", "Unit", "UnitKind", "Urging",
    "User", "UserSession", "LoginFailure", "db", "inspection_finding_task", "task_cooperating_unit", "task_officer", "task_tally", "task_tally_day", "task_unit", "task_unit_count", "unit_document", "utcnow",
]
