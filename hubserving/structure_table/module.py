"""structure_table: read an image of a table as HTML. POST {"images": [base64, ...]} to /predict/structure_table;
each image gets {"html": "<html><body><table>...</table></body></html>"}, its cells filled with the text read in
them (SLANet_plus for the structure, the OCR models of ocr_system for the text)."""

from paddlehub.module.module import moduleinfo

from ocr_engine.serving import StructureHubModule
from ocr_engine.structure import StructureSystem

from .params import read_params


@moduleinfo(
    name="structure_table",
    version="1.0.0",
    summary="Table recognition (SLANet_plus and PP-OCR) on the shared engine",
    author="ocr-hubserving",
    author_email="",
    type="cv/text_recognition",
)
class StructureTableModule(StructureHubModule):
    read_params = staticmethod(read_params)

    def build(self, params, runtime):
        self.structure = StructureSystem.from_params(params, runtime)

    def answer(self, images):
        return [{"html": page.blocks[0].html} for page in self.structure.tables(images)]
