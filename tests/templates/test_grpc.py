"""The api pattern over gRPC (``api=grpc``): rendered, linted, checked and run.

Each project runs its own suite, which starts the owner's real gRPC server on a free port
and calls it with the consumer's real client (deadline exceeded, retry on UNAVAILABLE, the
breaker opening, INVALID_ARGUMENT for hostile input, the health service). The contract
passes ``buf lint`` (the buf CLI from PyPI's buf-bin), and ``advisor check`` finds a stub
call whose deadline is taken away.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException
from tests.support.projects import render_project

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
#: The api pattern alone, and with every other pattern (a broker, the SDK and the BFF too).
CASES = {
    "api": {"patterns": "api"},
    "all": {"patterns": "api,event,replica,sdk", "broker": "rabbitmq", "bff": "yes"},
}
#: The project's own tests that prove the gRPC behaviour the issue asks for.
OWN_TESTS = (
    "test_the_client_reads_over_grpc",
    "test_a_slow_owner_meets_the_deadline",
    "test_unavailable_is_retried_by_the_service_config",
    "test_other_failures_are_not_retried",
    "test_the_breaker_opens_and_the_fallback_answers",
    "test_a_bad_id_does_not_open_the_breaker",
    "test_the_health_service_answers_serving",
    "test_reflection_is_off_unless_asked_for",
)
NEW_FILES = (
    "services/user_service/grpc_server.py",
    "services/order_service/client.py",
    "tests/test_grpc.py",
    "tools/grpc_stubs.py",
)


def render(out: Path, **values: str) -> Path:
    return render_project(out / "render", **values)


def own_suite(project: Path) -> str:
    """The project's own suite, verbose, which must pass; its output."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("grpc")
    return {name: render(base / name, api="grpc", **values) for name, values in CASES.items()}


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False, timeout=300)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_contract_is_versioned_and_passes_buf_lint(
    projects: dict[str, Path], case: str
) -> None:
    project = projects[case]
    proto = project / "contracts" / "proto" / "user" / "v1" / "user.proto"
    assert "package user.v1;" in proto.read_text("utf-8")
    done = _run([str(BIN / "buf"), "lint"], project)
    assert done.returncode == 0, done.stdout + done.stderr
    # buf lint is not a rubber stamp: a package that does not match its folder fails it.
    broken = project.parent / "broken"
    subprocess.run(["cp", "-r", str(project), str(broken)], check=True)
    moved = broken / "contracts" / "proto" / "user" / "v1" / "user.proto"
    moved.write_text(moved.read_text("utf-8").replace("package user.v1;", "package users;"))
    assert _run([str(BIN / "buf"), "lint"], broken).returncode != 0


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_stubs_are_generated_not_committed(projects: dict[str, Path], case: str) -> None:
    project = projects[case]
    assert not list(project.rglob("*_pb2*.py")), "stubs must not be rendered"
    assert "gen/" in (project / ".gitignore").read_text("utf-8").splitlines()
    makefile = (project / "Makefile").read_text("utf-8")
    assert "stubs: $(STAMP)\n\t$(BIN)/python tools/grpc_stubs.py" in makefile
    assert "$(BIN)/buf lint" in makefile
    # The tests generate them before they start (`python -m pytest` in the workflow).
    assert 'tools" / "grpc_stubs.py' in (project / "tests" / "conftest.py").read_text("utf-8")


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_project_passes_ruff_its_own_suite_and_advisor_check(
    projects: dict[str, Path], case: str
) -> None:
    project = projects[case]
    lint = _run([str(BIN / "ruff"), "check", "--no-cache", "."], project)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    formatted = _run([str(BIN / "ruff"), "format", "--check", "--no-cache", *NEW_FILES], project)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    output = own_suite(project)
    for test in OWN_TESTS:
        assert f"tests/test_grpc.py::{test} PASSED" in output, test
    hostile = [line for line in output.splitlines() if "invalid_argument" in line]
    assert len(hostile) >= 20 and all("PASSED" in line for line in hostile), hostile
    assert list((project / "gen").rglob("user_pb2_grpc.py")), "the suite generated the stubs"
    # With the stubs generated, as in the project's CI, advisor check finds nothing ...
    check = _run([sys.executable, "-m", "advisor", "check", ".", "--format", "json"], project)
    assert json.loads(check.stdout)["findings"] == [], check.stdout
    # ... until a call to the owner loses its deadline.
    client = project / "services" / "order_service" / "client.py"
    text = client.read_text("utf-8")
    client.write_text(text.replace("timeout=self._deadline", "metadata=()"))
    check = _run([sys.executable, "-m", "advisor", "check", ".", "--format", "json"], project)
    client.write_text(text)
    [finding] = json.loads(check.stdout)["findings"]
    assert (finding["id"], finding["path"]) == (
        "missing-timeout",
        "services/order_service/client.py",
    )
    assert "gRPC stub .GetUser" in finding["message"]


def test_the_consumer_s_client_is_the_grpc_one_and_the_bff_keeps_http(
    projects: dict[str, Path],
) -> None:
    project = projects["all"]
    consumer = (project / "services" / "order_service" / "client.py").read_text("utf-8")
    bff = (project / "services" / "order_bff" / "client.py").read_text("utf-8")
    assert "grpc.aio" in consumer and "import httpx" not in consumer
    assert "import httpx" in bff and "grpc" not in bff
    for service in ("user_service", "order_service"):
        requirements = (project / "services" / service / "requirements.txt").read_text("utf-8")
        assert "grpcio>=" in requirements and "grpcio-tools>=" in requirements, service
    env = (project / ".env.example").read_text("utf-8")
    assert "GRPC_REFLECTION=0" in env and "OWNER_GRPC_TARGET=" in env


@pytest.mark.parametrize("patterns", ["event", "sdk", "event,replica"])
def test_the_hook_refuses_grpc_without_the_api_pattern(tmp_path: Path, patterns: str) -> None:
    with pytest.raises(FailedHookException):
        render(tmp_path, patterns=patterns, api="grpc")
    assert not list((tmp_path / "render").glob("*"))
