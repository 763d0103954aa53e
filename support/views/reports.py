"""Reports for leads and admins: the period's figures as pictures, and as CSV.

Agents who are not leads get 403 (`access.require_lead`); a lead sees the departments they
lead, an admin every department. The pictures are SVG drawn on the server, readable without
JavaScript, each with its figures in text beside it.
"""

from __future__ import annotations

from flask import make_response, render_template
from flask_babel import get_locale
from flask_login import current_user, login_required

from community.numbers import query_int
from support import bp
from support.services import access, reports
from support.views import wording


def _report() -> reports.Report:
    access.require_lead(current_user)
    days = query_int("days", reports.DEFAULT_DAYS)
    department = query_int("department")
    return reports.build(
        current_user,
        days=days if days in reports.PERIODS else reports.DEFAULT_DAYS,
        department_id=department,
        locale=str(get_locale() or "en"),
    )


@bp.get("/support/reports", endpoint="reports")
@login_required
def reports_page():
    report = _report()
    return render_template(
        "support/reports.html",
        report=report,
        periods=reports.PERIODS,
        choices=reports.departments_for(current_user),
        chosen=query_int("department"),
        locale=str(get_locale() or "en"),
        **wording.helpers(),
    )


@bp.get("/support/reports.csv")
@login_required
def reports_csv():
    report = _report()
    response = make_response(reports.as_csv(report))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    name = f"support-report-{report.until.date().isoformat()}-{report.days}d.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
