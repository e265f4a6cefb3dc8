"""paddleocr 2.10's TextSystem served as the upstream hubserving ocr_system module does, for benchmarks."""

import base64

import cv2
import numpy as np
from paddlehub.module.module import moduleinfo, serving

from .reference import build_text_system


@moduleinfo(
    name="ocr_system_reference",
    version="1.0.0",
    summary="upstream PaddleOCR TextSystem, for benchmarks only",
    author="ocr-hubserving",
    author_email="",
    type="cv/text_recognition",
)
class OCRSystemReference:
    def _initialize(self, use_gpu=False, enable_mkldnn=False, cpu_threads=None):
        self.text_system = build_text_system(enable_mkldnn=enable_mkldnn, cpu_threads=cpu_threads)

    @serving
    def serving_method(self, images, **kwargs):
        results = []
        for data in images:
            image = cv2.imdecode(np.frombuffer(base64.b64decode(data), np.uint8), cv2.IMREAD_COLOR)
            boxes, readings, _ = self.text_system(image)
            results.append(
                [
                    {"text": text, "confidence": float(score), "text_region": box.astype(np.int32).tolist()}
                    for box, (text, score) in zip(boxes, readings)
                ]
            )
        return results
