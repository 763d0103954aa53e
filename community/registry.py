"""What features contribute to the core without the core importing them.

Each feature's `init_app` adds its settings, demo and bulk seeders (with their `seed-bulk`
options), email lists, navigation and admin links, home-page doors and panels, health
checks and API description here; the core's commands and pages read the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from flask import Flask, current_app

from community.config import Setting, apply_settings


@dataclass(frozen=True)
class EmailList:
    """A kind of email a person may stop receiving (transactional mail has no list)."""

    key: str
    label: Any  # a lazy gettext string
    description: Any = ""


@dataclass(frozen=True)
class NavLink:
    """A link in the main navigation, shown when `visible(user)` says so."""

    endpoint: str
    label: Any
    order: int = 50
    visible: Callable[[Any], bool] = lambda user: True


class CountQuery(NamedTuple):
    """A badge's `SELECT count(…)`, built once, and this reader's values for its parameters."""

    statement: Any
    params: dict[str, Any]


@dataclass(frozen=True)
class NavBadge:
    """A count beside the account menu (unread messages, notifications), for logged-in users.

    `count_query(user)` gives a `CountQuery` (or None when nothing can be counted). Every page
    a logged-in user opens runs all the visible badges' statements as one query
    (`community.navigation.nav_counts`), so keep each to an indexed count, and build its
    statement once per process, with the reader's values as bound parameters named after the
    badge (`forum_user`): the combined statement is then built once per set of badges too.
    The badge element carries `data-badge="<key>"` so a page's script can update it live.
    """

    key: str
    endpoint: str
    label: Any
    count_query: Callable[[Any], CountQuery | None]
    order: int = 50
    visible: Callable[[Any], bool] = lambda user: True


@dataclass(frozen=True)
class HomePanel:
    template: str
    context: Callable[[], dict[str, Any]]
    order: int = 50
    shared: bool = False


@dataclass(frozen=True)
class Door:
    """One of the home page's doors into a feature: an icon, a title and a sentence."""

    endpoint: str
    icon: str
    title: Any
    text: Any
    order: int = 50


@dataclass(frozen=True)
class SiteSearch:
    """The endpoints behind the site's search boxes: results, and titles as you type."""

    endpoint: str
    suggest_endpoint: str


@dataclass(frozen=True)
class BulkOption:
    """A size option of `seed-bulk` (`--topics N`), passed to every bulk seeder by name."""

    name: str
    help: Any


@dataclass
class Registry:
    demo_seeders: list[tuple[int, Callable[[], None]]] = field(default_factory=list)
    bulk_seeders: list[tuple[int, Callable[..., None]]] = field(default_factory=list)
    email_lists: dict[str, EmailList] = field(default_factory=dict)
    nav_links: list[NavLink] = field(default_factory=list)
    account_links: list[NavLink] = field(default_factory=list)
    nav_badges: list[NavBadge] = field(default_factory=list)
    openapi_paths: dict[str, dict[str, Any]] = field(default_factory=dict)
    openapi_schemas: dict[str, Any] = field(default_factory=dict)
    health_checks: dict[str, Callable[[], dict[str, Any]]] = field(default_factory=dict)
    home_panels: list[HomePanel] = field(default_factory=list)
    settings: dict[str, Setting] = field(default_factory=dict)
    doors: list[Door] = field(default_factory=list)
    admin_links: list[NavLink] = field(default_factory=list)
    footer_links: list[NavLink] = field(default_factory=list)
    site_search: SiteSearch | None = None
    bulk_options: list[BulkOption] = field(default_factory=list)


def init_app(app: Flask) -> None:
    app.extensions["portico"] = Registry()


def registry(app: Flask | None = None) -> Registry:
    return (app or current_app).extensions["portico"]


def add_demo_seeder(app: Flask, seeder: Callable[[], None], order: int = 50) -> None:
    """Run `seeder` from `seed-demo`, after the core's accounts exist; it must be idempotent."""
    registry(app).demo_seeders.append((order, seeder))


def add_bulk_seeder(
    app: Flask, seeder: Callable[..., None], options: dict[str, str], order: int = 50
) -> None:
    """Run `seeder(**sizes)` from `seed-bulk`, which gains an option for each of `options`.

    `options` maps an option's name (`posts_per_topic` becomes `--posts-per-topic`) to its
    help text; every seeder receives every size and takes the ones it understands.
    """
    reg = registry(app)
    reg.bulk_seeders.append((order, seeder))
    known = {option.name for option in reg.bulk_options}
    reg.bulk_options.extend(
        BulkOption(name, help_text) for name, help_text in options.items() if name not in known
    )


def add_settings(app: Flask, settings: tuple[Setting, ...]) -> None:
    """Read a feature's documented settings from the environment into `app.config`."""
    apply_settings(app.config, settings)
    registry(app).settings.update({setting.name: setting for setting in settings})


def add_email_list(app: Flask, email_list: EmailList) -> None:
    registry(app).email_lists[email_list.key] = email_list


def add_nav_link(app: Flask, link: NavLink, *, account_menu: bool = False) -> None:
    target = registry(app).account_links if account_menu else registry(app).nav_links
    target.append(link)
    target.sort(key=lambda item: item.order)


def add_admin_link(app: Flask, link: NavLink) -> None:
    """A tab of the admin area (`/admin/…`), after the core's own."""
    registry(app).admin_links.append(link)
    registry(app).admin_links.sort(key=lambda item: item.order)


def add_footer_link(app: Flask, link: NavLink) -> None:
    """A link in every page's footer (help, service figures)."""
    registry(app).footer_links.append(link)
    registry(app).footer_links.sort(key=lambda item: item.order)


def add_door(app: Flask, door: Door) -> None:
    """A door on the home page into a feature."""
    registry(app).doors.append(door)
    registry(app).doors.sort(key=lambda item: item.order)


def set_site_search(app: Flask, search: SiteSearch) -> None:
    """The feature that answers the home page's and the header's search boxes."""
    registry(app).site_search = search


def add_nav_badge(app: Flask, badge: NavBadge) -> None:
    registry(app).nav_badges.append(badge)
    registry(app).nav_badges.sort(key=lambda item: item.order)


def add_openapi(
    app: Flask, paths: dict[str, dict[str, Any]], schemas: dict[str, Any] | None = None
) -> None:
    """Merge a feature's paths and component schemas into `/api/openapi.json`."""
    reg = registry(app)
    for path, operations in paths.items():
        reg.openapi_paths.setdefault(path, {}).update(operations)
    reg.openapi_schemas.update(schemas or {})


def add_health_check(app: Flask, name: str, check: Callable[[], dict[str, Any]]) -> None:
    """Report a feature's state in `/healthz`; a check returns a dict with an `ok` key."""
    registry(app).health_checks[name] = check


def add_home_panel(
    app: Flask,
    template: str,
    context: Callable[[], dict[str, Any]],
    order: int = 50,
    *,
    shared: bool = False,
) -> None:
    """Show `template`, rendered with `context()`, on the home page below the four doors.

    A `shared` panel looks the same to every reader of a language (nothing of the reader's
    in it), so signed-in readers get it from the fragment cache as visitors get the page.
    """
    panels = registry(app).home_panels
    panels.append(HomePanel(template, context, order, shared))
    panels.sort(key=lambda panel: panel.order)
