"""Tests of the cookiecutter template: rendered projects and their own suites."""
