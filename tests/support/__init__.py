"""Helpers for tests that run real infrastructure (brokers, databases, service processes)."""
