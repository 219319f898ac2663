"""The wizard: asks the user at a terminal, beside the CLI and above the rules engine."""
