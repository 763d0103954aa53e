"""Demo and bulk data for the core: the four demo accounts and N generated users."""

from __future__ import annotations

import random
from collections.abc import Iterator

from sqlalchemy import insert, select

from community.accounts.models import Role, User
from community.accounts.services import create_user, find_user_by_email, hash_password
from community.db import utcnow
from community.extensions import db

DEMO_PASSWORD = "demo-password"  # noqa: S105  (documented demo accounts)

DEMO_ACCOUNTS = [
    {"email": "customer@example.com", "display_name": "Casey Chen", "roles": ()},
    {
        "email": "vip@example.com",
        "display_name": "Vivian Li",
        "roles": (),
        "vip_tier": "gold",
        "timezone": "Asia/Shanghai",
    },
    {
        "email": "manager@example.com",
        "display_name": "Morgan Price",
        "roles": (Role.MANAGER,),
        "timezone": "Europe/London",
    },
    {"email": "admin@example.com", "display_name": "Alex Admin", "roles": (Role.ADMIN,)},
]


def seed_demo_accounts() -> list[str]:
    """Create the demo accounts that are missing; returns the emails it created."""
    created = []
    for account in DEMO_ACCOUNTS:
        if find_user_by_email(account["email"]) is not None:
            continue
        create_user(
            email=account["email"],
            password=DEMO_PASSWORD,
            display_name=account["display_name"],
            roles=account["roles"],
            vip_tier=account.get("vip_tier"),
            timezone=account.get("timezone", "UTC"),
            confirmed=True,
        )
        created.append(account["email"])
    db.session.commit()
    return created


def has_users() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is not None


FIRST_NAMES = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fang", "Gus", "Hana", "Ivo", "Jin", "Kai"]
LAST_NAMES = ["Wang", "Smith", "Garcia", "Li", "Müller", "Okafor", "Zhang", "Rossi", "Kim"]


def bulk_users(count: int, batch_size: int = 1000) -> Iterator[int]:
    """Insert `count` confirmed customers in batches, yielding how many each batch added.

    One password hash is shared (`bulk-password`): hashing each would take minutes.
    """
    password_hash = hash_password("bulk-password")
    rng = random.Random(7)
    start = (db.session.scalar(select(User.id).order_by(User.id.desc()).limit(1)) or 0) + 1
    now = utcnow()
    for offset in range(0, count, batch_size):
        rows = [
            {
                "email": f"bulk{start + index}@example.net",
                "display_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "password_hash": password_hash,
                "email_confirmed_at": now,
                "timezone": "UTC",
                "locale": "en",
                "is_active_account": True,
                "created_at": now,
            }
            for index in range(offset, min(offset + batch_size, count))
        ]
        db.session.execute(insert(User), rows)
        db.session.commit()
        yield len(rows)
