"""Tests of advisor.wizard."""
