"""Rendering a project: the validated spec (``context``) and the atomic render (``scaffold``)."""

from advisor.render.context import ProjectSpec, make_spec, spec_from_recommendation
from advisor.render.scaffold import default_template_dir, render

__all__ = ["ProjectSpec", "default_template_dir", "make_spec", "render", "spec_from_recommendation"]
