"""The rules engine: load ``rules/*.yaml`` and evaluate them over answers."""
