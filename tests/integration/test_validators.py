"""Generated artifacts pass the ecosystem's own validators, tools nobody on the team wrote."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import infra
from tests.support.processes import ServiceProcess, uvicorn, wait_http
from tests.support.projects import (
    ALL_PATTERNS,
    broker_profiles,
    render_project,
    run,
    schemathesis_finds_no_server_error,
    tool,
)

ASYNCAPI_VALIDATOR = Path(__file__).parent / "asyncapi"


@pytest.fixture(scope="module", params=list(broker_profiles()))
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with every pattern, rendered once per broker."""
    out = tmp_path_factory.mktemp(f"validators-{request.param}")
    return render_project(out, patterns=ALL_PATTERNS, broker=request.param)


def test_compose_file_follows_the_compose_specification(project: Path) -> None:
    run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "docker-compose.yml"],
        cwd=project,
    )


def test_workflows_pass_actionlint_and_the_workflow_schema(project: Path) -> None:
    workflows = sorted(str(p) for p in (project / ".github" / "workflows").glob("*.y*ml"))
    assert workflows, "the project has no GitHub Actions workflow"
    run([tool("actionlint"), *workflows], cwd=project)
    run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *workflows],
        cwd=project,
    )


def test_dockerfiles_pass_hadolint_at_warning_threshold(project: Path) -> None:
    dockerfiles = sorted(str(p) for p in project.rglob("Dockerfile"))
    assert len(dockerfiles) >= 2, "each service needs its own Dockerfile"
    run([tool("hadolint"), "--failure-threshold", "warning", *dockerfiles], cwd=project)


def test_openapi_documents_are_valid(project: Path) -> None:
    documents = sorted((project / "contracts" / "openapi").glob("*.json"))
    assert documents, "the owner's OpenAPI document is missing"
    for document in documents:
        run([tool("openapi-spec-validator"), str(document)], cwd=project)


@pytest.fixture(scope="session")
def asyncapi_parser() -> Path:
    """The official AsyncAPI parser, installed from the npm registry into tests/integration."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        infra.unavailable("node and npm (for the official AsyncAPI parser)")
    if not (ASYNCAPI_VALIDATOR / "node_modules" / "@asyncapi" / "parser").is_dir():
        subprocess.run(
            [str(npm), "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=ASYNCAPI_VALIDATOR,
            check=True,
            capture_output=True,
            timeout=600,
        )
    return ASYNCAPI_VALIDATOR / "validate.mjs"


def test_asyncapi_document_passes_the_official_parser(project: Path, asyncapi_parser: Path) -> None:
    document = project / "contracts" / "asyncapi.yaml"
    assert document.is_file(), "an event-carrying project must describe its channels in AsyncAPI"
    done = run(["node", str(asyncapi_parser), str(document)], cwd=project)
    assert done.stdout.strip().splitlines()[-1].startswith("ok: AsyncAPI")


@pytest.fixture
def running_owner(project: Path, tmp_path: Path) -> Iterator[str]:
    """The owner service served by uvicorn on a free port, on its own SQLite database."""
    owner_pkg = "user_service"  # the template's default owner, as the fixture renders it
    port = infra.free_port()
    owner = ServiceProcess(
        "owner",
        uvicorn(f"{owner_pkg}.app:app", port),
        cwd=project / "services",
        env={"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'owner.db'}"},
        log_dir=tmp_path,
    ).start()
    try:
        wait_http(f"http://127.0.0.1:{port}/openapi.json", 60, owner)
        yield f"http://127.0.0.1:{port}"
    finally:
        owner.stop()


def test_schemathesis_finds_no_server_errors_in_the_owner(
    running_owner: str, project: Path
) -> None:
    schemathesis_finds_no_server_error(running_owner, project)
