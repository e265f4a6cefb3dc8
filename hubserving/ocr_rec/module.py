"""ocr_rec: recognise text-line images. POST {"images": [base64, ...]} of line crops to /predict/ocr_rec; as
upstream, results holds one list with {"text", "confidence"} per image."""

from ocr_engine import TextRecognizer
from ocr_engine.hub_module import OCRHubModule
from paddlehub.module.module import moduleinfo

from .params import read_params


@moduleinfo(
    name="ocr_rec",
    version="1.0.0",
    summary="PaddleOCR text recognition (CTC) on the shared PaddleInference engine",
    author="ocr-hubserving",
    author_email="",
    type="cv/text_recognition",
)
class OCRRec(OCRHubModule):
    def _initialize(self, use_gpu=False, enable_mkldnn=True, **overrides):
        self.recognizer = TextRecognizer(self.configure(read_params(), use_gpu, enable_mkldnn, overrides))

    def run(self, images):
        return [[{"text": text, "confidence": confidence} for text, confidence in self.recognizer(images)]]
