{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""Tables of {{ cookiecutter.owner_service }}: the {{ E }} itself{% if cookiecutter.__event %} and the transactional outbox{% endif %}."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String{% if cookiecutter.__event %}, Index, Text, text{% endif %}
from sqlalchemy.orm import Mapped, mapped_column

from {{ cookiecutter.__owner_pkg }}.db import Base


class {{ E }}(Base):
    """The owned entity; ``version`` grows by one on every change (a delete included), for
    ordering downstream."""

    __tablename__ = "{{ e }}s"

    {{ e }}_id: Mapped[str] = mapped_column(String(64), primary_key=True)
{%- for name, kind in cookiecutter.fields | fields %}
    {{ name }}: Mapped[{{ kind | pytype }}]
{%- endfor %}
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # A deleted {{ e }} stays as a tombstone, so one created again with its id goes on from
    # its version: consumers ignore any change not newer than the one they hold.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
{%- if cookiecutter.__event %}


class OutboxMessage(Base):
    """An event waiting for the relay; written in the same transaction as the change."""

    __tablename__ = "outbox"
    # The relay's query reads only unsent rows, oldest first: a partial index keeps that
    # cheap however many sent rows the table holds.
    __table_args__ = (
        Index(
            "ix_outbox_pending",
            "created_at",
            "id",
            postgresql_where=text("sent_at IS NULL"),
            sqlite_where=text("sent_at IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    event_type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
{%- endif %}
