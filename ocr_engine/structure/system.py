"""The structure pipeline: turn the page upright, find its layout regions, read its text once, put each line in
its region, read each table's structure and fill its cells, and order the regions as the page is read."""

from dataclasses import dataclass, replace
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from ..pipeline import OCRSystem, ReadSettings, TextLine
from ..runtime import PredictorOptions, runtime_options
from ..stages.layout import LayoutDetector
from ..stages.page_order import region_order
from ..stages.table import TableStructureRecognizer, table_html
from .blocks import Block, Box, PageStructure

AS_BUILT = ReadSettings()
# White space kept around a table's region when it is cut out for the table model: a crop tight to the ruling made
# SLANet_plus add an empty first row (TEDS 0.83-0.89 on the tests' report pages), one with a 10 px margin did not.
TABLE_MARGIN = 10
# Tables and figures smaller than this (pixels a side) are not read as such.
_MIN_SIDE = 8


@dataclass(frozen=True)
class StructureSettings:
    """What one call may change (None: as built): page orientation, whether tables are read, and the OCR's
    reading settings (their ``upright`` aside: the pages are turned before layout)."""

    orientation: Optional[bool] = None
    tables: bool = True
    read: ReadSettings = ReadSettings()
    layout_threshold: Optional[float] = None  # a higher score a region needs than the detector's own


class StructureSystem:
    """Documents as structure: BGR pages in, one ``PageStructure`` each out. Its models are the shared runtime's:
    an OCRSystem of the same options shares its detector and recogniser."""

    def __init__(self, ocr: OCRSystem, layout: LayoutDetector, table: TableStructureRecognizer):
        self.ocr, self.layout, self.table = ocr, layout, table

    @classmethod
    def from_params(cls, params: Mapping[str, Any], runtime: Optional[PredictorOptions] = None) -> "StructureSystem":
        """The structure pipeline of a merged params dict, every model run as ``runtime`` says."""
        runtime = runtime or runtime_options(params)
        return cls(OCRSystem.from_params(params, runtime), LayoutDetector.from_params(params, runtime),
                   TableStructureRecognizer.from_params(params, runtime))

    def tables(self, images: Sequence[np.ndarray], settings: ReadSettings = AS_BUILT) -> List[PageStructure]:
        """Each image read as one table: a page of one "table" block with its HTML and cells (turned upright
        first when ``settings.upright`` says, else as the OCR was built)."""
        upright, angles = self.ocr.turn_upright(images, settings.upright)
        readings = self.ocr.readings(upright, replace(settings, upright=False))
        pages = []
        for image, angle, reading in zip(upright, angles, readings):
            block = Block("table", 1.0, (0.0, 0.0, float(image.shape[1]), float(image.shape[0])), reading.lines)
            self._fill_table(image, block)
            pages.append(PageStructure(angle or 0, (image.shape[1], image.shape[0]), [block], reading.lines))
        return pages

    def __call__(self, pages: Sequence[np.ndarray], settings: StructureSettings = StructureSettings()
                 ) -> List[PageStructure]:
        """Read each page as structure."""
        upright, angles = self.ocr.turn_upright(pages, settings.orientation)
        readings = self.ocr.readings(upright, replace(settings.read, upright=False))  # turned here already
        return [self._page(page, angle or 0, reading.lines, settings)
                for page, angle, reading in zip(upright, angles, readings)]

    def _page(self, page: np.ndarray, angle: int, lines: List[TextLine], settings: StructureSettings) -> PageStructure:
        least = settings.layout_threshold or 0.0
        blocks = [Block(region.label, region.score, region.box)
                  for region in self.layout(page) if region.score >= least]
        for line in lines:
            home = _home(blocks, line.region)
            if home is None:  # a line outside every region is a block of its own, so that no text is lost
                blocks.append(Block("text", 0.0, _rectangle(line.region)))
                home = blocks[-1]
            home.lines.append(line)
        images: Dict[str, np.ndarray] = {}
        for block in blocks:
            if block.label == "table" and settings.tables and _big_enough(block.box):
                self._fill_table(page, block)
            elif block.label == "figure" and _big_enough(block.box):
                block.image = "imgs/img_in_figure_box_%d_%d_%d_%d.jpg" % tuple(int(v) for v in block.box)
                images[block.image] = _crop(page, block.box)
        order = region_order([block.label for block in blocks], [block.box for block in blocks])
        return PageStructure(angle, (page.shape[1], page.shape[0]), [blocks[i] for i in order], lines, images)

    def _fill_table(self, page: np.ndarray, block: Block) -> None:
        """Read the table in ``block``: its structure from its crop, with a margin, its cells filled with its
        lines."""
        box = _grown(block.box, TABLE_MARGIN, page.shape)
        x1, y1 = int(round(box[0])), int(round(box[1]))
        structure = self.table(_crop(page, box))
        boxes = [_shifted(_rectangle(line.region), -x1, -y1) for line in block.lines]
        block.html = table_html(structure, boxes, [(line.text, line.confidence) for line in block.lines])
        block.cells = structure.cells + np.array([x1, y1] * 4, dtype=np.float32)


def _home(blocks: Sequence[Block], quad: np.ndarray) -> Optional[Block]:
    """The smallest block holding the line's centre (tables and figures count too)."""
    x, y = quad[:, 0].mean(), quad[:, 1].mean()
    holding = [b for b in blocks if b.box[0] <= x <= b.box[2] and b.box[1] <= y <= b.box[3]]
    return min(holding, key=lambda b: (b.box[2] - b.box[0]) * (b.box[3] - b.box[1])) if holding else None


def _rectangle(quad: np.ndarray) -> Box:
    return float(quad[:, 0].min()), float(quad[:, 1].min()), float(quad[:, 0].max()), float(quad[:, 1].max())


def _grown(box: Box, margin: float, shape: Tuple[int, ...]) -> Box:
    return (max(0.0, box[0] - margin), max(0.0, box[1] - margin), min(float(shape[1]), box[2] + margin),
            min(float(shape[0]), box[3] + margin))


def _shifted(box: Box, dx: float, dy: float) -> Box:
    return box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy


def _big_enough(box: Box) -> bool:
    return box[2] - box[0] >= _MIN_SIDE and box[3] - box[1] >= _MIN_SIDE


def _crop(page: np.ndarray, box: Box) -> np.ndarray:
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    return np.ascontiguousarray(page[max(0, y1) : y2, max(0, x1) : x2])

