"""Finish the project: prune the parts of patterns not chosen, write the JSON contracts.

The contracts are built here from the options alone, so the same options give the same
bytes whatever Python renders them (nothing of the generated project is imported). The
OpenAPI document matches what FastAPI renders for the owner's app; the project's own
tests/test_openapi.py checks that against the app, and ``make openapi`` rewrites it from
the app after a change.
"""

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

OWNER_SERVICE = {{ cookiecutter.owner | json_str }}
OWNER_PKG = {{ cookiecutter.__owner_pkg | json_str }}
CONSUMER_PKG = {{ cookiecutter.__consumer_pkg | json_str }}
ENTITY = {{ cookiecutter.entity | json_str }}
SNAKE = {{ cookiecutter.__entity_snake | json_str }}
FIELDS = {{ cookiecutter.fields | fields | list | tojson }}
API = {{ 'True' if cookiecutter.__api else 'False' }}
EVENT = {{ 'True' if cookiecutter.__event else 'False' }}
REPLICA = {{ 'True' if cookiecutter.__replica else 'False' }}
SDK = {{ 'True' if cookiecutter.__sdk else 'False' }}
CLIENT = {{ 'True' if cookiecutter.__client else 'False' }}
BFF = {{ 'True' if cookiecutter.__bff else 'False' }}
BFF_PKG = {{ cookiecutter.__bff_pkg | json_str }}
#: The consumer keeps its place in the stream in its own database (and can replay).
REPLAY = {{ 'True' if cookiecutter.__event and broker_profiles()[cookiecutter.broker].position == 'database' else 'False' }}
LIMITS = {{ limits | tojson }}
API = {{ cookiecutter.api | json_str }}
API_FILES = {{ api_profiles() | dictsort | map('last') | map(attribute='files') | list | tojson }}
API_NAMES = {{ api_profiles() | dictsort | map('first') | list | tojson }}
{% raw %}
ROOT = Path.cwd()
OWNER = Path("services") / OWNER_PKG
CONSUMER = Path("services") / CONSUMER_PKG
JSON_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}

# Parts that exist only with some patterns: (condition, paths relative to the project).
PARTS = [
    (EVENT, [
        OWNER / "events.py", OWNER / "messaging.py", OWNER / "relay.py", OWNER / "outage.py",
        CONSUMER / "consumer.py", CONSUMER / "inbox.py", CONSUMER / "messaging.py", CONSUMER / "outage.py",
        CONSUMER / "contracts.py", CONSUMER / "upcasters.py", CONSUMER / "db.py",
        CONSUMER / "models.py",
        Path("contracts") / "asyncapi.yaml",
        Path("tests") / "test_outbox.py", Path("tests") / "test_relay.py",
        Path("tests") / "test_consumer.py", Path("tests") / "test_contracts.py",
        Path("tests") / "test_schema_evolution.py", Path("tests") / "test_relay_parking.py",
        Path("tests") / "test_consumer_startup.py", Path("tests") / "test_outage.py",
    ]),
    (EVENT and not REPLICA, [Path("tests") / "test_changes.py"]),
    (REPLICA, [
        CONSUMER / "projector.py", CONSUMER / "bootstrap.py", CONSUMER / "reads.py",
        Path("tests") / "test_replica.py",
    ]),
    (REPLAY, [CONSUMER / "replay.py", Path("tests") / "test_stream_position.py"]),
    (CLIENT, [CONSUMER / "client.py", Path("tests") / "test_client.py"]),
    (SDK, [Path("libs"), Path("tests") / "test_sdk.py"]),
    (BFF, [Path("services") / BFF_PKG, Path("tests") / "test_bff.py"]),
    # The files of the api transports not chosen (apis.json).
    *(
        (name == API, [Path(path.format(owner_pkg=OWNER_PKG)) for path in files])
        for name, files in zip(API_NAMES, API_FILES)
    ),
]


