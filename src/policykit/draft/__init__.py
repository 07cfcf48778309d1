"""`policykit draft`: a first policy file for a document that is not bundled, aligned with the known ones."""

from __future__ import annotations

from .write import draft_file, draft_text

__all__ = ["draft_file", "draft_text"]
