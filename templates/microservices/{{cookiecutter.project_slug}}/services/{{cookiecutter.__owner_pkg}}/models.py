{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""Tables of {{ cookiecutter.owner }}: the {{ E }} itself{% if cookiecutter.__event %} and the transactional outbox{% endif %}.

The column types are the source of the API's input limits (``schemas.py`` declares them in
the OpenAPI document): a value the API accepts always fits its column.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String{% if cookiecutter.__event %}, DDL, Index, Text, event, text{% endif %}
from sqlalchemy.orm import Mapped, mapped_column

from {{ cookiecutter.__owner_pkg }}.db import Base

#: Longest {{ e }} id (characters).
ID_MAX_LENGTH = {{ limits.id_max_length }}
#: Longest text field (characters); raise it here, in the API's OpenAPI document
#: (``make openapi``) and in the consumer's columns.
TEXT_MAX_LENGTH = {{ limits.text_max_length }}
#: Integer fields are SQL INTEGER columns (SQLAlchemy's type for ``int``): 32 bits.
INT_MIN, INT_MAX = {{ limits.int_min }}, {{ limits.int_max }}


class {{ E }}(Base):
    """The owned entity; ``version`` grows by one on every change (a delete included), for
    ordering downstream."""

    __tablename__ = "{{ e }}s"

    {{ e }}_id: Mapped[str] = mapped_column(String(ID_MAX_LENGTH), primary_key=True)
{%- for name, kind in cookiecutter.fields | fields %}
{%- if kind == 'str' %}
    {{ name }}: Mapped[str] = mapped_column(String(TEXT_MAX_LENGTH))
{%- else %}
    {{ name }}: Mapped[{{ kind | pytype }}]
{%- endif %}
{%- endfor %}
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # A deleted {{ e }} stays as a tombstone, so one created again with its id goes on from
    # its version: consumers ignore any change not newer than the one they hold.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
{%- if cookiecutter.__event %}


class OutboxMessage(Base):
    """An event waiting for the relay; written in the same transaction as the change.

    A row the broker refuses for good (too large, unauthorized, unreadable) is parked:
    ``parked_at`` and ``error`` say when and why, and that {{ e }}'s later rows wait behind
    it until ``python -m {{ cookiecutter.__owner_pkg }}.relay retry`` sends it again.
    """

    __tablename__ = "outbox"
    # The relay's query reads only unsent rows, oldest first: a partial index keeps that
    # cheap however many sent rows the table holds; parked rows get one of their own.
    __table_args__ = (
        Index(
            "ix_outbox_pending",
            "created_at",
            "id",
            postgresql_where=text("sent_at IS NULL"),
            sqlite_where=text("sent_at IS NULL"),
        ),
        Index(
            "ix_outbox_parked",
            "entity_id",
            postgresql_where=text("parked_at IS NOT NULL AND sent_at IS NULL"),
            sqlite_where=text("parked_at IS NOT NULL AND sent_at IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(ID_MAX_LENGTH), index=True)
    event_type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    parked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)


#: The channel PostgreSQL notifies when outbox rows commit: the relay LISTENs on it.
NOTIFY_CHANNEL = "outbox"
# A trigger, not a NOTIFY in the owner's code: every writer of the outbox wakes the relay,
# with no extra round trip. Notifications are delivered at commit, once per transaction;
# the relay's poll stays as the fallback (and is all there is on SQLite).
for statement in (
    "CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN PERFORM pg_notify('{NOTIFY_CHANNEL}', ''); RETURN NULL; END $$",
    "CREATE OR REPLACE TRIGGER outbox_notify AFTER INSERT ON outbox "
    "FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()",
):
    event.listen(
        OutboxMessage.__table__,
        "after_create",
        DDL(statement).execute_if(dialect="postgresql"),
    )
{%- endif %}
