"""Demo data for ``flask seed-demo``: believable, in all four languages.

``data``: what the demo's people are and did, as plain Python, one module
per city. ``seeder.seed``: does it all again through the same services the
site's users go through (``timeline``, ``attendance``, ``discussions``),
each step at its own moment on a frozen clock, and commits.
"""

from .seeder import seed

__all__ = ["seed"]
