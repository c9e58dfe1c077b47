"""The app as gunicorn serves it, plus plain Flask-Admin views over the same task table, for
``bench/http.py``'s side-by-side figures (not part of the product):

    gunicorn 'bench.plain_app:create()'

* ``/plain/tasks/``: a stock ``ModelView`` (full count, numbered pager), newest first;
* ``/plain/tasks-simple/``: the same with ``simple_list_pager`` (no count);
* ``/plain/unit-tasks/?unit=<id>``: a stock view of one lead unit's tasks (full count).

No scope, no policy, no formatters: what Flask-Admin costs by itself over the table.
"""

from __future__ import annotations

from flask import request
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_admin.theme import Bootstrap4Theme

from cddh import create_app
from cddh.models import Task, db


class PlainTasks(ModelView):
    column_list = ("id", "content", "lead_unit_id", "deadline", "state")
    column_default_sort = ("id", True)
    column_sortable_list = ("id", "deadline", "state")
    can_create = can_edit = can_delete = False


class PlainTasksSimple(PlainTasks):
    simple_list_pager = True


class PlainUnitTasks(PlainTasks):
    def _unit(self):
        return int(request.args.get("unit", "0") or 0)

    def get_query(self):
        return super().get_query().filter(Task.lead_unit_id == self._unit())

    def get_count_query(self):
        return super().get_count_query().filter(Task.lead_unit_id == self._unit())


def create():
    app = create_app()
    admin = Admin(app, name="plain", url="/plain", endpoint="plain",
                  theme=Bootstrap4Theme(fluid=True))
    admin.add_view(PlainTasks(Task, db.session, endpoint="plain_tasks", url="/plain/tasks"))
    admin.add_view(PlainTasksSimple(Task, db.session, endpoint="plain_tasks_simple",
                                    url="/plain/tasks-simple"))
    admin.add_view(PlainUnitTasks(Task, db.session, endpoint="plain_unit_tasks",
                                  url="/plain/unit-tasks"))
    return app
