"""Support's pages: the customer's (`customer`), the agents' (`staff`), the public service
figures (`public`) and the leads' reports (`reports`), all on the `support` blueprint."""

from support.views import customer, public, reports, staff  # noqa: F401
