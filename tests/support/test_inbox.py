"""The agents' inbox: views and their order, counts, filters, search, paging, who may see it,
and a page cost that stays flat as requests grow."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from community.accounts.models import Role
from community.db import utcnow
from community.extensions import db
from support.models import Priority, Status, SupportRequest
from support.services import working
from tests.support.staff_helpers import acting, row, signed_in, statements

MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def numbers_in(html: str) -> list[str]:
    """Request numbers in the order the inbox lists them."""
    return re.findall(r'data-request-row="(\d+)"', html)


def view_count(html: str, view: str) -> int:
    match = re.search(rf'data-view-count="{view}">(\d+)<', html)
    assert match, view
    return int(match.group(1))


def set_columns(app, record, **values) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        db.session.execute(
            update(SupportRequest).where(SupportRequest.id == record.id).values(**values)
        )
        db.session.commit()


def test_the_default_view_is_my_departments_open_requests_soonest_due_first(
    app, desk, open_request
):
    """Open requests of the agent's departments, assigned or not, by due time; nothing else."""
    later = open_request("Later one", now=MONDAY)
    sooner = open_request("Sooner one", now=MONDAY - timedelta(hours=2))
    urgent = open_request("Urgent one", now=MONDAY, priority=Priority.URGENT)
    billing = open_request("Billing one", topic_id=desk.invoice_topic_id, now=MONDAY)
    waiting = open_request("Waiting one", now=MONDAY - timedelta(hours=5))
    with acting(app, desk.agent) as agent:
        working.set_status(row(waiting), Status.WAITING, by=agent)
        working.assign(row(later), desk.lead.id, by=agent)
    page = signed_in(app, desk.agent).get("/support/")
    assert page.status_code == 200
    assert numbers_in(page.text) == [urgent.number, sooner.number, later.number]
    assert billing.number not in page.text and waiting.number not in numbers_in(page.text)
    assert "Leo Lead" in page.text  # the assignee is shown
    assert 'data-badge="support"' in page.text


def test_each_view_holds_what_its_name_says(app, desk, open_request):
    """Mine, unassigned, due soon, overdue, waiting and solved each list their requests."""
    mine, free, soon, late, waiting, solved = (open_request(f"Request {n}") for n in range(6))
    now = utcnow()
    set_columns(app, soon, next_due_at=now + timedelta(minutes=20))
    set_columns(app, late, next_due_at=now - timedelta(hours=1))
    with acting(app, desk.agent) as agent:
        working.claim(row(mine), by=agent)
        working.set_status(row(waiting), Status.WAITING, by=agent)
        working.set_status(row(solved), Status.SOLVED, by=agent)
    client = signed_in(app, desk.agent)

    def view(name: str) -> list[str]:
        return numbers_in(client.get(f"/support/?view={name}").text)

    assert view("mine") == [mine.number]
    assert set(view("unassigned")) == {free.number, soon.number, late.number}
    assert view("due_soon") == [soon.number]
    assert view("overdue") == [late.number]
    assert view("waiting") == [waiting.number]
    assert view("solved") == [solved.number]
    overdue_page = client.get("/support/?view=overdue").text
    assert 'data-mark="overdue"' in overdue_page and "Overdue" in overdue_page
    assert 'data-mark="due-soon"' in client.get("/support/?view=due_soon").text


def test_counts_sit_beside_the_views_and_answer_as_json(app, desk, open_request):
    """The counts are the views' sizes; /support/counts gives them and the badge live."""
    first, _second, third = (open_request(f"Request {n}") for n in range(3))
    open_request("Billing", topic_id=desk.invoice_topic_id)
    with acting(app, desk.agent) as agent:
        working.claim(row(first), by=agent)
        working.set_status(row(third), Status.WAITING, by=agent)
    client = signed_in(app, desk.agent)
    page = client.get("/support/").text
    assert view_count(page, "departments") == 2
    assert view_count(page, "mine") == 1
    assert view_count(page, "unassigned") == 1
    assert view_count(page, "waiting") == 1
    counts = client.get("/support/counts")
    assert counts.headers["Cache-Control"] == "no-store"
    assert counts.json["departments"] == 2 and counts.json["badge"] == 2
    assert signed_in(app, desk.lead).get("/support/counts").json["departments"] == 3


def test_filters_narrow_the_list(app, desk, open_request):
    """Department, priority and assignee filters; the lead sees both departments."""
    returns = open_request("Returns normal")
    urgent = open_request("Returns urgent", priority=Priority.URGENT)
    billing = open_request("Billing normal", topic_id=desk.invoice_topic_id)
    with acting(app, desk.lead) as lead:
        working.assign(row(returns), desk.agent.id, by=lead)
    client = signed_in(app, desk.lead)
    assert set(numbers_in(client.get("/support/").text)) == {
        returns.number,
        urgent.number,
        billing.number,
    }
    by_department = client.get(f"/support/?department={desk.billing_id}").text
    assert numbers_in(by_department) == [billing.number]
    assert numbers_in(client.get("/support/?priority=urgent").text) == [urgent.number]
    assert numbers_in(client.get(f"/support/?assignee={desk.agent.id}").text) == [returns.number]


