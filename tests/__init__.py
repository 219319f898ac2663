"""The test suite; a package so that bench/ can import its support (tests.support)."""
