"""The forum's services: every write, commit, email and real-time push.

- `posting`: start a topic, reply, edit, delete;
- `answers`: accept an answer, vote, turn an answer into a knowledge-base draft;
- `moderation`: flags, the queue, hide, restore, lock, pin, move;
- `notifications`: watching, in-site notifications, reply and mention emails;
- `reading`: what the pages show (no writes, except marking a visited topic read);
- `categories`, `profiles`, `sandbox`, `indexing`, `realtime`, `counters`: their parts.

Each write checks `forum.policy`, changes rows, queues emails and search-index changes in
the same transaction, commits, then pushes to open pages.
"""
