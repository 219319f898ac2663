"""{{ cookiecutter.owner }}: owns the {{ cookiecutter.entity }} data and is the only writer of it."""
