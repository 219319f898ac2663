"""Tests of advisor.checks."""
