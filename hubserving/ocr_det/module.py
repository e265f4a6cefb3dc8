"""ocr_det: detect text. POST {"images": [base64, ...]} to /predict/ocr_det; each image gets a list of
{"text_region": [[x, y] x 4]}."""

from paddlehub.module.module import moduleinfo

from ocr_engine import TextDetector
from ocr_engine.serving import BOXES, OCRHubModule, region_json

from .params import read_params


@moduleinfo(
    name="ocr_det",
    version="1.0.0",
    summary="PaddleOCR text detection (DB) on the shared PaddleInference engine",
    author="ocr-hubserving",
    author_email="",
    type="cv/text_recognition",
)
class OCRDetModule(OCRHubModule):
    read_params = staticmethod(read_params)
    answers = BOXES  # boxes; a PDF read page by page

    def build(self, params, runtime):
        self.detector = TextDetector.from_params(params, runtime)

    def answer(self, images):
        return [[{"text_region": region_json(quad)} for quad in self.detector(image)] for image in images]
