"""The microservices template renders for every combination, and each rendered project works.

Each pattern set is rendered on one broker (the brokers taking turns) and each broker with
every pattern: not the whole product, which would grow with each broker and cost the CI
budget a full project suite per pair. On each project run ruff, ``advisor check`` and the
generated project's own test suite.
"""

from __future__ import annotations

import ast
import itertools
import json
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter
from packaging.requirements import Requirement
from tests.support.projects import broker_profiles

from advisor import __version__

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "templates" / "microservices"
BIN = Path(sys.executable).parent
PATTERNS = ("api", "event", "replica", "sdk")
BROKERS = tuple(broker_profiles())


def _combinations() -> list[str]:
    """Non-empty pattern sets, minus those with replica but no event (replica implies event)."""
    found = []
    for size in range(1, len(PATTERNS) + 1):
        for combo in itertools.combinations(PATTERNS, size):
            if "replica" in combo and "event" not in combo:
                continue
            found.append(",".join(combo))
    return found


COMBINATIONS = _combinations()
FULL = ",".join(PATTERNS)


def _matrix() -> list[tuple[str, str]]:
    """(patterns, broker) pairs: each pattern set on one broker, each broker on the full set."""
    pairs = [(patterns, BROKERS[i % len(BROKERS)]) for i, patterns in enumerate(COMBINATIONS)]
    return pairs + [(FULL, broker) for broker in BROKERS if (FULL, broker) not in pairs]


MATRIX = _matrix()


def render(out: Path, **values: str) -> Path:
    """Render the template with cookiecutter's Python API; return the project folder."""
    config = out / "cookiecutter-config.yml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"replay_dir: {str(out / 'replay')!r}\n", encoding="utf-8")
    result = cookiecutter(
        str(TEMPLATE),
        no_input=True,
        extra_context=values,
        output_dir=str(out / "render"),
        config_file=str(config),
    )
    return Path(result)


def own_suite(project: Path, verbosity: str = "-q") -> str:
    """Run the generated project's own test suite, which must pass; its output."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", verbosity, "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Every pair of the matrix, rendered once for the module."""
    base = tmp_path_factory.mktemp("combos")
    projects = {}
    for patterns, broker in MATRIX:
        out = base / f"{patterns.replace(',', '-')}-{broker}"
        projects[(patterns, broker)] = render(out, patterns=patterns, broker=broker)
    return projects


def test_there_are_eleven_valid_combinations() -> None:
    assert len(COMBINATIONS) == 11
    assert "replica" not in COMBINATIONS


def test_the_matrix_covers_each_pattern_set_and_each_broker_with_every_pattern() -> None:
    assert {patterns for patterns, _ in MATRIX} == set(COMBINATIONS)
    assert {broker for patterns, broker in MATRIX if patterns == FULL} == set(BROKERS)
    event_sets = {broker for patterns, broker in MATRIX if "event" in patterns.split(",")}
    assert event_sets == set(BROKERS), "each broker also carries some smaller event set"
    assert len(MATRIX) == len(COMBINATIONS) + len(BROKERS) - 1


