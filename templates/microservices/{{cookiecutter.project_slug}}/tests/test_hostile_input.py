{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
{%- set kinds = cookiecutter.fields | fields | map('last') | list -%}
"""{{ cookiecutter.owner }} under hostile input: declared limits, 4xx never 500, optimistic concurrency."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from {{ cookiecutter.__owner_pkg }}.app import create_app
from {{ cookiecutter.__owner_pkg }}.models import ID_MAX_LENGTH, {% if 'int' in kinds %}INT_MAX, INT_MIN, {% endif %}TEXT_MAX_LENGTH

BAD_IDS = ["..", ".", "a b", "-lead", "é", "a/b", "a\\b", "a\x00b", "\ud800", "x" * (ID_MAX_LENGTH + 1)]
#: Per field, values of the right JSON shape the contract still refuses (raw JSON text).
HOSTILE_VALUES: dict[str, list[str]] = {
{%- for name, kind in cookiecutter.fields | fields %}
{%- if kind == 'str' %}
    "{{ name }}": [
        json.dumps("x" * (TEXT_MAX_LENGTH + 1)),
        '"a\\u0000b"',
        '"\\ud800"',
        '"\\udfff x"',
        "5",
        "true",
        "null",
    ],
{%- elif kind == 'int' %}
    "{{ name }}": [
        '"5"',
        "true",
        "5.5",
        str(INT_MAX + 1),
        str(INT_MIN - 1),
        str(2**63),
        "null",
    ],
{%- elif kind == 'float' %}
    "{{ name }}": [
        '"5"',
        "true",
        "NaN",
        "Infinity",
        "1e400",
        "null",
    ],
{%- else %}
    "{{ name }}": [
        "1",
        "0",
        '"true"',
        "null",
    ],
{%- endif %}
{%- endfor %}
}


def raw_body(valid: dict[str, object], field: str, raw_value: str) -> bytes:
    """A JSON body with one field's value replaced by raw JSON text (json.dumps cannot write
    lone surrogates or NaN as a client might send them)."""
    parts = [
        f"{json.dumps(name)}: {raw_value if name == field else json.dumps(value)}"
        for name, value in valid.items()
    ]
    return ("{" + ", ".join(parts) + "}").encode("utf-8", "surrogatepass")


@pytest.mark.parametrize("bad_id", BAD_IDS)
async def test_a_hostile_id_is_refused_with_a_4xx(
    owner: httpx.AsyncClient, new_{{ e }}: dict[str, object], bad_id: str
) -> None:
    # Every byte percent-encoded, so the client neither resolves ".." nor splits at "/".
    encoded = "".join(f"%{byte:02X}" for byte in bad_id.encode("utf-8", "surrogatepass"))
    path = f"/{{ e }}s/{encoded}"
    for response in (
        await owner.put(path, json=new_{{ e }}),
        await owner.get(path),
        await owner.delete(path),
        await owner.get(f"/{{ e }}s?after={encoded}"),
    ):
        assert 400 <= response.status_code < 500, (bad_id, response.status_code, response.text)
    # Nothing was written under any spelling of it.
    assert (await owner.get("/{{ e }}s")).json()["items"] == []


async def test_the_longest_id_and_text_fit_their_columns(
    owner: httpx.AsyncClient,
    new_{{ e }}: dict[str, object],
) -> None:
    longest = "a" + "-" * (ID_MAX_LENGTH - 2) + "z"
    valid = new_{{ e }}
    body = {
        name: ("é" * TEXT_MAX_LENGTH if isinstance(value, str) else value) for name, value in valid.items()
    }
    stored = await owner.put(f"/{{ e }}s/{longest}", json=body)
    assert stored.status_code == 200, stored.text
    read = (await owner.get(f"/{{ e }}s/{longest}")).json()
    assert read == {
        **body,
        "{{ e }}_id": longest,
        "version": 1,
    }


@pytest.mark.parametrize(
    ("field", "raw_value"), [(field, value) for field, values in HOSTILE_VALUES.items() for value in values]
)
async def test_a_hostile_value_is_refused_with_422(
    owner: httpx.AsyncClient, new_{{ e }}: dict[str, object], field: str, raw_value: str
) -> None:
    content = raw_body(new_{{ e }}, field, raw_value)
    headers = {"content-type": "application/json"}
    for response in (
        await owner.put("/{{ e }}s/target", content=content, headers=headers),
        await owner.post("/{{ e }}s", content=content, headers=headers),
    ):
        assert response.status_code == 422, (field, raw_value, response.status_code, response.text)
    assert (await owner.get("/{{ e }}s")).json()["items"] == []


async def test_the_limits_are_declared_in_the_openapi_document(owner: httpx.AsyncClient) -> None:
    document = (await owner.get("/openapi.json")).json()
    fields = document["components"]["schemas"]["{{ E }}In"]["properties"]
{%- for name, kind in cookiecutter.fields | fields %}
{%- if kind == 'str' %}
    assert fields["{{ name }}"]["maxLength"] == TEXT_MAX_LENGTH
    assert "pattern" in fields["{{ name }}"]
{%- elif kind == 'int' %}
    assert (fields["{{ name }}"]["minimum"], fields["{{ name }}"]["maximum"]) == (INT_MIN, INT_MAX)
{%- endif %}
{%- endfor %}
    put = document["paths"]["/{{ e }}s/{ {{- e }}_id}"]["put"]
    [id_parameter] = [p for p in put["parameters"] if p["in"] == "path"]
    assert id_parameter["schema"]["maxLength"] == ID_MAX_LENGTH
    assert id_parameter["schema"]["pattern"].startswith("^")
    assert [p["name"].lower() for p in put["parameters"] if p["in"] == "header"] == ["if-match"]
    assert {"412", "413"} <= set(put["responses"])


async def test_a_body_over_max_body_bytes_is_413(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    new_{{ e }}: dict[str, object],
) -> None:
    monkeypatch.setenv("MAX_BODY_BYTES", "2000")
    app = create_app(f"sqlite+aiosqlite:///{tmp_path / 'limited.db'}")
    await app.state.db.create_all()
    valid = new_{{ e }}
    big = {name: "x" * 3000 if isinstance(value, str) else value for name, value in valid.items()}
    padded = json.dumps(new_{{ e }}) + " " * 3000  # valid JSON, just long

    async def chunks() -> Any:  # no Content-Length: the limit counts what arrives
        for _ in range(4):
            yield b" " * 600
        yield json.dumps(new_{{ e }}).encode()

    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://owner", timeout=5.0) as client:
            headers = {"content-type": "application/json"}
            for response in (
                await client.put("/{{ e }}s/big", json=big),
                await client.put("/{{ e }}s/big", content=padded, headers=headers),
                await client.post("/{{ e }}s", content=chunks(), headers=headers),
            ):
                assert response.status_code == 413, response.text
                assert "MAX_BODY_BYTES" in response.json()["detail"]
            assert (await client.get("/{{ e }}s/big")).status_code == 404
            small = await client.put(
                "/{{ e }}s/small",
                json=new_{{ e }},
            )
            assert small.status_code == 200
    finally:
        await app.state.db.dispose()


async def test_if_match_refuses_a_write_based_on_an_old_version(
    owner: httpx.AsyncClient,
    new_{{ e }}: dict[str, object],
    changed_{{ e }}: dict[str, object],
) -> None:
    created = await owner.put("/{{ e }}s/shared", json=new_{{ e }})
    assert created.headers["etag"] == '"1"'
    assert (await owner.get("/{{ e }}s/shared")).headers["etag"] == '"1"'
    # Two clients read version 1; the first write wins, the second is refused.
    first = await owner.put(
        "/{{ e }}s/shared",
        json=changed_{{ e }},
        headers={"If-Match": '"1"'},
    )
    assert first.status_code == 200 and first.headers["etag"] == '"2"'
    second = await owner.put(
        "/{{ e }}s/shared",
        json=new_{{ e }},
        headers={"If-Match": '"1"'},
    )
    assert second.status_code == 412, second.text
    assert '"2"' in second.json()["detail"]
    shared = (await owner.get("/{{ e }}s/shared")).json()
    assert shared == {
        **changed_{{ e }},
        "{{ e }}_id": "shared",
        "version": 2,
    }
    deleted = await owner.delete(
        "/{{ e }}s/shared",
        headers={"If-Match": '"1"'},
    )
    assert deleted.status_code == 412
    either = await owner.put(
        "/{{ e }}s/shared",
        json=new_{{ e }},
        headers={"If-Match": '"9", "2"'},
    )
    assert either.status_code == 200
    deleted = await owner.delete(
        "/{{ e }}s/shared",
        headers={"If-Match": "*"},
    )
    assert deleted.status_code == 204
    # No {{ e }} (deleted, or never made): no tag matches, not even `*`.
    for if_match in ('"3"', "*"):
        response = await owner.put(
            "/{{ e }}s/shared",
            json=new_{{ e }},
            headers={"If-Match": if_match},
        )
        assert response.status_code == 412, response.text
        never = await owner.put(
            "/{{ e }}s/never",
            json=new_{{ e }},
            headers={"If-Match": if_match},
        )
        assert never.status_code == 412
    assert (await owner.get("/{{ e }}s/never")).status_code == 404


async def test_racing_creates_of_one_new_id_all_succeed_in_turn(
    owner: httpx.AsyncClient, new_{{ e }}: dict[str, object]
) -> None:
    path = "/{{ e }}s/contested"
    body = new_{{ e }}
    responses = await asyncio.gather(*(owner.put(path, json=body) for _ in range(20)))
    assert [r.status_code for r in responses] == [200] * 20, [
        r.text for r in responses if r.status_code != 200
    ]
    assert sorted(r.json()["version"] for r in responses) == list(range(1, 21))
    assert (await owner.get("/{{ e }}s/contested")).json()["version"] == 20


async def test_racing_writers_with_the_same_if_match_one_wins(
    owner: httpx.AsyncClient,
    new_{{ e }}: dict[str, object],
    changed_{{ e }}: dict[str, object],
) -> None:
    await owner.put("/{{ e }}s/raced", json=new_{{ e }})
    path = "/{{ e }}s/raced"
    body, if_match = changed_{{ e }}, {"If-Match": '"1"'}
    responses = await asyncio.gather(*(owner.put(path, json=body, headers=if_match) for _ in range(10)))
    assert sorted(r.status_code for r in responses) == [200] + [412] * 9
    assert (await owner.get("/{{ e }}s/raced")).json()["version"] == 2
