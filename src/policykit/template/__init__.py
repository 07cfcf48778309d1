"""The template the bundled documents share, as data: Arabic-aware words, document outlines, their alignment."""

from __future__ import annotations

from .align import Deviation, Template, derive_template, deviations, family, match
from .outline import Outline, outline_of, outline_text

__all__ = ["Deviation", "Outline", "Template", "derive_template", "deviations", "family", "match", "outline_of",
           "outline_text"]
