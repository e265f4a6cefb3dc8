"""The structure pipeline: turn the page upright, find its layout regions, read its text once, put each line in
its region, read each table's structure and fill its cells, and order the regions as the page is read."""

from dataclasses import dataclass, replace
from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np

from ..pipeline import OCRSystem, ReadSettings, TextLine
from ..runtime import PredictorOptions, runtime_options
from ..stages.geometry import Box, bounding_rectangle, box_area, crop_box, grown, holds_point, shifted
from ..stages.layout import LayoutDetector
from ..stages.table import TableStructureRecognizer, table_html
from .blocks import FIGURE, TABLE, TEXT, Block, PageStructure
from .region_order import region_order
from .table_bands import read_in_bands

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

    def read_settings(self, changes: Mapping[str, Any], word_boxes: bool = False,
                      max_side_limit: Optional[int] = None) -> ReadSettings:
        """The OCR's settings for one call, as ``OCRSystem.read_settings`` reads them (ValueError in a sentence)."""
        return self.ocr.read_settings(changes, word_boxes, max_side_limit)

    def layout_threshold(self, value: Optional[float]) -> Optional[float]:
        """A score a layout region needs for one call (None: the detector's own); ValueError, in a sentence, for
        one below the detector's own, which found the regions, or above 1."""
        own = self.layout.score_threshold
        if value is not None and not own <= value <= 1:
            raise ValueError("this server finds regions scoring at least %g (layout_score_threshold in config.json's "
                             "init_args); a request may ask for %g to 1, not %g" % (own, own, value))
        return value

    @staticmethod
    def settings(read: ReadSettings, tables: bool = True, layout_threshold: Optional[float] = None
                 ) -> StructureSettings:
        """Settings for one call: the OCR's ``read`` (pages turned upright as it says), whether tables are read, and
        a score a layout region needs (``layout_threshold``'s)."""
        return StructureSettings(read.upright, tables, read, layout_threshold)

    def tables(self, images: Sequence[np.ndarray], settings: ReadSettings = AS_BUILT) -> List[PageStructure]:
        """Each image read as one table: a page of one "table" block with its HTML and cells (turned upright
        first when ``settings.upright`` says, else as the OCR was built)."""
        upright, angles = self.ocr.turn_upright(images, settings.upright)
        readings = self.ocr.readings(upright, replace(settings, upright=False))
        pages = []
        for image, angle, reading in zip(upright, angles, readings):
            block = Block(TABLE, 1.0, (0.0, 0.0, float(image.shape[1]), float(image.shape[0])), reading.lines)
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
                blocks.append(Block(TEXT, 0.0, bounding_rectangle(line.region)))
                home = blocks[-1]
            home.lines.append(line)
        images: Dict[str, np.ndarray] = {}
        for block in blocks:
            if block.label == TABLE and settings.tables and _big_enough(block.box):
                self._fill_table(page, block)
            elif block.label == FIGURE and _big_enough(block.box):
                block.image = "imgs/img_in_figure_box_%d_%d_%d_%d.jpg" % tuple(int(v) for v in block.box)
                images[block.image] = crop_box(page, block.box)
        order = region_order([block.label for block in blocks], [_extent(block) for block in blocks])
        return PageStructure(angle, (page.shape[1], page.shape[0]), [blocks[i] for i in order], lines, images)

    def _fill_table(self, page: np.ndarray, block: Block) -> None:
        """Read the table in ``block``: its structure from its crop, with a margin (a tall one in bands), its
        cells filled with its lines."""
        box = grown(block.box, TABLE_MARGIN, page.shape)
        x1, y1 = int(round(box[0])), int(round(box[1]))
        boxes = [shifted(bounding_rectangle(line.region), -x1, -y1) for line in block.lines]
        structure = read_in_bands(self.table, crop_box(page, box), boxes, TABLE_MARGIN)
        block.html = table_html(structure, boxes, [(line.text, line.confidence) for line in block.lines])
        block.cells = structure.cells + np.array([x1, y1] * 4, dtype=np.float32)


def _home(blocks: Sequence[Block], quad: np.ndarray) -> Optional[Block]:
    """The smallest block holding the line's centre (tables and figures count too)."""
    x, y = float(quad[:, 0].mean()), float(quad[:, 1].mean())
    holding = [block for block in blocks if holds_point(block.box, x, y)]
    return min(holding, key=lambda block: box_area(block.box)) if holding else None


def _extent(block: Block) -> Box:
    """Where a block's text is, for the reading order: its lines' rectangle (a region's box is often looser, and
    the gutters the order cuts through are the ones its lines leave), its box when it has none."""
    if block.label in (FIGURE, TABLE) or not block.lines:
        return block.box
    return bounding_rectangle(np.concatenate([line.region for line in block.lines]))


def _big_enough(box: Box) -> bool:
    return box[2] - box[0] >= _MIN_SIDE and box[3] - box[1] >= _MIN_SIDE

