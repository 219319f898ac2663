"""Renderings of advisor results for other tools (SARIF)."""
