"""The application factory: settings, extensions, the core's blueprints, then features."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

import forum
import kb
import support
import tracking
import vip
from community import (
    accounts,
    admin,
    api,
    badges,
    chrome,
    cli,
    errors,
    i18n,
    main,
    numbers,
    outbox,
    registry,
    security,
)
from community.config import (
    apply_overrides,
    build_settings,
    engine_options,
    instance_path_from,
    load_secret_key,
)
from community.db import render_migration_item
from community.extensions import cache, csrf, db, limiter, migrate, socketio
from community.markdown import markdown_filter, trusted_html
from community.urls import page_url

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build a Portico app; `overrides` replaces settings (tests, embedding)."""
    overrides = dict(overrides or {})
    instance_path = Path(overrides.pop("INSTANCE_PATH", None) or instance_path_from(None))
    app = Flask(
        "community",
        root_path=str(ROOT),
        instance_path=str(instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    configure_settings(app, instance_path, overrides)
    configure_extensions(app)
    configure_core(app)
    configure_features(app)
    cli.init_app(app)
    configure_templates(app)
    return app


def configure_settings(app: Flask, instance_path: Path, overrides: dict[str, Any]) -> None:
    app.config.update(build_settings(instance_path))
    apply_overrides(app.config, overrides)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config))
    instance_path.mkdir(parents=True, exist_ok=True)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = load_secret_key(instance_path)
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )


def configure_extensions(app: Flask) -> None:
    registry.init_app(app)
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_item,
    )
    csrf.init_app(app)
    cache.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    # The extension keeps options between init_app calls: forget the last app's message queue.
    socketio.server_options.pop("client_manager", None)
    socketio.init_app(
        app,
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE"),
        logger=False,
        engineio_logger=False,
    )


def configure_core(app: Flask) -> None:
    numbers.init_app(app)  # before the first route, so every `<int:…>` is bounded
    security.init_app(app)
    errors.init_app(app)
    accounts.init_app(app)
    outbox.init_app(app)
    api.init_app(app)
    app.register_blueprint(main.bp)
    badges.init_app(app)
    app.register_blueprint(admin.bp)


def configure_features(app: Flask) -> None:
    """Each feature registers its blueprints, socket events, CLI and registry entries.

    The knowledge base comes first: the forum, tracking and support use its search service;
    support comes last, as it also asks the forum, tracking and the VIP club.
    """
    kb.init_app(app)
    forum.init_app(app)
    tracking.init_app(app)
    vip.init_app(app)
    support.init_app(app)


def configure_templates(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = markdown_filter
    app.jinja_env.filters["trusted_html"] = trusted_html
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    reg = registry.registry(app)

    # The header and footer (`page_header()`, `page_footer()`), called by base.html only, so
    # emails rendered in a request cost no queries.
    chrome.init_app(app)

    @app.context_processor
    def portal_context() -> dict[str, Any]:
        return {
            "portal_name": app.config["PORTAL_NAME"],
            "company_name": app.config["COMPANY_NAME"],
            "has_endpoint": app.view_functions.__contains__,
            "site_search": lambda: reg.site_search,
            "admin_links": lambda: reg.admin_links,
        }
