"""The forum's pages: thin routes that parse the request, call a service and render.

`reading` serves the pages everyone reads (from the page cache for anonymous visitors),
`posting` the forms that write, `moderation` the moderators' tools and flags, and
`members` profiles and notifications.
"""

from __future__ import annotations

from forum.views import members, moderation, posting, reading  # noqa: F401
