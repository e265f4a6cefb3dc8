"""``POST /ocr``, PaddleX's OCR pipeline, answered by the ocr_system module's ``OCRSystem``: the request's file read
with its settings (``common.read_file``), each image or PDF page answered in PaddleX's ``prunedResult``, with the
drawn result when ``visualize``."""

import functools
from typing import List, Optional

import numpy as np

from ...pipeline import Reading, TextLine
from ...stages.geometry import region_json
from ...stages.orientation import turn_upright
from ..pdf import Page
from .common import OCRModule, data_info, jpeg_base64, pruned_result, read_file, read_settings, visualize
from .contract import OCR_PATH, OCRAnswer, OCRRequest, OCRResult


def infer(module: OCRModule, request: OCRRequest, api: str = OCR_PATH) -> OCRAnswer:
    """Read a checked ``/ocr`` request's file with ``module``'s pipeline: one result per image or PDF page, logged
    and counted under ``api`` (the job API reads its pages here under its own)."""
    pipeline = module.pipeline
    settings, answer = read_file(module, request, api, lambda: read_settings(request, pipeline),
                                 lambda chosen: functools.partial(pipeline.readings, settings=chosen),
                                 Reading.line_count)
    results = []
    for page, found in zip(answer.file.pages, answer.answers):
        reading = found if found is not None else text_layer_reading(page)
        image = upright_image(page.image, reading.page_angle)
        size = page.size if image is None else (image.shape[1], image.shape[0])
        result = OCRResult(prunedResult=pruned_result(reading, settings, size))
        if visualize(module, request) and page.image is not None and image is not None:
            result.ocrImage, result.inputImage = drawn(image, reading.lines), jpeg_base64(page.image)
            if reading.page_angle is not None:
                result.docPreprocessingImage = jpeg_base64(image)
        results.append(result)
    return OCRAnswer(ocrResults=results, dataInfo=data_info(answer.file))


def upright_image(image: Optional[np.ndarray], angle: Optional[int]) -> Optional[np.ndarray]:
    """The page as it was read: ``image`` turned upright when the reading found it turned ``angle`` degrees."""
    return turn_upright(image, angle) if image is not None and angle is not None else image


def text_layer_reading(page: Page) -> Reading:
    """A page answered from its text layer (``pdf_text_layer``), as a reading: its lines, confidence 1."""
    lines = [TextLine(box["text"], 1.0, np.asarray(box["text_region"], dtype=np.float32), [])
             for box in page.boxes or []]
    return Reading([line.region for line in lines], [False] * len(lines), lines)


def drawn(image: np.ndarray, lines: List[TextLine]) -> str:
    """``ocrImage``: the image with its lines outlined and their text beside it (``ocr_view``), base64 JPEG."""
    from PIL import Image

    from ocr_view.drawing import draw_result

    picture = Image.fromarray(np.ascontiguousarray(image[:, :, ::-1]))
    canvas = draw_result(picture, [{"text": line.text, "text_region": region_json(line.region)} for line in lines],
                         _font()) or picture
    return jpeg_base64(np.asarray(canvas.convert("RGB"))[:, :, ::-1])


@functools.lru_cache(maxsize=1)
def _font() -> Optional[str]:
    from ocr_view.drawing import find_font

    return find_font()[0]
