"""ocr_cls: tell upright text-line images from upside-down ones. POST {"images": [base64, ...]} of line crops to
/predict/ocr_cls; as upstream, results holds one list with {"angle", "confidence"} per image."""

from paddlehub.module.module import moduleinfo

from ocr_engine import TextClassifier
from ocr_engine.serving import LABELS, OCRHubModule

from .params import read_params


@moduleinfo(
    name="ocr_cls",
    version="1.0.0",
    summary="PaddleOCR text angle classification (0/180) on the shared PaddleInference engine",
    author="ocr-hubserving",
    author_email="",
    type="cv/text_angle_cls",
)
class OCRClsModule(OCRHubModule):
    read_params = staticmethod(read_params)
    answers = LABELS  # as upstream: one list holding every image's label

    def build(self, params, runtime):
        self.classifier = TextClassifier.from_params(params, runtime)

    def answer(self, images):
        return [{"angle": angle, "confidence": confidence} for angle, confidence in self.classifier(images)]
