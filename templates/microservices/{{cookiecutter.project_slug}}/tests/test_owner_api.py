{%- set e = cookiecutter.__entity_snake -%}
"""{{ cookiecutter.owner }}: CRUD and the paginated export."""

from __future__ import annotations

import httpx


async def test_create_read_replace_delete(
    owner: httpx.AsyncClient,
    new_{{ e }}: dict[str, object],
    changed_{{ e }}: dict[str, object],
) -> None:
    created = await owner.post("/{{ e }}s", json=new_{{ e }})
    assert created.status_code == 201
    body = created.json()
    {{ e }}_id = body["{{ e }}_id"]
    assert body == {
        **new_{{ e }},
        "{{ e }}_id": {{ e }}_id,
        "version": 1,
    }

    assert (await owner.get(f"/{{ e }}s/{ {{- e }}_id}")).json() == body

    replaced = await owner.put(
        f"/{{ e }}s/{ {{- e }}_id}",
        json=changed_{{ e }},
    )
    assert replaced.status_code == 200
    assert replaced.json() == {
        **changed_{{ e }},
        "{{ e }}_id": {{ e }}_id,
        "version": 2,
    }

    deleted = await owner.delete(
        f"/{{ e }}s/{ {{- e }}_id}",
    )
    assert deleted.status_code == 204
    gone = await owner.get(
        f"/{{ e }}s/{ {{- e }}_id}",
    )
    assert gone.status_code == 404
    again = await owner.delete(
        f"/{{ e }}s/{ {{- e }}_id}",
    )
    assert again.status_code == 404


async def test_a_deleted_{{ e }}_created_again_goes_on_from_its_version(
    owner: httpx.AsyncClient, new_{{ e }}: dict[str, object]
) -> None:
    await owner.put("/{{ e }}s/again", json=new_{{ e }})
    # The delete is version 2.
    assert (await owner.delete("/{{ e }}s/again")).status_code == 204
    page = (await owner.get("/{{ e }}s")).json()
    assert "again" not in [item["{{ e }}_id"] for item in page["items"]]
    again = await owner.put("/{{ e }}s/again", json=new_{{ e }})
    # Newer than the delete's tombstone, so a replica that saw the delete takes it.
    assert again.json()["version"] == 3
    assert (await owner.get("/{{ e }}s/again")).json()["version"] == 3


async def test_put_creates_with_the_client_id(
    owner: httpx.AsyncClient,
    new_{{ e }}: dict[str, object],
) -> None:
    response = await owner.put(
        "/{{ e }}s/chosen-id",
        json=new_{{ e }},
    )
    assert response.status_code == 200
    assert response.json()["{{ e }}_id"] == "chosen-id"
    assert response.json()["version"] == 1


async def test_invalid_body_is_422(
    owner: httpx.AsyncClient,
    new_{{ e }}: dict[str, object],
) -> None:
    assert (await owner.post("/{{ e }}s", json={})).status_code == 422
    refused = await owner.post(
        "/{{ e }}s",
        json={**new_{{ e }}, "unexpected": 1},
    )
    assert refused.status_code == 422


async def test_export_pages_through_everything_in_id_order(
    owner: httpx.AsyncClient, new_{{ e }}: dict[str, object]
) -> None:
    ids = [f"id-{n:02d}" for n in range(5)]
    for {{ e }}_id in reversed(ids):
        await owner.put(
            f"/{{ e }}s/{ {{- e }}_id}",
            json=new_{{ e }},
        )
    seen: list[str] = []
    after: str | None = None
    while True:
        params = {"limit": 2} if after is None else {"limit": 2, "after": after}
        page = (await owner.get("/{{ e }}s", params=params)).json()
        assert len(page["items"]) <= 2
        seen += [item["{{ e }}_id"] for item in page["items"]]
        after = page["next_after"]
        if after is None:
            break
    assert seen == ids
