{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
{%- set tracked = broker_profiles()[cookiecutter.broker].position == "database" -%}
"""Tables of {{ cookiecutter.consumer }}: its own database, never the owner's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import {% if tracked %}BigInteger, {% endif %}DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from {{ cookiecutter.__consumer_pkg }}.db import Base
{%- if cookiecutter.__event %}


class ProcessedMessage(Base):
    """The inbox: ids of events already applied, written in the same transaction as the effect."""

    __tablename__ = "processed_messages"

    message_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
{%- if tracked %}


class StreamOffset(Base):
    """Where this service is in each stream it reads: the offset of the last message recorded,
    written in the same transaction as the effects (``make replay`` deletes it)."""

    __tablename__ = "stream_offsets"

    stream: Mapped[str] = mapped_column(String(255), primary_key=True)
    last_offset: Mapped[int] = mapped_column(BigInteger)
{%- endif %}
{%- endif %}
{%- if cookiecutter.__replica %}


class {{ E }}Replica(Base):
    """Read-only local copy of the owner's {{ E }}s; only ``projector.py`` writes it.

    ``version`` is the owner's version of the row: an event with a version not above it
    is stale and ignored. A deletion leaves a tombstone (``deleted``) so that a late,
    older upsert cannot bring the row back.
    """

    __tablename__ = "replica_{{ e }}s"

    {{ e }}_id: Mapped[str] = mapped_column(String(64), primary_key=True)
{%- for name, kind in cookiecutter.fields | fields %}
    {{ name }}: Mapped[{{ kind | pytype }} | None] = mapped_column(default=None)
{%- endfor %}
    version: Mapped[int]
    deleted: Mapped[bool] = mapped_column(default=False)
    source_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    replicated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
{%- elif cookiecutter.__event %}


class {{ E }}Change(Base):
    """What this service learnt from the owner's events: one row per applied event."""

    __tablename__ = "{{ e }}_changes"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    {{ e }}_id: Mapped[str] = mapped_column(String(64), index=True)
    event_type: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
{%- endif %}
