"""Typed client of {{ cookiecutter.owner }}."""

from {{ cookiecutter.__sdk_pkg }}.client import {{ cookiecutter.entity }}Client, NotFound, SdkError
from {{ cookiecutter.__sdk_pkg }}.models import (
    {{ cookiecutter.entity }},
    {{ cookiecutter.entity }}In,
    {{ cookiecutter.entity }}Page,
)

__version__ = "1.0.0"
__all__ = [
    "{{ cookiecutter.entity }}",
    "{{ cookiecutter.entity }}Client",
    "{{ cookiecutter.entity }}In",
    "{{ cookiecutter.entity }}Page",
    "NotFound",
    "SdkError",
]
