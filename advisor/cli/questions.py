"""`advisor questions` and `advisor schema`: the catalogue and the answers file's schema."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import typer


def register(app: typer.Typer) -> None:
    """Add the `questions` and `schema` commands to the app."""

    @app.command("questions")
    def list_questions(
        output: Annotated[
            Literal["text", "json"], typer.Option("--format", help="text or json.")
        ] = "text",
    ) -> None:
        """List the questions: key, flag, type, choices, default."""
        from advisor.questions.model import questions

        rows: list[dict[str, Any]] = [
            {
                "key": q.key,
                "flag": q.flag,
                "type": q.type,
                "choices": list(q.choices),
                "required": q.required,
                "default": q.default,
                "prompt": q.prompt,
                "help": q.help,
            }
            for q in questions()
        ]
        if output == "json":
            typer.echo(json.dumps(rows, indent=2))
            return
        for row in rows:
            kind = "|".join(row["choices"]) if row["choices"] else row["type"]
            need = "required" if row["required"] else f"default {json.dumps(row['default'])}"
            typer.echo(f"{row['key']} ({row['flag']}): {kind}, {need}")
            typer.echo(f"    {row['prompt']}")

    @app.command("schema")
    def schema() -> None:
        """Print the JSON Schema of an answers file."""
        from advisor.questions.model import answers_schema

        typer.echo(json.dumps(answers_schema(), indent=2, sort_keys=True))
