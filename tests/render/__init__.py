"""Tests of advisor.render."""
