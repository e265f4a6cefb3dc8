"""structure_system: read a page as structure. POST {"images": [base64, ...]} to /predict/structure_system; each
image gets {"regions": [{"bbox": [x1, y1, x2, y2], "type": "text", "res": ...}, ...]} in reading order: a table's
res is {"html"}, any other region's a list of {"text", "confidence", "text_region"} in reading order."""

from paddlehub.module.module import moduleinfo

from ocr_engine.serving import StructureHubModule, region_json
from ocr_engine.structure import StructureSystem

from .params import read_params


@moduleinfo(
    name="structure_system",
    version="1.0.0",
    summary="Document structure: page orientation, layout, tables and reading order, on the shared engine",
    author="ocr-hubserving",
    author_email="",
    type="cv/text_recognition",
)
class StructureSystemModule(StructureHubModule):
    read_params = staticmethod(read_params)

    def build(self, params, runtime):
        self.structure = StructureSystem.from_params(params, runtime)

    def answer(self, images):
        return [
            {"regions": [
                {"bbox": [round(v, 1) for v in block.box], "type": block.label,
                 "res": {"html": block.html} if block.html is not None else [
                     {"text": line.text, "confidence": line.confidence, "text_region": region_json(line.region)}
                     for line in block.lines]}
                for block in page.blocks]}
            for page in self.structure(images)
        ]