def prune() -> None:
    """Remove what the chosen patterns do not use, then any folder left empty."""
    for keep, paths in PARTS:
        if keep:
            continue
        for path in paths:
            target = ROOT / path
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    for folder in sorted((p for p in ROOT.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(folder.iterdir()):
            folder.rmdir()


def title(name: str) -> str:
    """The title pydantic gives a field, and the summary FastAPI gives an operation (from
    its function's name)."""
    return name.title().replace("_", " ")


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_body(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _ok(code: str, schema: dict | None, *refusals: str) -> dict:
    response: dict = {"description": "Successful Response"}
    if schema is not None:
        response["content"] = _json_body(schema)
    return {code: response, **{status: REFUSALS[status] for status in refusals},
            "422": {"description": "Validation Error",
                    "content": _json_body(_ref("HTTPValidationError"))}}


# The owner's refusals besides 422 (app.py): a version that does not match, a body too large.
REFUSALS = {
    "412": {"description": f"If-Match does not match the {SNAKE}'s current version"},
    "413": {"description": "The body is over MAX_BODY_BYTES"},
}


def _field_schema(kind: str, name: str) -> dict:
    """A field's schema with the limits of its column (schemas.py declares the same)."""
    schema: dict = {"type": JSON_TYPES[kind]}
    if kind == "str":
        schema.update(maxLength=LIMITS["text_max_length"], pattern=LIMITS["text_pattern"])
    elif kind == "int":
        schema.update(maximum=LIMITS["int_max"], minimum=LIMITS["int_min"])
    schema["title"] = title(name)
    return schema


def _operation(summary: str, op_id: str, responses: dict, params: list | None = None,
               body: str | None = None) -> dict:
    operation: dict = {"summary": summary, "operationId": op_id}
    if params:
        operation["parameters"] = params
    if body:
        operation["requestBody"] = {"required": True, "content": _json_body(_ref(body))}
    operation["responses"] = responses
    return operation


def static_openapi() -> dict:
    """The owner's OpenAPI document, as FastAPI renders it for app.py."""
    e, E = SNAKE, ENTITY
    plural = f"/{e}s"
    item = f"/{e}s/{{{e}_id}}"
    slug = f"{e}s__{e}_id__"
    id_schema = {"type": "string", "maxLength": LIMITS["id_max_length"],
                 "pattern": LIMITS["id_pattern"]}
    id_param = {"name": f"{e}_id", "in": "path", "required": True,
                "schema": {**id_schema, "title": title(f"{e}_id")}}
    if_match_text = (f"Only if the {e}'s current ETag is one of these (or `*`: it exists); "
                     "else 412.")
    if_match = {"name": "if-match", "in": "header", "required": False,
                "schema": {"anyOf": [{"type": "string"}, {"type": "null"}],
                           "description": if_match_text, "title": "If-Match"},
                "description": if_match_text}
    props = {name: _field_schema(kind, name) for name, kind in FIELDS}
    names = [name for name, _ in FIELDS]
    nullable_str = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    health = {"description": "Successful Response", "content": _json_body(
        {"additionalProperties": {"type": "string"}, "type": "object",
         "title": "Response Health Health Get"})}
    return {
        "openapi": "3.1.0",
        "info": {"title": OWNER_SERVICE, "version": "1.0.0"},
        "paths": {
            "/health": {"get": {"summary": "Health", "operationId": "health_health_get",
                                "responses": {"200": health}}},
            plural: {
                "post": _operation(title(f"create_{e}"), f"create_{e}_{e}s_post",
                                   _ok("201", _ref(f"{E}Out"), "413"), body=f"{E}In"),
                "get": _operation(title(f"export_{e}s"), f"export_{e}s_{e}s_get", _ok("200", _ref(f"{E}Page")), [
                    {"name": "after", "in": "query", "required": False,
                     "schema": {"anyOf": [id_schema, {"type": "null"}], "title": "After"}},
                    {"name": "limit", "in": "query", "required": False,
                     "schema": {"type": "integer", "maximum": 1000, "minimum": 1,
                                "default": 100, "title": "Limit"}},
                ]),
            },
            item: {
                "put": _operation(title(f"put_{e}"), f"put_{e}_{slug}put",
                                  _ok("200", _ref(f"{E}Out"), "412", "413"),
                                  [id_param, if_match], body=f"{E}In"),
                "get": _operation(title(f"get_{e}"), f"get_{e}_{slug}get", _ok("200", _ref(f"{E}Out")),
                                  [id_param]),
                "delete": _operation(title(f"delete_{e}"), f"delete_{e}_{slug}delete",
                                     _ok("204", None, "412"), [id_param, if_match]),
            },
        },
        "components": {"schemas": {
            "HTTPValidationError": {
                "properties": {"detail": {"items": _ref("ValidationError"), "type": "array",
                                          "title": "Detail"}},
                "type": "object", "title": "HTTPValidationError"},
            f"{E}In": {
                "properties": props, "additionalProperties": False, "type": "object",
                "required": names, "title": f"{E}In",
                "description": f"The fields a client sends to create or replace a {E}."},
            f"{E}Out": {
                "properties": {**props, f"{e}_id": {"type": "string", "title": title(f"{e}_id")},
                               "version": {"type": "integer", "title": "Version"}},
                "additionalProperties": False, "type": "object",
                "required": [*names, f"{e}_id", "version"], "title": f"{E}Out",
                "description": f"A stored {E}, with its id and its version."},
            f"{E}Page": {
                "properties": {"items": {"items": _ref(f"{E}Out"), "type": "array", "title": "Items"},
                               "next_after": {**nullable_str, "title": "Next After"}},
                "type": "object", "required": ["items", "next_after"], "title": f"{E}Page",
                "description": "One page of the export; pass ``next_after`` as ``after`` "
                               "to get the next one."},
            "ValidationError": {
                "properties": {
                    "loc": {"items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                            "type": "array", "title": "Location"},
                    "msg": {"type": "string", "title": "Message"},
                    "type": {"type": "string", "title": "Error Type"},
                    "input": {"title": "Input"},
                    "ctx": {"type": "object", "title": "Context"}},
                "type": "object", "required": ["loc", "msg", "type"], "title": "ValidationError"},
        }},
    }


def event_schema(event_type: str, data: dict, required: list[str]) -> dict:
    """JSON Schema 2020-12 of one event type's envelope, version 1."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:{OWNER_SERVICE}:events:{event_type}:v1",
        "title": event_type,
        "description": f"CloudEvents-named envelope of {event_type}, data schema version 1. "
                       "schemaversion is not pinned: under FULL compatibility this schema also "
                       "accepts later versions (a tolerant reader ignores the fields they add).",
        "type": "object",
        "required": ["specversion", "id", "source", "type", "time", "datacontenttype",
                     "dataschema", "schemaversion", "version", "data"],
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {"type": "string", "minLength": 1},
            "source": {"type": "string", "minLength": 1},
            "type": {"const": event_type},
            "subject": {"type": "string"},
            "time": {"type": "string", "format": "date-time"},
            "datacontenttype": {"const": "application/json"},
            "dataschema": {"type": "string", "format": "uri"},
            "schemaversion": {"type": "integer", "minimum": 1},
            "version": {"type": "integer", "minimum": 1},
            "data": {"type": "object", "required": required, "properties": data},
        },
    }


def write_json(path: Path, document: dict) -> None:
    """Write a JSON document the way the tests and `make openapi` compare it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_contracts() -> None:
    """contracts/openapi/<owner>.json and, with events, contracts/events/<type>/v1.schema.json."""
    write_json(ROOT / "contracts" / "openapi" / f"{OWNER_SERVICE}.json", static_openapi())
    if not EVENT:
        return
    id_field = f"{SNAKE}_id"
    fields = {name: {"type": JSON_TYPES[kind]} for name, kind in FIELDS}
    upserted = {**fields, id_field: {"type": "string", "minLength": 1},
                "version": {"type": "integer", "minimum": 1}}
    write_json(ROOT / "contracts" / "events" / f"{SNAKE}.upserted" / "v1.schema.json",
               event_schema(f"{SNAKE}.upserted", upserted, [*fields, id_field, "version"]))
    deleted = {id_field: {"type": "string", "minLength": 1},
               "version": {"type": "integer", "minimum": 1}}
    write_json(ROOT / "contracts" / "events" / f"{SNAKE}.deleted" / "v1.schema.json",
               event_schema(f"{SNAKE}.deleted", deleted, [id_field, "version"]))


def format_python() -> None:
    """Format the Python files with ruff, the formatter the project's `make lint` checks.

    The templates are written in its style, but long names can still push a line over its
    limit. advisor depends on ruff (the series the project pins); without it, say so.
    """
    if importlib.util.find_spec("ruff") is None:
        print("note: ruff is not installed here, so the Python files were not formatted")
        return
    subprocess.run([sys.executable, "-m", "ruff", "format", "--quiet", "--no-cache", "."], cwd=ROOT, check=True)


prune()
write_contracts()
format_python()
{% endraw %}
