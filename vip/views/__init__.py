"""The VIP club's pages: thin routes that parse the request, call a service and render.

Split by audience, one blueprint each: `club` (`/vip/`, for clients and visitors),
`manager` (`/manager/`, the account managers' side) and `admin` (`/admin/vip`, the
assignments). `common` holds what the client's and the manager's pages share.
"""

from __future__ import annotations

from vip.views import admin, club, manager  # noqa: F401
