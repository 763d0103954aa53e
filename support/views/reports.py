"""Reports for leads and admins: the period's figures as pictures, and as CSV.

Agents who are not leads get 403 (`access.require_lead`); a lead sees the departments they
lead, an admin every department. The pictures are SVG drawn on the server, readable without
JavaScript, each with its figures in text beside it.
"""

from __future__ import annotations

from flask import make_response, render_template, request
from flask_babel import get_locale
from flask_login import current_user, login_required

from support import bp
from support.services import access, reports
from support.views import wording

MAX_ID = 2_147_483_647


def _report() -> reports.Report:
    access.require_lead(current_user)
    days = request.args.get("days", reports.DEFAULT_DAYS, type=int)
    department = request.args.get("department", type=int)
    if department is not None and not 0 < department <= MAX_ID:
        department = None
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
        chosen=request.args.get("department", type=int),
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
