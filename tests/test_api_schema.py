"""Property-based run against the served OpenAPI document (schemathesis, in-process WSGI).

For every operation, generated requests — valid ones and deliberately invalid ones — are sent
with an Office specialist's token (the role with the most actions) and with a unit officer's;
no answer may be a server error, and every answer must be a status the document lists, in
JSON, matching its schema. Bounded to a few examples per operation to stay well under a
minute or two; raise ``CDDH_SCHEMATHESIS_EXAMPLES`` for a longer hunt. The run as a whole
sends at least 1,000 generated requests (counted, and checked by the last test).
"""

from __future__ import annotations

import collections
import datetime as dt
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from cddh import create_app
from cddh.models import ExtensionRequest, Role, TaskState, UnitCategory, db
from cddh.services import tokens

from .conftest import make_document, make_task, make_unit, make_user

MAX_EXAMPLES = int(os.environ.get("CDDH_SCHEMATHESIS_EXAMPLES", "16"))
MIN_REQUESTS = 1000
SENT: collections.Counter = collections.Counter()  # (role, operation) -> requests sent

CONFIG = """
[generation]
mode = "all"
max-examples = {examples}
database = "none"

[phases.coverage]
enabled = false

[phases.stateful]
enabled = false

[checks]
enabled = false
not_a_server_error.enabled = true
status_code_conformance.enabled = true
content_type_conformance.enabled = true
response_schema_conformance.enabled = true
ignored_auth.enabled = true

[headers]
Authorization = "Bearer {token}"
"""


def _operation_labels() -> list[str]:
    """The operations of the document, read once at collection from a throw-away app (the
    document does not depend on the database)."""
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return [result.ok().label for result in
            schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app).get_all_operations()]


OPERATIONS = _operation_labels()


def small_world(app, role: Role) -> str:
    """A small world whose ids are 1, 2, 3… (tables are emptied between tests), so the
    documented example id 1 names a real unit, document, task and extension request; returns
    the token of a user of ``role``."""
    with app.app_context():
        snv = make_unit("SNV", name="Sở Nội vụ")
        vp = make_unit("VP", UnitCategory.office)
        stc = make_unit("STC", name="Sở Tài chính")
        doc = make_document(number="1/UBND-TH")
        later = dt.date.today() + dt.timedelta(days=60)
        tasks = [make_task(snv, state=state, document=doc, cooperating=[stc], deadline=later)
                 for state in (TaskState.in_progress, TaskState.draft, TaskState.assigned,
                               TaskState.pending_verification, TaskState.returned)]
        specialist = make_user(Role.office_specialist, vp)
        staff = make_user(Role.unit_staff, snv)
        db.session.add(ExtensionRequest(task=tasks[0], unit=snv, requested_by=staff,
                                        current_deadline=later, reason="Chờ số liệu",
                                        proposed_deadline=later + dt.timedelta(days=30)))
        user = specialist if role == Role.office_specialist else staff
        _token, plaintext = tokens.issue_token(user, "schemathesis")
        db.session.commit()
        return plaintext


@pytest.mark.parametrize("label", OPERATIONS)
@pytest.mark.parametrize("role", [Role.office_specialist, Role.unit_staff])
def test_the_api_keeps_its_openapi_promises(app, role, label):
    token = small_world(app, role)
    config = schemathesis.Config.from_str(CONFIG.format(examples=MAX_EXAMPLES, token=token))
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config) \
        .find_operation_by_label(label)
    # Invalid requests need something to get wrong: a parameter or a body.
    has_input = any(len(group) for group in (operation.path_parameters, operation.query,
                                              operation.body))
    modes = [GenerationMode.POSITIVE] + [GenerationMode.NEGATIVE] * has_input
    for mode in modes:

        @given(case=operation.as_strategy(mode))
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            SENT[(role, label)] += 1
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"})

        check()


def test_the_run_sent_at_least_1000_generated_requests():
    """Runs after the operations above (pytest keeps the file's order)."""
    if len(SENT) < 2 * len(OPERATIONS):
        pytest.skip("counts only when every operation of the module ran in this session")
    assert sum(SENT.values()) >= MIN_REQUESTS, sum(SENT.values())
