"""The web demo's page for one module, with gradio blocks: pick an image, press Read, see the boxes numbered on the
image, the table of what was read and the JSON answer. Imported only in the demo's own process.

The page shows what the server answered and nothing more: the file (an image, or a PDF for the modules that read
documents) goes to the server unchanged, as an HTTP
client would send it, so a file the server refuses shows the server's sentence. The confidence slider only hides
lines on the page; the server's own ``drop_score`` already applied.
"""

import json
import os
from typing import Any, Callable, Dict, List, Optional, Tuple

from ocr_view.drawing import draw_answer, find_font

from ...options import DEFAULTS

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "examples")

# Per module: what the page says it does, and the table's columns.
MODULES = {
    "ocr_system": ("Finds each line of text, turns upside-down lines, and reads them.", ["#", "text", "confidence"]),
    "ocr_det": ("Finds each line of text; the boxes, no reading.", ["#", "box (x, y corners, clockwise)"]),
    "ocr_rec": ("Reads an image holding one line of text.", ["#", "text", "confidence"]),
    "ocr_cls": ("Tells whether an image of one line is upright (0) or upside down (180).",
                ["#", "angle", "confidence"]),
}


def image_lines(answer: dict) -> List[dict]:
    """The entries of a successful answer for its one image: lines (ocr_system), boxes (ocr_det), or the one
    reading or angle (ocr_rec, ocr_cls, which answer one list holding an entry per image)."""
    return list(answer["results"][0])


def table(module: str, lines: List[dict]) -> dict:
    """The table's value: one row per entry, numbered from 1 (on each page, for a PDF, whose rows start with their
    page) as the drawing numbers the boxes."""
    headers = MODULES[module][1]
    paged = any("page" in line for line in lines)
    rows: List[list] = []
    numbers: Dict[Any, int] = {}
    for line in lines:
        page = line.get("page")
        number = numbers[page] = numbers.get(page, 0) + 1
        if module == "ocr_det":
            row = [number, " ".join("(%d, %d)" % tuple(point) for point in line["text_region"])]
        else:
            row = [number, line.get("text", line.get("angle")), round(float(line["confidence"]), 4)]
        rows.append([page] + row if paged else row)
    return {"headers": (["page"] + headers) if paged else headers, "data": rows}


def shown(lines: List[dict], min_confidence: float) -> List[dict]:
    """The entries at or above ``min_confidence`` (boxes, which have none, are all shown)."""
    return [line for line in lines if float(line.get("confidence", 1.0)) >= min_confidence]


def summary(module: str, lines: List[dict], hidden: int) -> str:
    if module in ("ocr_rec", "ocr_cls"):
        text = "Read." if lines else "Nothing shown."
    else:
        text = "%d line(s) found." % len(lines) if lines else "No text found."
    return text + (" %d more below the confidence chosen." % hidden if hidden else "")


def read(module: str, ask: Callable[[bytes], dict], font: Optional[str], pdf_dpi: Optional[int],
         path: Optional[str], min_confidence: float) -> Tuple[str, list, dict, str]:
    """What the page shows for the file at ``path``: (message, drawn images with captions, table, JSON answer).
    A PDF shows each page, drawn at ``pdf_dpi`` (the server's) so that its boxes fall in place."""
    empty = {"headers": MODULES[module][1], "data": []}
    if not path:
        return "Choose an image or a PDF first, or pick an example.", [], empty, ""
    with open(path, "rb") as handle:
        raw = handle.read()
    answer = ask(raw)
    answer_json = json.dumps(answer, ensure_ascii=False, indent=2)
    if answer.get("status") != "000":
        return "**Not read:** %s" % answer.get("msg"), [], empty, answer_json
    lines = image_lines(answer)
    visible = shown(lines, min_confidence)
    # The server read this file already, so it is an image or a PDF within the limits.
    drawn = [(picture, title) for title, picture in draw_answer(raw, visible, font, pdf_dpi or DEFAULTS["pdf_dpi"])]
    return summary(module, visible, len(lines) - len(visible)), drawn, table(module, visible), answer_json


def build_page(module: str, ask: Callable[[bytes, str], dict], pdf_dpi: Optional[int] = None):
    """The gradio Blocks page for ``module``; ``ask`` sends one file's bytes, with the name of the key that asked
    (the server's header on each forwarded request), to the server and returns its answer; ``pdf_dpi`` is the
    server's, for modules that read PDFs."""
    import gradio as gr

    description, headers = MODULES[module]
    font, _ = find_font()
    examples = [[os.path.join(EXAMPLES, name)] for name in sorted(os.listdir(EXAMPLES))]
    # System fonts: gradio's default theme fetches its fonts from Google, which a server offline cannot reach.
    theme = gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"],
                              font_mono=["ui-monospace", "monospace"])
    with gr.Blocks(title="PaddleOCR %s" % module, analytics_enabled=False, theme=theme) as page:
        gr.Markdown("## PaddleOCR: %s\n%s The same server and models as `POST /predict/%s`." % (
            module, description, module))
        with gr.Row():
            with gr.Column(scale=1):
                upload = gr.File(label="Image or PDF file" if pdf_dpi else "Image file", type="filepath",
                                 elem_id="upload")
                min_confidence = gr.Slider(0.0, 1.0, value=0.0, step=0.05, label="Hide lines read with less "
                                           "confidence than", visible=module != "ocr_det")
                button = gr.Button("Read", variant="primary", elem_id="read")
                gr.Examples(examples=examples, inputs=[upload], label="Examples")
            with gr.Column(scale=2):
                message = gr.Markdown(elem_id="message")
                drawn = gr.Gallery(label="What was found", columns=1, object_fit="contain", height="auto",
                                   elem_id="drawn")
                rows = gr.Dataframe(headers=headers, interactive=False, elem_id="table", wrap=True)
        answer = gr.Code(language="json", label="The answer, as POST /predict/%s returns it" % module,
                         elem_id="answer")

        def read_for(path: Optional[str], low: float, request: gr.Request) -> Tuple[str, list, dict, str]:
            client = request.headers.get("x-ocr-client", "") if request is not None else ""
            return read(module, lambda raw: ask(raw, client), font, pdf_dpi, path, low)

        button.click(read_for, inputs=[upload, min_confidence], outputs=[message, drawn, rows, answer])
    return page