def test_search_finds_requests_by_subject_number_and_email(app, desk, open_request):
    """The inbox's search uses the agents-only search documents, within the view."""
    kettle = open_request("Kettle lid cracked", email="kim@kettles.example")
    toaster = open_request("Toaster sparks", email="lee@mail.test")
    client = signed_in(app, desk.agent)
    assert numbers_in(client.get("/support/?q=kettle").text) == [kettle.number]
    assert numbers_in(client.get(f"/support/?q={toaster.number}").text) == [toaster.number]
    assert numbers_in(client.get(f"/support/?q=%23{toaster.number}").text) == [toaster.number]
    assert numbers_in(client.get("/support/?q=lee@mail.test").text) == [toaster.number]
    nothing = client.get("/support/?q=zebra")
    assert numbers_in(nothing.text) == [] and "matches your search" in nothing.text


def test_search_never_reaches_customers(app, desk, open_request):
    """Support requests are agents-only documents: the site's search does not return them."""
    open_request("Kettle lid cracked secretly")
    results = signed_in(app, desk.customer).get("/kb/search?q=secretly").text
    assert "Kettle lid cracked" not in results


def test_pages_of_fifty(app, desk, open_request, monkeypatch):
    """The list pages; a page past the end says so."""
    monkeypatch.setattr("support.services.inbox.PER_PAGE", 2)
    made = [open_request(f"Request {n}", now=MONDAY + timedelta(minutes=n)) for n in range(3)]
    client = signed_in(app, desk.agent)
    first = client.get("/support/").text
    assert numbers_in(first) == [made[0].number, made[1].number] and 'rel="next"' in first
    second = client.get("/support/?page=2").text
    assert numbers_in(second) == [made[2].number] and 'rel="prev"' in second
    assert "no more requests" in client.get("/support/?page=9").text


def test_only_agents_see_the_inbox(app, desk, make_user):
    """Visitors are sent to log in; customers and other staff get 403."""
    visitor = signed_in(app, None).get("/support/")
    assert visitor.status_code == 302 and "/login" in visitor.headers["Location"]
    assert signed_in(app, desk.customer).get("/support/").status_code == 403
    editor = make_user(roles=[Role.EDITOR])
    assert signed_in(app, editor).get("/support/").status_code == 403
    assert signed_in(app, desk.customer).get("/support/counts").status_code == 403


def test_an_agent_sees_only_their_departments(app, desk, open_request):
    """The billing agent's inbox holds billing requests, never returns ones."""
    returns = open_request("Returns request")
    billing = open_request("Billing request", topic_id=desk.invoice_topic_id)
    page = signed_in(app, desk.outsider).get("/support/").text
    assert numbers_in(page) == [billing.number] and returns.number not in page
    other = signed_in(app, desk.outsider).get(f"/support/?department={desk.returns_id}").text
    assert numbers_in(other) == []


@pytest.mark.parametrize(
    "query",
    [
        "page=-1",
        "page=0",
        f"page={10**30}",
        "page=abc",
        "department=abc",
        f"department={10**30}",
        "department=-5",
        "assignee=99999999999",
        "priority=%00",
        "view=nope",
        "view=%00",
        "q=%00%00",
        "q=" + "x" * 5000,
        "q=%22%27%3C%3E%2A%3F",
    ],
)
def test_hostile_query_arguments_never_fail(app, desk, open_request, query):
    """Nonsense in any argument shows a page (or an empty one), never a 500."""
    open_request()
    assert signed_in(app, desk.agent).get(f"/support/?{query}").status_code == 200


def test_the_inbox_costs_the_same_at_any_size(app, desk, open_request):
    """The SQL statements of one inbox page do not grow with the number of requests."""
    client = signed_in(app, desk.agent)

    def add(count: int, prefix: str) -> None:
        for n in range(count):
            made = open_request(f"{prefix} {n}")
            if n % 3 == 0:  # some assigned, some not
                with acting(app, desk.agent) as agent:
                    working.claim(row(made), by=agent)

    add(3, "Request")
    client.get("/support/")  # warm caches that are not per page
    with statements(app) as few:
        assert client.get("/support/").status_code == 200
    add(30, "More")
    with statements(app) as many:
        assert client.get("/support/").status_code == 200
    with statements(app) as mine:
        assert client.get("/support/?view=mine&q=More").status_code == 200
    assert len(few) == len(many) == len(mine)
    assert len(many) <= 10, many
