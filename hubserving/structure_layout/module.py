"""structure_layout: find a page's layout regions. POST {"images": [base64, ...]} to /predict/structure_layout;
each image gets {"layout": [{"bbox": [x1, y1, x2, y2], "label": "text", "score": 0.93}, ...]}, labels from CDLA's
ten classes (text, title, figure, figure_caption, table, table_caption, header, footer, reference, equation)."""

from paddlehub.module.module import moduleinfo

from ocr_engine.serving import StructureHubModule
from ocr_engine.stages.layout import LayoutDetector

from .params import read_params


@moduleinfo(
    name="structure_layout",
    version="1.0.0",
    summary="PP-StructureV2 layout analysis (PicoDet, CDLA classes) on the shared engine",
    author="ocr-hubserving",
    author_email="",
    type="cv/text_recognition",
)
class StructureLayoutModule(StructureHubModule):
    read_params = staticmethod(read_params)

    def build(self, params, runtime):
        self.layout = LayoutDetector.from_params(params, runtime)

    def answer(self, images):
        return [
            {"layout": [{"bbox": [round(v, 1) for v in region.box], "label": region.label,
                         "score": round(region.score, 4)} for region in self.layout(image)]}
            for image in images
        ]
