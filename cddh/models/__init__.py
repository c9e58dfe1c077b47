"""All models, importable from one place (Alembic and the app import this package)."""

from .base import Base, db, utcnow
from .calendar import CalendarOverride
from .document import Document
from .enums import *  # noqa: F403
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
from .report import PeriodReport, SelfInspectionReport
from .system import AuditLog, JobRun, Notification, Setting
from .task import (
    Attachment,
    ExtensionRequest,
    Feedback,
    ProgressUpdate,
    Task,
    TaskHistory,
    Urging,
    task_cooperating_unit,
    task_unit,
)
from .unit import Unit, UnitKind
from .user import ApiToken, User

__all__ = [
    "ApiToken", "Attachment", "AuditLog", "Base", "CalendarOverride", "Document",
    "ExtensionRequest", "Feedback", "InspectedUnit", "InspectionDocumentRequest",
    "InspectionFinding", "InspectionMember", "InspectionPlan", "InspectionRecommendation",
    "InspectionTeam", "JobRun", "Notification", "PeriodReport", "ProgressUpdate",
    "SelfInspectionReport", "Setting", "Task", "TaskHistory", "Unit", "UnitKind", "Urging",
    "User", "db", "inspection_finding_task", "task_cooperating_unit", "task_unit", "utcnow",
]
