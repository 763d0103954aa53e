"""Portico's core: the app factory, accounts, outbox, security, API plumbing and CLI.

`community.app.create_app` builds the application; features (`forum`, `kb`, `tracking`,
`vip`) are registered there and import the core, never the other way round.
"""
