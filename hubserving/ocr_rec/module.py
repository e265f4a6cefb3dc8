"""ocr_rec: recognise text-line images. POST {"images": [base64, ...]} of line crops to /predict/ocr_rec; as
upstream, results holds one list with {"text", "confidence"} per image."""

from paddlehub.module.module import moduleinfo

from ocr_engine import TextRecognizer
from ocr_engine.serving import LABELS, OCRHubModule

from .params import read_params


@moduleinfo(
    name="ocr_rec",
    version="1.0.0",
    summary="PaddleOCR text recognition (CTC) on the shared PaddleInference engine",
    author="ocr-hubserving",
    author_email="",
    type="cv/text_recognition",
)
class OCRRecModule(OCRHubModule):
    read_params = staticmethod(read_params)
    answers = LABELS  # as upstream: one list holding every image's reading

    def build(self, params, runtime):
        self.recognizer = TextRecognizer.from_params(params, runtime)

    def answer(self, images):
        return [{"text": text, "confidence": confidence} for text, confidence in self.recognizer(images)]
