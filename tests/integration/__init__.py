"""Tests against the real brokers and databases on this machine."""
