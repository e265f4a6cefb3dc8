"""ocr_system: detect, classify and recognise text. POST {"images": [base64, ...]} to /predict/ocr_system;
each image gets a list of {"text", "confidence", "text_region"} in reading order."""

from paddlehub.module.module import moduleinfo

from ocr_engine import OCRSystem
from ocr_engine.serving import LINES, OCRHubModule, region_json

from .params import read_params


@moduleinfo(
    name="ocr_system",
    version="1.0.0",
    summary="PaddleOCR text detection, angle classification and recognition on the shared PaddleInference engine",
    author="ocr-hubserving",
    author_email="",
    type="cv/text_recognition",
)
class OCRSystemModule(OCRHubModule):
    read_params = staticmethod(read_params)
    answers = LINES  # text lines; a PDF read page by page

    def build(self, params, runtime):
        self.pipeline = OCRSystem.from_params(params, runtime)

    def answer(self, images):
        return [
            [
                {"text": line.text, "confidence": line.confidence, "text_region": region_json(line.region)}
                for line in lines
            ]
            for lines in self.pipeline(images)
        ]