def test_every_combination_passes_ruff(rendered: dict[tuple[str, str], Path]) -> None:
    for (patterns, broker), project in rendered.items():
        done = subprocess.run(
            [str(BIN / "ruff"), "check", "--no-cache", "."],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"{patterns} / {broker}:\n{done.stdout}{done.stderr}"


def test_every_combination_passes_advisor_check(rendered: dict[tuple[str, str], Path]) -> None:
    for (patterns, broker), project in rendered.items():
        done = subprocess.run(
            [sys.executable, "-m", "advisor", "check", str(project), "--format", "json"],
            capture_output=True,
            text=True,
            check=False,
        )
        report = json.loads(done.stdout)
        errors = [f for f in report["findings"] if f["level"] == "error"]
        assert errors == [], f"{patterns} / {broker}: {errors}"
        assert done.returncode == 0


def test_the_workflow_installs_this_advisor_and_its_check_passes(
    rendered: dict[tuple[str, str], Path],
) -> None:
    ours = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    for (patterns, broker), project in rendered.items():
        workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text("utf-8"))
        [step] = [
            s for s in workflow["jobs"]["test"]["steps"] if "advisor check" in s.get("run", "")
        ]
        install, check, *_ = step["run"].strip().splitlines()
        assert shlex.split(install)[-1] == "$ADVISOR_REQUIREMENT", install
        wanted = Requirement(workflow["env"]["ADVISOR_REQUIREMENT"])
        # The step must install this distribution (not PyPI's unrelated "advisor"), and the
        # version rendering the project must satisfy it.
        assert wanted.name == ours["name"], install
        assert wanted.specifier.contains(__version__), install
        done = subprocess.run(
            [str(BIN / "advisor"), *shlex.split(check)[1:]],
            cwd=project,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, f"{patterns} / {broker}:\n{done.stdout}{done.stderr}"


def test_the_tree_follows_the_patterns(rendered: dict[tuple[str, str], Path]) -> None:
    for (patterns, broker), project in rendered.items():
        chosen = set(patterns.split(","))
        event = "event" in chosen
        files = {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()}
        assert "contracts/openapi/user-service.json" in files
        assert "services/user_service/app.py" in files
        assert ("services/user_service/relay.py" in files) is event
        assert ("services/order_service/consumer.py" in files) is event
        assert ("contracts/events/user.upserted/v1.schema.json" in files) is event
        assert ("contracts/asyncapi.yaml" in files) is event
        assert ("services/order_service/projector.py" in files) is ("replica" in chosen)
        assert ("libs/user-sdk/user_sdk/client.py" in files) is ("sdk" in chosen)
        has_client = bool(chosen & {"api", "sdk"})
        assert ("services/order_service/client.py" in files) is has_client
        assert not [f for f in files if "bff" in f]  # the BFF is an option, off by default
        assert any(f.startswith("docs/adr/0001-") for f in files)
        assert not [p for p in project.rglob("*") if p.is_dir() and not any(p.iterdir())]
        assert not [
            p
            for p in project.rglob("*")
            if p.is_file() and not p.read_bytes().strip() and p.name != "py.typed"
        ]
        # Only advisor writes the project record (tests/test_record.py); cookiecutter does not.
        assert not (project / ".advisor-answers.yml").exists()
        compose = yaml.safe_load((project / "docker-compose.yml").read_text("utf-8"))
        # RabbitMQ's streams run on the RabbitMQ service: profiles may share a service.
        ours = broker_profiles()[broker]["compose"]["service"]
        for name, profile in broker_profiles().items():
            service = profile["compose"]["service"]
            assert (service in compose["services"]) is (event and service == ours), name


@pytest.mark.parametrize(("patterns", "broker"), MATRIX)
def test_the_generated_project_passes_its_own_tests(
    rendered: dict[tuple[str, str], Path], patterns: str, broker: str
) -> None:
    output = own_suite(rendered[(patterns, broker)])
    assert " passed" in output
    assert " failed" not in output


BFF_PATTERNS = ("api", "sdk")


@pytest.fixture(scope="module")
def rendered_bff(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The BFF on, with each HTTP pattern alone (it touches neither broker nor database)."""
    base = tmp_path_factory.mktemp("bff")
    return {p: render(base / p, patterns=p, bff="yes") for p in BFF_PATTERNS}


@pytest.mark.parametrize("patterns", BFF_PATTERNS)
def test_a_project_with_the_bff_passes_ruff_advisor_check_and_its_own_tests(
    rendered_bff: dict[str, Path], patterns: str
) -> None:
    project = rendered_bff[patterns]
    lint = subprocess.run(
        [str(BIN / "ruff"), "check", "--no-cache", "."], cwd=project, capture_output=True, text=True
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    check = subprocess.run(
        [sys.executable, "-m", "advisor", "check", str(project), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert json.loads(check.stdout)["findings"] == [], check.stdout
    assert check.returncode == 0
    output = own_suite(project, "-v")
    for test in (
        "test_the_page_composes_the_owner_and_the_consumer",
        "test_owner_down_serves_the_last_value_read_marked_as_cache",
        "test_consumer_down_leaves_its_part_out",
    ):
        assert f"tests/test_bff.py::{test} PASSED" in output


@pytest.mark.parametrize("patterns", BFF_PATTERNS)
def test_the_bff_is_a_service_of_its_own(rendered_bff: dict[str, Path], patterns: str) -> None:
    project = rendered_bff[patterns]
    bff = project / "services" / "order_bff"
    names = {p.name for p in bff.iterdir()}
    assert {"app.py", "client.py", "consumer_client.py", "Dockerfile", "requirements.txt"} <= names
    assert (project / "tests" / "test_bff.py").is_file()
    # The resilient client is the consumer's, rendered from one partial, not a copy.
    ours = (bff / "client.py").read_text("utf-8")
    theirs = (project / "services" / "order_service" / "client.py").read_text("utf-8")
    assert ours.replace("order_bff.", "order_service.") == theirs
    dockerfile = (bff / "Dockerfile").read_text("utf-8")
    assert "FROM python:3.12-slim" in dockerfile and "\nUSER app\n" in dockerfile
    assert "COPY services/order_bff " in dockerfile and "HEALTHCHECK" in dockerfile
    requirements = (bff / "requirements.txt").read_text("utf-8")
    assert "purgatory" in requirements and "tenacity" in requirements
    assert "sqlalchemy" not in requirements and "faststream" not in requirements
    compose = yaml.safe_load((project / "docker-compose.yml").read_text("utf-8"))["services"]
    service = compose["order-bff"]
    assert service["build"]["dockerfile"] == "services/order_bff/Dockerfile"
    assert "healthcheck" in service
    assert service["depends_on"] == {
        "user-service": {"condition": "service_healthy"},
        "order-service": {"condition": "service_healthy"},
    }
    assert set(service["environment"]) == {"OWNER_URL", "CONSUMER_URL"}
    makefile = (project / "Makefile").read_text("utf-8")
    assert "uvicorn order_bff.app:app --port $(BFF_PORT) &" in makefile
    assert "BFF_PORT ?= 8003" in makefile
    readme = (project / "README.md").read_text("utf-8")
    assert "## Backend for frontend" in readme and "BFF[order-bff]" in readme


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"bff": "yes", "patterns": "event,replica"}, FailedHookException),
        ({"bff": "yes", "patterns": "api", "owner": "order-bff"}, FailedHookException),
        ({"bff": "maybe"}, ValueError),
    ],
)
def test_the_hooks_refuse_a_bff_that_cannot_work(
    tmp_path: Path, values: dict[str, str], expected: type[Exception]
) -> None:
    with pytest.raises(expected):
        render(tmp_path, **values)
    assert not list((tmp_path / "render").glob("*/services"))


def test_custom_names_and_field_types_work(tmp_path: Path) -> None:
    project = render(
        tmp_path,
        name="Billing",
        # Dashed, and not ending in -service: its SDK package is still an identifier.
        owner="customer-profile",
        consumer="invoice-service",
        entity="Account",
        fields="holder:str,balance:float,age:int,active:bool",
        patterns="api,event,replica,sdk",
        broker="rabbitmq",
    )
    assert (project / "services" / "customer_profile" / "app.py").is_file()
    sdk = project / "libs" / "customer-profile-sdk" / "customer_profile_sdk" / "client.py"
    assert sdk.is_file()
    own_suite(project)


def test_a_hostile_project_name_renders_valid_files(tmp_path: Path) -> None:
    name = "Quotes \" and ' back\\slash é 🚀"
    project = render(tmp_path, name=name, patterns="api,event,replica,sdk")
    for path in project.rglob("*.py"):
        ast.parse(path.read_text("utf-8"), filename=str(path))
    for path in project.rglob("*.toml"):
        tomllib.loads(path.read_text("utf-8"))
    for path in [*project.rglob("*.yml"), *project.rglob("*.yaml")]:
        yaml.safe_load(path.read_text("utf-8"))
    for path in project.rglob("*.json"):
        json.loads(path.read_text("utf-8"))
    pyproject = tomllib.loads((project / "pyproject.toml").read_text("utf-8"))
    assert pyproject["project"]["description"] == name
    asyncapi = yaml.safe_load((project / "contracts" / "asyncapi.yaml").read_text("utf-8"))
    assert asyncapi["info"]["title"] == f"{name} events"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("entity", "user"),
        ("entity", "Bad-Name"),
        ("entity", "class"),
        ("owner", "../evil"),
        ("owner", "Owner Service"),
        ("consumer", "x'; import os"),
        ("consumer", "user-service"),
        ("fields", "class:str"),
        ("fields", "name:decimal"),
        ("fields", "Name:str"),
        ("patterns", "api,gossip"),
        ("broker", "pulsar"),
        ("compatibility", "SOMETIMES"),
    ],
)
def test_the_pre_gen_hook_rejects_bad_values(tmp_path: Path, key: str, value: str) -> None:
    # cookiecutter itself refuses a value outside a choice list (broker, compatibility).
    expected = ValueError if key in {"broker", "compatibility"} else FailedHookException
    with pytest.raises(expected):
        render(tmp_path, **{key: value})
    assert not list((tmp_path / "render").glob("*/services"))


def test_plain_cookiecutter_cli_reports_a_bad_entity(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text(f"replay_dir: {str(tmp_path / 'replay')!r}\n", encoding="utf-8")
    done = subprocess.run(
        [
            str(BIN / "cookiecutter"),
            str(TEMPLATE),
            "--no-input",
            "--output-dir",
            str(tmp_path),
            "entity=Not A Class",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={"COOKIECUTTER_CONFIG": str(config), "PATH": str(BIN)},
    )
    assert done.returncode != 0
    assert "entity" in done.stderr
    assert "PascalCase" in done.stderr
