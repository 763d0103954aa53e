"""Leads' reports: who may read them, the numbers from known rows (per day, per department,
per agent, percentiles, within target, satisfaction, deflection), the pictures and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import update

from community.accounts.models import Role, User
from community.db import utcnow
from community.extensions import db
from support.models import Deflection, Department, SupportRequest
from support.services import reports
from tests.helpers import logged_in

NOW = utcnow().replace(microsecond=0)


def shape(app, record, **values) -> None:
    with app.app_context():
        db.session.execute(
            update(SupportRequest).where(SupportRequest.id == record.id).values(**values)
        )
        db.session.commit()


@pytest.fixture
def known_rows(app, desk, open_request):
    """Returns: four requests over two days, assigned to the agent, first replies after 10,
    20, 30 and 100 minutes (due after 240), two solved (one late), ratings good, good, bad.
    Billing: one unassigned request, unanswered and past due. Deflection: three forms opened
    a suggestion, one of them sent anyway."""
    minutes = [10, 20, 30, 100]
    for index, reply in enumerate(minutes):
        created = NOW - timedelta(days=1 + index // 2, hours=index)
        record = open_request(f"Return {index}", now=created)
        values = {
            "assignee_id": desk.agent.id,
            "first_replied_at": created + timedelta(minutes=reply),
            "first_reply_business_minutes": reply,
        }
        if index < 2:
            values.update(
                solved_at=created + timedelta(minutes=300 * (index + 1)),
                resolution_business_minutes=300 * (index + 1),
                resolution_due_at=created + timedelta(minutes=400),
                status="solved",
            )
        if index < 3:
            values["rating"] = ["good", "good", "bad"][index]
        shape(app, record, **values)
    open_request("Invoice", topic_id=desk.invoice_topic_id, now=NOW - timedelta(days=2))
    with app.app_context():
        for key, sent in (("form-one-aaaaaaaaaa", False), ("form-two-aaaaaaaaaa", False),
                          ("form-three-aaaaaaaa", True)):  # fmt: skip
            db.session.add(
                Deflection(
                    form_key=key,
                    url="/kb/a",
                    department_id=desk.returns_id,
                    submitted=sent,
                    created_at=NOW - timedelta(hours=1),
                )
            )
        db.session.commit()


def test_agents_who_are_not_leads_get_403_and_visitors_log_in(app, desk, client):
    """The reports and their CSV are for leads and admins only."""
    agent = logged_in(app, desk.agent)
    assert agent.get("/support/reports").status_code == 403
    assert agent.get("/support/reports.csv").status_code == 403
    customer = logged_in(app, desk.customer)
    assert customer.get("/support/reports").status_code == 403
    assert client.get("/support/reports").status_code == 302


def test_the_numbers_per_department_and_agent(app, desk, known_rows):
    """Counts, medians and p90s, shares within target, satisfaction and deflection."""
    with app.app_context():
        report = reports.build(db.session.get(User, desk.lead.id), now=NOW)
    returns, billing = report.departments
    assert returns.requests == 4 and billing.requests == 1
    assert returns.first_median == 25 and returns.first_p90 == pytest.approx(79)
    assert returns.first_share == 1.0
    assert (returns.resolved, returns.resolved_within) == (2, 1)
    assert returns.resolution_median == 450 and returns.resolution_p90 == pytest.approx(570)
    assert (returns.rated, returns.good) == (3, 2)
    assert returns.deflection == reports.deflection.DeflectionCount(opened=3, left=2)
    assert (billing.first_decided, billing.first_within) == (1, 0)
    assert report.total.requests == 5 and report.total.first_share == 0.8
    agents = {row.name: row for row in report.agents}
    assert agents["Ada Agent"].requests == 4 and agents["Unassigned"].requests == 1
    assert sum(count for _day, count in report.per_day) == 5
    assert len(report.per_day) == 30


def test_the_page_draws_the_figures(app, desk, known_rows):
    """The lead's page shows the bars, the tables and the totals."""
    page = logged_in(app, desk.lead).get("/support/reports").get_data(as_text=True)
    assert 'class="sup-bars"' in page and "Requests per day" in page
    assert "Ada Agent" in page and "Returns" in page and "Billing" in page
    assert "80%" in page  # first replies within target, overall
    assert "(2/3)" in page  # deflection: two of three forms left


def test_a_lead_sees_only_the_departments_they_lead(app, desk, known_rows, make_user):
    """Another department's lead is not this lead's business; an admin sees every one."""
    other_lead = make_user("other-lead@example.com", roles=[Role.AGENT, Role.LEAD])
    with app.app_context():
        db.session.execute(
            update(Department).where(Department.id == desk.billing_id).values(lead_id=other_lead.id)
        )
        db.session.commit()
        lead_report = reports.build(db.session.get(User, desk.lead.id), now=NOW)
        other_report = reports.build(db.session.get(User, other_lead.id), now=NOW)
    assert [row.name for row in lead_report.departments] == ["Returns"]
    assert [row.name for row in other_report.departments] == ["Billing"]
    admin = make_user("boss@example.com", roles=[Role.ADMIN])
    page = logged_in(app, admin).get("/support/reports?days=7").get_data(as_text=True)
    assert "Returns" in page and "Billing" in page
    only = logged_in(app, desk.lead).get(f"/support/reports?department={desk.billing_id}")
    assert "there is none to show here" in only.get_data(as_text=True)


@pytest.mark.parametrize(
    "query", ["?days=abc", "?days=99999999999999999999", "?department=-1", "?department=x%00"]
)
def test_odd_query_values_fall_back_to_the_defaults(app, desk, known_rows, query):
    """A period or department that is not one of the choices shows the default report."""
    response = logged_in(app, desk.lead).get("/support/reports" + query)
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert "Requests per day" in response.get_data(as_text=True)


def test_the_csv_has_every_row_and_is_safe_for_spreadsheets(app, desk, known_rows):
    """Sections total, department, agent and day; a name starting with = is quoted."""
    with app.app_context():
        db.session.execute(
            update(User).where(User.id == desk.agent.id).values(display_name="=HYPERLINK(1)")
        )
        db.session.commit()
    response = logged_in(app, desk.lead).get("/support/reports.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    sections = [row["section"] for row in rows]
    assert sections.count("total") == 1 and sections.count("department") == 2
    assert sections.count("day") == 30
    returns = next(row for row in rows if row["name"] == "Returns")
    assert returns["requests"] == "4" and returns["first_reply_median_minutes"] == "25"
    assert returns["left_without_writing"] == "2" and returns["suggestions_opened"] == "3"
    agent = next(row for row in rows if row["section"] == "agent" and row["requests"] == "4")
    assert agent["name"] == "'=HYPERLINK(1)"
