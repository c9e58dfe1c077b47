"""Reading the hand-written forms (entry form, task actions) into plain data for services."""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

TASK_FIELD = re.compile(r"^tasks-(\d+)-([a-z_]+)$")


def document_data(form: MultiDict) -> dict:
    """The entry form as the API's document shape (so both share the service's rules)."""
    tasks: dict[int, dict] = {}
    for key in form:
        match = TASK_FIELD.match(key)
        if not match:
            continue
        index, field = int(match.group(1)), match.group(2)
        row = tasks.setdefault(index, {"cooperating_unit_ids": []})
        if field == "cooperating_unit_ids":
            row[field] = [v for v in form.getlist(key) if v]
        else:
            row[field] = form.get(key, "").strip()
    rows = []
    for index in sorted(tasks):
        row = tasks[index]
        if not any(v for k, v in row.items() if k not in ("deadline_kind", "update_frequency",
                                                          "priority", "expected_product")):
            continue  # an untouched empty row
        row["has_deadline"] = row.pop("deadline_kind", "with") != "without"
        rows.append(row)
    return {
        "doc_type": form.get("doc_type", ""),
        "number": form.get("number", ""),
        "issuer": form.get("issuer", ""),
        "summary": form.get("summary", ""),
        "issued_on": form.get("issued_on", ""),
        "signer": form.get("signer", ""),
        "submitting_unit_id": form.get("submitting_unit_id") or None,
        "directing_leader_id": form.get("directing_leader_id") or None,
        "confidentiality": form.get("confidentiality", "none"),
        "tracked": form.get("tracked") == "y",
        "tasks": rows,
    }
