"""The forum's services: every write, commit, email and real-time push.

- `posting`: start a topic, reply, edit, delete;
- `answers`: accept an answer, vote, turn an answer into a knowledge-base draft;
- `moderation`: flags, the queue, hide, restore, lock, pin, move;
- `notifications`: watching, in-site notifications, reply and mention emails;
- `reading`: what the pages show (no writes);
- `categories`, `profiles`, `sandbox`, `indexing`, `realtime`, `counters`: their parts.

Each write checks `forum.policy` (refusing with `community.errors`), changes rows, and
queues its emails, search-index changes and real-time pushes (`realtime`, through
`community.realtime.push_after_commit`) in the same transaction before it commits: a
rolled-back change sends nothing.
"""
