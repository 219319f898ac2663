"""Refuse bad options before anything is rendered: plain cookiecutter runs skip advisor's checks.

The check itself is microservices_rules.first_problem, the one advisor's own validation
calls; it ran while this hook was rendered, and its answer is the line below.
"""

import sys

PROBLEM = {{ project_problem(cookiecutter) | json_str }}

if PROBLEM:
    sys.stderr.write(f"error: {PROBLEM}\n")
    sys.exit(1)
