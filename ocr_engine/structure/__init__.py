"""Documents as structure (the structure_* modules, ``/layout-parsing``, ``/table-recognition``): ``system`` runs
the stages (page orientation, layout, OCR, tables, reading order), ``blocks`` holds what a page is made of and the
layout labels it treats apart, ``region_order`` the reading order of a page's regions, and ``markdown`` writes a
page's blocks as Markdown."""

from .blocks import Block, PageStructure
from .markdown import page_markdown
from .system import StructureSettings, StructureSystem

__all__ = ["Block", "PageStructure", "StructureSettings", "StructureSystem", "page_markdown"]
