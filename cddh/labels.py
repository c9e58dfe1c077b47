"""Translated labels for the closed vocabularies, shared by screens, exports and mail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models.enums import (
    CalendarOverrideKind,
    DifficultyAsk,
    DifficultyKind,
    DifficultyState,
    DocType,
    ExpectedProduct,
    FeedbackAnswerKind,
    InspectionKind,
    InspectionStatus,
    LeaderPosition,
    Priority,
    ReturnReason,
    Role,
    TaskState,
    Timeliness,
    UnitCategory,
    UpdateFrequency,
    UrgingChannel,
)

ROLE = {
    Role.admin: _l("Administrator"),
    Role.office_specialist: _l("Office specialist"),
    Role.leader: _l("Leader"),
    Role.unit_leader: _l("Unit leader"),
    Role.unit_staff: _l("Unit staff"),
    Role.inspector: _l("Inspector"),
}

LEADER_POSITION = {
    LeaderPosition.chairman: _l("Chairman of the Provincial People's Committee"),
    LeaderPosition.vice_chairman: _l("Vice-chairman of the Provincial People's Committee"),
    LeaderPosition.office_chief: _l("Chief of the Office"),
    LeaderPosition.office_deputy: _l("Deputy chief of the Office"),
}

DIFFICULTY_KIND = {
    DifficultyKind.difficulty: _l("Difficulty or obstacle"),
    DifficultyKind.proposal: _l("Proposal or recommendation"),
    DifficultyKind.disagreement: _l("Disagreement between units (Đ10.1c)"),
}

DIFFICULTY_ASK = {
    DifficultyAsk.more_time: _l("More time"),
    DifficultyAsk.resources: _l("More resources"),
    DifficultyAsk.change_content: _l("A change of the task's content"),
    DifficultyAsk.change_lead: _l("A change of the lead unit"),
    DifficultyAsk.leader_decision: _l("A decision of the leader"),
    DifficultyAsk.other: _l("Other"),
}

DIFFICULTY_STATE = {
    DifficultyState.open: _l("Waiting for the Office"),
    DifficultyState.proposed: _l("Waiting for the leader's decision"),
    DifficultyState.decided: _l("Decided"),
}

UNIT_CATEGORY = {
    UnitCategory.office: _l("Provincial People's Committee Office"),
    UnitCategory.office_division: _l("Office division"),
    UnitCategory.department: _l("Department or agency"),
    UnitCategory.district: _l("Local People's Committee"),
    UnitCategory.other: _l("Other organisation"),
}

TASK_STATE = {
    TaskState.draft: _l("Draft"),
    TaskState.assigned: _l("Assigned"),
    TaskState.returned: _l("Returned"),
    TaskState.in_progress: _l("In progress"),
    TaskState.pending_verification: _l("Awaiting verification"),
    TaskState.completed: _l("Completed"),
    TaskState.cancelled: _l("Cancelled"),
}

TIMELINESS = {
    Timeliness.done_on_time: _l("Done on time"),
    Timeliness.done_late: _l("Done late"),
    Timeliness.open_on_time: _l("In progress, on time"),
    Timeliness.open_overdue: _l("In progress, overdue"),
    Timeliness.no_deadline: _l("No deadline"),
}

DOC_TYPE = {
    DocType.quyet_dinh: _l("Decision"),
    DocType.chi_thi: _l("Directive"),
    DocType.ke_hoach: _l("Plan"),
    DocType.cong_dien: _l("Official telegram"),
    DocType.cong_van: _l("Official letter"),
    DocType.thong_bao_ket_luan: _l("Conclusion notice"),
    DocType.chuong_trinh_cong_tac: _l("Work programme"),
    DocType.phieu_xu_ly: _l("Handling slip"),
    DocType.other: _l("Other document"),
}

UPDATE_FREQUENCY = {
    UpdateFrequency.monthly: _l("Monthly"),
    UpdateFrequency.quarterly: _l("Quarterly"),
    UpdateFrequency.half_yearly: _l("Every six months"),
    UpdateFrequency.yearly: _l("Yearly"),
}

PRIORITY = {
    Priority.normal: _l("Normal"),
    Priority.urgent: _l("Urgent"),
    Priority.flash: _l("Flash"),
}

EXPECTED_PRODUCT = {
    ExpectedProduct.report: _l("Report"),
    ExpectedProduct.draft_document: _l("Draft document"),
    ExpectedProduct.project: _l("Scheme or project"),
    ExpectedProduct.other: _l("Other"),
}

RETURN_REASON = {
    ReturnReason.missing_task: _l("Task missing from the document"),
    ReturnReason.inaccurate_content: _l("Inaccurate content"),
    ReturnReason.outside_remit: _l("Outside our remit"),
    ReturnReason.other: _l("Other reason"),
}

CALENDAR_OVERRIDE_KIND = {
    CalendarOverrideKind.day_off: _l("Extra day off"),
    CalendarOverrideKind.working_day: _l("Extra working day"),
}


def label(mapping: dict, value) -> str:
    """The translated label of a value, or the value itself when unknown."""
    if value is None:
        return ""
    for key, text in mapping.items():
        if key == value:
            return str(text)
    return str(value)


def choices(mapping: dict) -> list[tuple[str, str]]:
    """Form choices (value, lazy label) in declaration order."""
    return [(getattr(key, "value", key), text) for key, text in mapping.items()]

CONFIDENTIALITY = {
    "none": _l("Not secret"),
    "mat": _l("Secret (Mật)"),
    "toi_mat": _l("Top secret (Tối mật)"),
    "tuyet_mat": _l("Absolutely secret (Tuyệt mật)"),
}

TASK_ACTION = {
    "create": _l("Task created"),
    "edit": _l("Task edited"),
    "forward": _l("Forwarded"),
    "receive": _l("Received"),
    "return": _l("Returned by the lead unit"),
    "progress": _l("Progress update"),
    "report_completion": _l("Completion reported"),
    "verify": _l("Verification"),
    "request_extension": _l("Extension requested"),
    "decide_extension": _l("Extension decided"),
    "cancel": _l("Task cancelled"),
    "urge": _l("Urged"),
    "overdue": _l("Became overdue"),
    "late_update": _l("Flagged: progress not updated in time (Đ8.1a)"),
    "update_due": _l("Flagged: periodic update missed (Đ8.1b)"),
    "raise_difficulty": _l("Difficulty or proposal raised"),
    "decide_difficulty": _l("Difficulty or proposal decided"),
    "change_deadline": _l("Deadline changed by the leader's decision"),
    "change_content": _l("Content changed by the leader's decision"),
    "request_cooperation_change": _l("Cooperating unit asked to be removed or replaced"),
    "decide_cooperation_change": _l("Request of a cooperating unit decided"),
    "assign": _l("Handling officers named"),
    "assign_officers": _l("Handling officers named"),
    "delegate": _l("Part delegated to a sub-unit"),
    "submit_signoff": _l("Submitted for the unit leader's sign-off"),
    "propose_return": _l("Return proposed to the unit leader"),
    "approve_signoff": _l("Signed off by the unit leader"),
    "send_back_signoff": _l("Sent back to the officer by the unit leader"),
}

COOPERATION_CHANGE_KIND = {
    "remove": _l("Remove our unit from the cooperating units"),
    "replace": _l("Hand our part to another unit"),
}

# What an audit-log row records (its "action"): the act, not a column ("Created" is a date).
AUDIT_ACTION = {
    "create": _l("Creation"),
    "update": _l("Modification"),
    "deactivate": _l("Deactivation"),
    "reactivate": _l("Reactivation"),
    "delete": _l("Deletion"),
    "login": _l("Login"),
}

# An audit-log row's record type: the table it names.
RECORD_TYPE = {
    "api_token": _l("API token"),
    "attachment": _l("Attached file"),
    "calendar_override": _l("Working-day calendar entry"),
    "difficulty": _l("Difficulty or proposal"),
    "document": _l("Document"),
    "extension_request": _l("Extension request"),
    "feedback": _l("District feedback"),
    "inspected_unit": _l("Inspected unit"),
    "inspection_document_request": _l("Request for documents"),
    "inspection_finding": _l("Inspection finding"),
    "inspection_member": _l("Inspection team member"),
    "inspection_plan": _l("Inspection plan"),
    "inspection_recommendation": _l("Inspection recommendation"),
    "inspection_team": _l("Inspection team"),
    "period_report": _l("Period report"),
    "progress_update": _l("Progress update"),
    "scheduler_heartbeat": _l("Scheduler heartbeat"),
    "self_inspection_report": _l("Self-inspection report"),
    "setting": _l("Setting"),
    "task": _l("Task"),
    "unit": _l("Unit"),
    "unit_kind": _l("Unit kind"),
    "urging": _l("Urging"),
    "user_account": _l("User account"),
}

SETTING = {
    "entry_sla_working_days": _l("Working days to enter and forward a tracked document (Đ7.1a)"),
    "due_soon_working_days": _l("Working days before a deadline that count as “due soon” (Đ11.1b)"),
    "overdue_update_grace_days": _l("Working days an overdue task may go without an update (Đ8.1a)"),
    "feedback_answer_working_days": _l("Working days to answer a district's feedback (Đ15.5)"),
    "return_after_receipt_working_days": _l("Working days after receipt in which the lead unit may still return a task (Đ8.2a)"),
    "difficulty_answer_working_days": _l("Working days to decide a unit's difficulty or proposal (Đ10.1, Đ16.3)"),
    "escalate_unit_leader_after_working_days": _l("Overdue working days before the unit leader is alerted"),
    "escalate_office_after_working_days": _l("Overdue working days before the leadership is alerted"),
    "report_cutoff_day": _l("Day of the month on which report figures are cut off"),
    "report_due_working_days": _l("Working days after the cut-off a report is due"),
    "report_period_kinds": _l("Periods whose reports are drafted automatically"),
    "max_upload_mb": _l("Largest file that may be attached (MB)"),
    "report_agency_parent": _l("Report heading: parent agency"),
    "report_agency": _l("Report heading: agency"),
    "report_place": _l("Report: place name before the date"),
    "report_signer_title": _l("Report: title of the signer"),
    "ranking_weights": _l("Unit ranking weights (one “name = number” per line)"),
    "self_inspection_due_working_days": _l("Working days after the cut-off a self-inspection report is due"),
}

# What each setting means and what changing it does, under its label on the settings screen.
SETTING_HELP = {
    "entry_sla_working_days": _l("A specialist who has not entered and forwarded a tracked "
                                 "document within this many working days of its issue is reminded."),
    "due_soon_working_days": _l("Units are reminded of a deadline this many working days before it; "
                                "their tasks show as due soon."),
    "overdue_update_grace_days": _l("An overdue task not updated for longer than this is flagged as a "
                                    "late update (it counts against the unit in the ranking)."),
    "feedback_answer_working_days": _l("The Office answers a district's feedback within this many "
                                       "working days, or it is escalated."),
    "difficulty_answer_working_days": _l("A difficulty or proposal is decided within this many working "
                                         "days of being raised; later ones are shown as late."),
    "escalate_unit_leader_after_working_days": _l("A task overdue this many working days is reported "
                                                  "to the leader of its lead unit."),
    "escalate_office_after_working_days": _l("A task overdue this many working days is reported to the "
                                             "leadership of the Office."),
    "report_cutoff_day": _l("Figures of a period are counted up to this day of its last month "
                            "(Decree 09/2019, Article 12)."),
    "report_due_working_days": _l("A period's report is due this many working days after the cut-off."),
    "report_period_kinds": _l("The job drafts a report for each period ticked here once its cut-off "
                              "has passed."),
    "max_upload_mb": _l("Larger attachments are refused."),
    "report_agency_parent": _l("First line of the heading of the official report."),
    "report_agency": _l("Second line of the heading of the official report."),
    "report_place": _l("Written before the date of the official report (“Bến Tre, ngày …”)."),
    "report_signer_title": _l("Title above the signature of the official report."),
    "ranking_weights": _l("Score of a unit = on-time rate × its weight − each count × its weight."),
    "self_inspection_due_working_days": _l("A unit's self-inspection report is due this many working "
                                           "days after the period's cut-off."),
}

# The terms of the unit ranking's score (setting ranking_weights).
RANKING_WEIGHT = {
    "on_time_rate": _l("Points per percent of tasks completed on time"),
    "overdue": _l("Points off per overdue task"),
    "late_updates": _l("Points off per late update"),
    "returns": _l("Points off per task returned"),
    "findings": _l("Points off per inspection shortcoming"),
}

# Fields the audit log shows that no screen labels (a screen's own label comes first).
FIELD = {
    "id": _l("Record id"),
    "version": _l("Revision"),
    "password_hash": _l("Password"),
    "must_change_password": _l("Must change the password"),
    "unit_id": _l("Unit"),
    "user_id": _l("Account"),
    "task_id": _l("Task"),
    "document_id": _l("Document"),
    "lead_unit_id": _l("Lead unit"),
    "cooperating_units": _l("Cooperating units"),
    "created_at": _l("Created"),
    "updated_at": _l("Updated"),
    "created_by_id": _l("Created by"),
    "state": _l("State"),
}

URGING_CHANNEL = {
    UrgingChannel.system: _l("Through the system"),
    UrgingChannel.report: _l("In a report"),
    UrgingChannel.meeting: _l("At a meeting"),
    UrgingChannel.phone: _l("By phone"),
    UrgingChannel.email: _l("By e-mail"),
    UrgingChannel.fax: _l("By fax"),
    UrgingChannel.inspection: _l("During an inspection"),
}

FEEDBACK_ANSWER_KIND = {
    FeedbackAnswerKind.urging_document: _l("Urging document to the unit"),
    FeedbackAnswerKind.report_to_leaders: _l("Report to the Provincial leaders"),
}

INSPECTION_STATUS = {
    InspectionStatus.draft: _l("Draft"),
    InspectionStatus.approved: _l("Approved"),
    InspectionStatus.in_progress: _l("Inspection under way"),
    InspectionStatus.closed: _l("Closed"),
}

INSPECTION_KIND = {
    InspectionKind.regular: _l("Regular, per the approved plan (Đ13.2a)"),
    InspectionKind.ad_hoc: _l("Ad hoc (Đ13.2b)"),
}

# Đ13.1: what a team inspects; the team's flag columns, in the regulation's order.
INSPECTION_CONTENTS = (
    ("covers_task_results", _l("a) Organisation, implementation and results of the assigned "
                               "tasks")),
    ("covers_system_updates", _l("b) Updating the tasks' progress and results in the system")),
    ("covers_reporting", _l("c) The information and reporting regime on the assigned tasks")),
)
