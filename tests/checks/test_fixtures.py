"""Each check trips on its `trips` fixture project and stays quiet on its `passes` one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from advisor.checks import CHECKS, check

FIXTURES = Path(__file__).parent / "fixtures"

#: check id → the one finding its `trips` project must yield: (level, path, line).
EXPECTED: dict[str, tuple[str, str, int | None]] = {
    "shared-db": ("error", "docker-compose.yml", 5),
    "schema-breaking-change": ("error", "contracts/events/user-created/v2.schema.json", None),
    "cross-service-import": ("error", "services/order-service/order_service/orders.py", 1),
    "replica-write": ("error", "services/order-service/order_service/api.py", 8),
    "missing-timeout": ("error", "services/order-service/order_service/client.py", 5),
    "non-idempotent-consumer": ("error", "services/order-service/order_service/consumer.py", 7),
    "sdk-business-logic": ("error", "libs/user-sdk/user_sdk/client.py", 1),
}


def test_every_registered_check_has_fixtures() -> None:
    assert set(EXPECTED) == {c.id for c in CHECKS}
    for check_id in EXPECTED:
        assert (FIXTURES / check_id / "trips").is_dir()
        assert (FIXTURES / check_id / "passes").is_dir()


@pytest.mark.parametrize("check_id", sorted(EXPECTED))
def test_trips_yields_exactly_that_finding(check_id: str) -> None:
    report = check(FIXTURES / check_id / "trips")
    found = [(f.id, f.level, f.path, f.line) for f in report.findings]
    assert found == [(check_id, *EXPECTED[check_id])]
    assert not report.passed


@pytest.mark.parametrize("check_id", sorted(EXPECTED))
def test_passes_yields_nothing(check_id: str) -> None:
    report = check(FIXTURES / check_id / "passes")
    assert report.findings == []
    assert report.passed


@pytest.mark.parametrize("check_id", sorted(EXPECTED))
def test_check_alone_finds_it(check_id: str) -> None:
    findings = check(FIXTURES / check_id / "trips", select=[check_id]).findings
    assert [f.id for f in findings] == [check_id]


def test_missing_timeout_finds_a_grpc_call_without_a_deadline() -> None:
    project = FIXTURES / "missing-timeout"
    trips = check(project / "grpc-trips", select=["missing-timeout"])
    found = [(f.id, f.level, f.path, f.line) for f in trips.findings]
    path = "services/order-service/order_service/client.py"
    assert found == [("missing-timeout", "error", path, 10)]
    assert "gRPC stub .GetUser(...)" in trips.findings[0].message
    assert check(project / "grpc-passes").findings == []


def test_clean_project_with_every_pattern_has_no_findings() -> None:
    report = check(FIXTURES / "clean")
    assert report.findings == []
    assert report.checks_run == [c.id for c in CHECKS]


#: Layouts of projects advisor did not generate: name → (the one finding of `trips`, and the
#: services found with how).
LAYOUTS: dict[str, tuple[tuple[str, str, int], list[tuple[str, str]]]] = {
    # Three services at the root, each opening one database in its own db.py; one db container.
    "psycopg2-db": (
        ("shared-db", "order/db.py", 9),
        [(s, "docker-compose.yml") for s in ("account", "order", "payment")],
    ),
    # Services at the root with Dockerfiles, no compose file; aiohttp and requests clients.
    "root-services": (
        ("missing-timeout", "gateway/main.py", 19),
        [(s, f"{s}/Dockerfile") for s in ("gateway", "orders", "products")],
    ),
    # order-service has its own client modules named like the other services.
    "local-clients": (
        ("cross-service-import", "order-service/app.py", 4),
        [(s, f"{s}/Dockerfile") for s in ("customer-service", "order-service", "product-service")],
    ),
    # nameko services and a Celery task, built from the root with per-service Dockerfiles.
    "nameko": (
        ("non-idempotent-consumer", "orders/service.py", 16),
        [(s, "docker-compose.yml") for s in ("gateway", "orders", "payments")],
    ),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layout_trips_once_and_passes_clean(layout: str) -> None:
    (check_id, path, line), services = LAYOUTS[layout]
    trips = check(FIXTURES / "layouts" / layout / "trips")
    assert [(f.id, f.path, f.line) for f in trips.findings] == [(check_id, path, line)]
    assert [(s.name, s.found_by) for s in trips.services] == services
    passes = check(FIXTURES / "layouts" / layout / "passes")
    assert passes.findings == []
    assert [(s.name, s.found_by) for s in passes.services] == services


def test_unresolvable_database_is_a_note_not_a_guess() -> None:
    report = check(FIXTURES / "layouts" / "psycopg2-db" / "passes")
    [note] = report.notes
    assert (note.id, note.path, note.line) == ("shared-db", "payment/db.py", 7)
    assert "os.environ['PAYMENT_DB'] from the environment has no default" in note.message


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / "project"
    shutil.copytree(FIXTURES / name, target)
    return target


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        (
            "shared_database: true\nlegacy_or_transitional: true\n"
            "shared_database_reason: orders move out of the monolith in Q3\n",
            "warn",
        ),
        ("shared_database: true\nsingle_team: true\nshared_database_reason: one team\n", "warn"),
        ("shared_database: true\nlegacy_or_transitional: true\n", "error"),
        ("shared_database: true\nshared_database_reason: because\n", "error"),
        ("shared_database: false\nsingle_team: true\nshared_database_reason: x\n", "error"),
    ],
)
def test_shared_db_declaration_downgrades_to_warn(tmp_path: Path, answers: str, level: str) -> None:
    project = _copy(tmp_path, "shared-db/trips")
    (project / ".advisor-answers.yml").write_text(answers)
    report = check(project)
    assert [(f.id, f.level) for f in report.findings] == [("shared-db", level)]
    assert report.passed is (level == "warn")


def test_shared_db_across_service_env_files(tmp_path: Path) -> None:
    for service in ("user-service", "order-service"):
        folder = tmp_path / "services" / service
        folder.mkdir(parents=True)
        (folder / ".env").write_text("DATABASE_URL=postgresql://u:p@127.0.0.1/shop\n")
    findings = check(tmp_path).findings
    assert [(f.id, f.path) for f in findings] == [("shared-db", "services/user-service/.env")]


def test_compatibility_comes_from_the_answers_file(tmp_path: Path) -> None:
    project = _copy(tmp_path, "schema-breaking-change/trips")
    (project / ".advisor-answers.yml").write_text("compatibility: BACKWARD\n")
    [finding] = check(project).findings
    assert "not BACKWARD-compatible" in finding.message
    assert "FORWARD:" not in finding.message
    # The flag wins over the answers file.
    [finding] = check(project, compatibility="FORWARD").findings
    assert "not FORWARD-compatible" in finding.message


def test_garbage_collection_is_back_on_after_a_check() -> None:
    import gc

    assert gc.isenabled()
    check(FIXTURES / "clean")
    assert gc.isenabled()
