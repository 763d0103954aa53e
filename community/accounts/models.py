"""Accounts: people, their roles and their preferences."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.db import utcnow
from community.extensions import db


class Role(enum.StrEnum):
    """Staff duties; a customer is a user with none. An admin holds every duty."""

    MANAGER = "manager"
    EDITOR = "editor"
    MODERATOR = "moderator"
    AGENT = "agent"  # works support requests in their departments
    LEAD = "lead"  # an agent who also watches a department's service levels and reports
    ADMIN = "admin"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so uniqueness ignores case on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    email_confirmed_at: Mapped[datetime | None]
    vip_tier: Mapped[str | None] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # The secret of the sign-in this object was loaded through (see accounts.sessions); not
    # stored: only its digest is, in `login_sessions`.
    login_key = None  # str once signed in or loaded

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    # Flask-Login -----------------------------------------------------------------
    def get_id(self) -> str:
        """What the session and remember-me cookies carry: the user and their sign-in's key."""
        return f"{self.id}:{self.login_key}"

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    # Roles -----------------------------------------------------------------------
    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(row.role) for row in self.role_rows)

    def has_role(self, role: Role) -> bool:
        roles = self.roles
        return Role.ADMIN in roles or role in roles

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def is_staff(self) -> bool:
        return bool(self.role_rows)

    @property
    def is_vip(self) -> bool:
        return self.vip_tier is not None

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def initials(self) -> str:
        parts = [part for part in self.display_name.split() if part]
        if not parts:
            return "?"
        if len(parts) == 1:
            return parts[0][:2].upper()
        return (parts[0][0] + parts[-1][0]).upper()


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="role_rows")


class LoginSession(db.Model):
    """One signed-in browser. Deleting the row signs that browser out, whatever cookie it kept."""

    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the key in the cookie: a copy of the database cannot be used to sign in.
    key_digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
