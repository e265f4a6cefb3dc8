"""What a page is made of once its structure is read: blocks (layout regions with their content) in reading order."""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..pipeline import TextLine
from ..stages.geometry import Box

# The layout model's region labels (CDLA's classes) that the pipeline treats apart; the others (figure_caption,
# table_caption, reference, equation) are read as text.
TEXT, TITLE, FIGURE, TABLE, HEADER, FOOTER = "text", "title", "figure", "table", "header", "footer"


@dataclass
class Block:
    """One region of a page: its layout label (CDLA's: text, title, figure, figure_caption, table, table_caption,
    header, footer, reference, equation), score and rectangle; the OCR lines inside it in reading order; a table's
    HTML and cells; a figure's image name (its crop, in ``PageStructure.images``)."""

    label: str
    score: float
    box: Box  # in pixels of the upright page
    lines: List[TextLine] = field(default_factory=list)
    html: Optional[str] = None
    cells: Optional[np.ndarray] = None  # a table's cell boxes, cells x 8 (four corners), in pixels of the page
    image: Optional[str] = None

    @property
    def texts(self) -> List[str]:
        """The block's lines' texts, in reading order."""
        return [line.text for line in self.lines]


@dataclass
class PageStructure:
    """One page read as structure: how far it was turned (0, 90, 180, 270 degrees clockwise; 0 when not classified), its
    size upright (width, height), its blocks in reading order, every OCR line read on it, and the figures' crops
    (BGR) by the name their blocks give."""

    angle: int
    size: Tuple[int, int]
    blocks: List[Block]
    lines: List[TextLine]
    images: Dict[str, np.ndarray] = field(default_factory=dict)

    def line_count(self) -> int:
        """How many lines were read on the page (``pipeline.Reading.line_count``'s twin), for a request's record."""
        return len(self.lines)
