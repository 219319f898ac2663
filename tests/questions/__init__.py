"""Tests of advisor.questions."""
