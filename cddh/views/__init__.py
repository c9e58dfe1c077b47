"""The screens: one Flask-Admin instance per app, every model view on the scoped base."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_admin import Admin
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..models import (
    ApiToken,
    AuditLog,
    CalendarOverride,
    Difficulty,
    Document,
    Feedback,
    InspectionDocumentRequest,
    InspectionFinding,
    InspectionPlan,
    InspectionRecommendation,
    InspectionTeam,
    JobRun,
    Notification,
    PeriodReport,
    ProgressUpdate,
    SelfInspectionReport,
    Task,
    Unit,
    UnitKind,
    User,
    UserSession,
)
from .account import PasswordView, SessionView
from .admin_i18n import use_corrected_admin_catalog
from .admin_screens import AuditLogView, CalendarOverrideView, UnitKindView, UnitView, UserView
from .base import theme
from .difficulties import DifficultyView, clock_badge
from .feedback import FeedbackView
from .formatting import (
    datepicker_locale,
    decimal,
    figure,
    local_date,
    local_datetime,
    number,
    percent,
    select2_locale,
    task_links,
)
from .home import HomeView
from .inspection import (
    InspectionFindingView,
    InspectionPlanView,
    InspectionRecommendationView,
    InspectionRequestView,
    InspectionTeamView,
)
from .jobs import JobRunView
from .memo import endpoint_url, kept_html
from .notifications import NotificationView, unread_badge
from .reports import (
    DashboardView,
    OfficerFiguresView,
    PeriodReportView,
    RankingView,
    SelfInspectionView,
)
from .settings import SettingsView
from .tasks import (
    DocumentView,
    ProgressUpdateView,
    TaskView,
    saved_filters_menu,
    task_table_rows,
    timeliness_badge,
)
from .tokens import ApiTokenView


def build_admin(app) -> Admin:
    """A new Admin for each app: a module-level one fails on the second app (stack.md)."""
    use_corrected_admin_catalog(app, app.config["BABEL_TRANSLATION_DIRECTORIES"])
    admin = Admin(app, name=_l("Task follow-up"), url="/",
                  index_view=HomeView(name=_l("Home"), url="/", endpoint="admin",
                                      template="home.html"),
                  theme=theme())
    task_menu = _l("Tasks")
    system_menu = _l("System")
    admin.add_view(DocumentView(Document, name=_l("Documents"), endpoint="documents",
                                category=task_menu))
    admin.add_view(TaskView(Task, name=_l("Tasks"), endpoint="tasks", category=task_menu))
    admin.add_view(ProgressUpdateView(ProgressUpdate, name=_l("Progress updates"),
                                      endpoint="progress_updates", category=task_menu))
    admin.add_view(FeedbackView(Feedback, name=_l("District feedback"), endpoint="feedback",
                                category=task_menu))
    admin.add_view(DifficultyView(Difficulty, name=_l("Difficulties and proposals"),
                                  endpoint="difficulties", category=task_menu))
    inspection_menu = _l("Inspection")
    admin.add_view(InspectionPlanView(InspectionPlan, name=_l("Inspection plans"),
                                      endpoint="inspection_plans", category=inspection_menu))
    admin.add_view(InspectionTeamView(InspectionTeam, name=_l("Inspection teams"),
                                      endpoint="inspection_teams", category=inspection_menu))
    admin.add_view(InspectionRequestView(InspectionDocumentRequest,
                                         name=_l("Requests for documents"),
                                         endpoint="inspection_requests", category=inspection_menu))
    admin.add_view(InspectionFindingView(InspectionFinding, name=_l("Findings"),
                                         endpoint="inspection_findings", category=inspection_menu))
    admin.add_view(InspectionRecommendationView(InspectionRecommendation,
                                                name=_l("Recommendations"),
                                                endpoint="inspection_recommendations",
                                                category=inspection_menu))
    report_menu = _l("Reports")
    admin.add_view(DashboardView(name=_l("Dashboard"), endpoint="dashboard", url="/dashboard",
                                 category=report_menu))
    admin.add_view(PeriodReportView(PeriodReport, name=_l("Period reports"),
                                    endpoint="period_reports", category=report_menu))
    admin.add_view(RankingView(name=_l("Unit ranking"), endpoint="ranking", url="/ranking",
                               category=report_menu))
    admin.add_view(OfficerFiguresView(name=_l("Individual figures"), endpoint="officer_figures",
                                      url="/officer-figures", category=report_menu))
    admin.add_view(SelfInspectionView(SelfInspectionReport, name=_l("Self-inspection reports"),
                                      endpoint="self_inspection", category=report_menu))
    admin.add_view(NotificationView(Notification, name=_l("Notifications"),
                                    endpoint="notifications"))
    admin.add_view(UnitView(Unit, name=_l("Units"), endpoint="units", category=system_menu))
    admin.add_view(UnitKindView(UnitKind, name=_l("Unit kinds"), endpoint="unit_kinds",
                                category=system_menu))
    admin.add_view(UserView(User, name=_l("Users"), endpoint="users", category=system_menu))
    admin.add_view(SettingsView(name=_l("Settings"), endpoint="settings", url="/settings",
                                category=system_menu))
    admin.add_view(CalendarOverrideView(CalendarOverride, name=_l("Working-day calendar"),
                                        endpoint="calendar", category=system_menu))
    admin.add_view(AuditLogView(AuditLog, name=_l("Audit log"), endpoint="audit_log",
                                category=system_menu))
    admin.add_view(JobRunView(JobRun, name=_l("Scheduled jobs"), endpoint="job_runs",
                              category=system_menu))
    admin.add_view(ApiTokenView(ApiToken, name=_l("API tokens"), endpoint="api_tokens", category=system_menu))
    admin.add_view(PasswordView(name=_l("Change my password"), endpoint="password",
                                url="/account/password"))
    admin.add_view(SessionView(UserSession, name=_l("Login sessions"), endpoint="sessions",
                               url="/account/sessions"))
    return admin


def init_views(app) -> None:
    from .files import bp as files_bp
    from .health import bp as health_bp
    from .public import bp as public_bp

    build_admin(app)
    app.register_blueprint(files_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(health_bp)
    app.context_processor(lambda: {"languages": app.config["LANGUAGES"]})
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["timeliness_badge"] = timeliness_badge
    app.jinja_env.globals["task_table_rows"] = task_table_rows
    app.jinja_env.globals["datepicker_locale"] = datepicker_locale
    app.jinja_env.globals["select2_locale"] = select2_locale
    app.jinja_env.globals["difficulty_badge"] = clock_badge
    app.jinja_env.globals["unread_notifications"] = unread_badge
    app.jinja_env.globals["saved_filters"] = saved_filters_menu
    app.jinja_env.globals["kept_html"] = kept_html
    app.jinja_env.globals["endpoint_url"] = endpoint_url
    app.jinja_env.filters["localtime"] = local_datetime
    app.jinja_env.filters["localdate"] = local_date
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["decimal"] = decimal
    app.jinja_env.filters["figure"] = figure
    app.jinja_env.filters["tasklinks"] = task_links

    @app.route("/favicon.ico")
    def favicon():
        """Pages link static/favicon.svg; a client asking for the classic address finds it."""
        return redirect(url_for("static", filename="favicon.svg"), code=301)

    @app.errorhandler(403)
    def forbidden(exc):
        return render_template("errors/error.html", code=403), 403

    @app.errorhandler(404)
    def not_found(exc):
        return render_template("errors/error.html", code=404), 404

    @app.errorhandler(400)
    def bad_request(exc):
        return render_template("errors/error.html", code=400), 400

    @app.errorhandler(413)
    def too_large(exc):
        return render_template("errors/error.html", code=413), 413

