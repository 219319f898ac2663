"""Tests of advisor.report."""
