"""Generate the gRPC stubs of contracts/proto into gen/ with grpcio-tools (never committed).

Run by ``make stubs``, by the tests before they start (tests/conftest.py) and when an image
is built (the Dockerfiles). The contract's files are mapped under ``{{ cookiecutter.__grpc_pkg }}/`` so
the stubs import as ``{{ cookiecutter.__grpc_pkg }}.<package>``, a name no service or library takes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = ROOT / "contracts" / "proto"
OUT = ROOT / "gen"
PREFIX = "{{ cookiecutter.__grpc_pkg }}"


def main() -> int:
    """Compile every .proto file under contracts/proto; 0 when protoc succeeds."""
    OUT.mkdir(exist_ok=True)
    protos = sorted(str(path.relative_to(CONTRACTS)) for path in CONTRACTS.rglob("*.proto"))
    args = [
        "grpc_tools.protoc",
        f"-I{PREFIX}={CONTRACTS}",
        f"--python_out={OUT}",
        f"--grpc_python_out={OUT}",
        f"--pyi_out={OUT}",
        *(f"{PREFIX}/{name}" for name in protos),
    ]
    return protoc.main(args)


if __name__ == "__main__":
    sys.exit(main())
