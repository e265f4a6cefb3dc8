"""The wire contract of PaddleX 3.7.2's document endpoints: ``POST /layout-parsing`` (the PP-StructureV3 pipeline's,
which the official MCP server's PP-StructureV3 mode calls) and ``POST /table-recognition``. Requests are read as
PaddleX reads them (``contract``'s rules); answers come in ``contract``'s envelope."""

from typing import Dict, List, Optional, Tuple, Union

from pydantic import BaseModel

from .contract import DocumentRequest, ImageInfo, PDFInfo

# Switches for models this server does not ship: true is refused in a sentence naming what is missing. Not
# useChartRecognition, which the official MCP server sends true by default: with it, a chart stays a figure (its
# image in the Markdown), model_settings says use_chart_recognition false, and the log says so.
NOT_SHIPPED = {
    "useDocUnwarping": "document unwarping model",
    "useSealRecognition": "seal recognition model",
    "useFormulaRecognition": "formula recognition model",
    "useRegionDetection": "region detection model",
    "useWiredTableCellsTransToHtml": "wired table cell model",
    "useWirelessTableCellsTransToHtml": "wireless table cell model",
    "useE2eWiredTableRecModel": "wired table model (SLANet_plus reads every table)",
    "useTableOrientationClassify": "table orientation model",
}


class LayoutParsingRequest(DocumentRequest):
    """``POST /layout-parsing``'s body (PP-StructureV3). The layout thresholds are PaddleX's; ``layoutThreshold``
    takes one number here (a per-class dict is refused)."""

    useTextlineOrientation: Optional[bool] = None
    useSealRecognition: Optional[bool] = None
    useTableRecognition: Optional[bool] = None
    useFormulaRecognition: Optional[bool] = None
    useChartRecognition: Optional[bool] = None
    useRegionDetection: Optional[bool] = None
    formatBlockContent: Optional[bool] = None
    layoutThreshold: Optional[Union[float, dict]] = None
    layoutNms: Optional[bool] = None
    layoutUnclipRatio: Optional[Union[float, Tuple[float, float], dict]] = None
    layoutMergeBboxesMode: Optional[Union[str, dict]] = None
    useWiredTableCellsTransToHtml: bool = False
    useWirelessTableCellsTransToHtml: bool = False
    useTableOrientationClassify: bool = False  # PaddleX's default is true, but this server has no such model
    useOcrResultsWithTableCells: bool = True
    useE2eWiredTableRecModel: bool = False
    useE2eWirelessTableRecModel: bool = True
    markdownIgnoreLabels: Optional[List[str]] = None
    prettifyMarkdown: bool = True
    showFormulaNumber: bool = False
    returnMarkdownImages: bool = True
    outputFormats: Optional[List[str]] = None
    # PaddleOCR-VL's names: a table going on across a page break joined; titles levelled over the whole document.
    mergeTables: bool = True
    relevelTitles: bool = True


class TableRecognitionRequest(DocumentRequest):
    """``POST /table-recognition``'s body: with ``useLayoutDetection`` (the default) the tables are found on the page
    first, else the whole image is one table."""

    useLayoutDetection: Optional[bool] = None
    useOcrModel: Optional[bool] = None
    useOcrResultsWithTableCells: bool = False


class MarkdownData(BaseModel):
    text: str
    isStart: bool
    isEnd: bool
    images: Optional[Dict[str, str]] = None  # image name in the text -> base64 JPEG


class LayoutParsingResult(BaseModel):
    prunedResult: dict
    markdown: MarkdownData
    outputImages: Optional[Dict[str, str]] = None
    inputImage: Optional[str] = None


class LayoutParsingAnswer(BaseModel):
    """``result`` of a successful ``POST /layout-parsing``: one item per image or PDF page."""

    layoutParsingResults: List[LayoutParsingResult]
    dataInfo: Union[ImageInfo, PDFInfo]


class TableRecResult(BaseModel):
    prunedResult: dict
    outputImages: Optional[Dict[str, str]] = None
    inputImage: Optional[str] = None


class TableRecognitionAnswer(BaseModel):
    """``result`` of a successful ``POST /table-recognition``: one item per image or PDF page."""

    tableRecResults: List[TableRecResult]
    dataInfo: Union[ImageInfo, PDFInfo]
