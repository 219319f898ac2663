"""advisor: advice and scaffolding for sharing data between microservices."""

__version__ = "0.2.0"

__all__ = ["__version__"]
