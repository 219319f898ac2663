"""Questions: the catalogue, the answers model, answers files and the wizard."""
