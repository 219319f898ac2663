"""Tests of advisor.engine."""
