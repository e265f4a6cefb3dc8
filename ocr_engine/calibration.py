"""Calibration for INT8 (``runtime.int8``): images the project renders, from a fixed seed, and the batches the engine
feeds each model when it reads them in fp32, which is what NNCF calibrates a model's activations on.

The images are drawn here, apart from the accuracy corpus (tools/make_corpus.py), so that INT8 is never calibrated
on what it is scored on: lines of English, Chinese and accented words in several fonts, sizes and colours, some
noisy, blurred or upside down; and document pages with a title, paragraphs, a ruled table and a figure, one of them
turned a quarter, for the structure models.
"""

import random
from collections import defaultdict
from typing import Any, Callable, Dict, List, Optional, Sequence

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocr_view.drawing import cjk_font, fontconfig

SEED = 20261206
LATIN = ("receipt station museum delivery warning platform garden window coffee ticket account monthly report "
         "summary average quarter revenue Budget Office Street North Exit Open Daily Total Price Number "
         "café déjà Straße Größe año señal coração Việt").split()
DIGITS = ("2026", "14:30", "385.20", "No.17", "+49 30 1234", "12.5%", "A-7", "1,024", "$9.99", "06/12")
CHINESE = ("欢迎 车站 出口 营业时间 价格 订单 服务 电话 地址 报告 季度 收入 平均 图书馆 医院 市场 注意 安全 "
           "北京 广州 学校 银行 公园 天气").split()

Font = Callable[[int], Any]  # a font of that size: FreeType's, or PIL's own


def _font_loader(path: Optional[str]) -> Font:
    """Fonts of ``path`` by size, or PIL's own scalable font where the machine has none."""
    if path is None:
        return lambda size: ImageFont.load_default(size)
    return lambda size: ImageFont.truetype(path, size)


def _fonts() -> Dict[str, Optional[Font]]:
    latin = fontconfig(["fc-match", "-f", "%{file}", "DejaVu Sans"])
    serif = fontconfig(["fc-match", "-f", "%{file}", "DejaVu Serif"]) or latin
    cjk = cjk_font()
    return {"sans": _font_loader(latin), "serif": _font_loader(serif), "cjk": _font_loader(cjk) if cjk else None}


def _phrase(rng: random.Random, chinese: bool) -> str:
    if chinese:
        return "".join(rng.choice(CHINESE) for _ in range(rng.randint(1, 5)))
    words = [rng.choice(LATIN if rng.random() < 0.8 else DIGITS) for _ in range(rng.randint(1, 7))]
    return " ".join(words)


def text_image(rng: random.Random, fonts: Dict[str, Any]) -> np.ndarray:
    """A BGR image of 1-8 lines: dark ink on light paper mostly, sometimes light on dark, noisy, blurred or turned
    upside down."""
    size = rng.choice((14, 18, 22, 28, 36, 48))
    chinese = fonts["cjk"] is not None and rng.random() < 0.4
    font = (fonts["cjk"] if chinese else fonts[rng.choice(("sans", "serif"))])(size)
    lines = [_phrase(rng, chinese) for _ in range(rng.randint(1, 8))]
    width = max(int(font.getlength(line)) for line in lines) + 2 * size
    paper = tuple(rng.randint(190, 255) for _ in range(3))
    ink = tuple(rng.randint(0, 90) for _ in range(3))
    if rng.random() < 0.2:
        paper, ink = ink, paper
    image = Image.new("RGB", (width, int(len(lines) * size * 1.7) + 2 * size), paper)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((size + rng.randint(0, size), size + int(i * size * 1.7)), line, fill=ink, font=font)
    pixels = np.asarray(image)[:, :, ::-1].copy()
    if rng.random() < 0.3:
        noise = np.random.default_rng(rng.randint(0, 1 << 30)).normal(0, 12, pixels.shape)
        pixels = np.clip(pixels + noise, 0, 255).astype(np.uint8)
    if rng.random() < 0.2:
        pixels = cv2.GaussianBlur(pixels, (3, 3), 0)
    if rng.random() < 0.15:
        pixels = cv2.rotate(pixels, cv2.ROTATE_180)
    return pixels


def document_page(rng: random.Random, fonts: Dict[str, Any]) -> np.ndarray:
    """A white page (BGR, 1000 x 1300) with a title, two paragraphs, a ruled table and a grey figure."""
    page = Image.new("RGB", (1000, 1300), "white")
    draw = ImageDraw.Draw(page)
    draw.text((60, 50), _phrase(rng, False).title(), fill="black", font=fonts["sans"](40))
    body = fonts["serif"](20)
    y = 130
    for _ in range(2):
        for _ in range(rng.randint(3, 6)):
            draw.text((60, y), " ".join(rng.choice(LATIN) for _ in range(9)), fill="black", font=body)
            y += 30
        y += 24
    rows, columns = rng.randint(3, 9), rng.randint(2, 5)
    cell_w, cell_h = 880 // columns, 40
    for r in range(rows + 1):
        draw.line((60, y + r * cell_h, 60 + columns * cell_w, y + r * cell_h), fill="black", width=1)
    for c in range(columns + 1):
        draw.line((60 + c * cell_w, y, 60 + c * cell_w, y + rows * cell_h), fill="black", width=1)
    for r in range(rows):
        for c in range(columns):
            text = rng.choice(LATIN) if r == 0 or c == 0 else rng.choice(DIGITS)
            draw.text((68 + c * cell_w, y + r * cell_h + 10), text, fill="black", font=fonts["sans"](18))
    y += rows * cell_h + 40
    draw.rectangle((200, y, 800, min(y + 260, 1240)), fill=(150, 160, 170))
    return np.asarray(page)[:, :, ::-1].copy()


def images(count: int = 48, seed: int = SEED) -> List[np.ndarray]:
    """``count`` text images drawn from ``seed``."""
    rng, fonts = random.Random(seed), _fonts()
    return [text_image(rng, fonts) for _ in range(count)]


def pages(count: int = 8, seed: int = SEED) -> List[np.ndarray]:
    """``count`` document pages drawn from ``seed``, the last turned a quarter."""
    rng, fonts = random.Random(seed + 1), _fonts()
    drawn = [document_page(rng, fonts) for _ in range(count)]
    drawn[-1] = cv2.rotate(drawn[-1], cv2.ROTATE_90_CLOCKWISE)
    return drawn


def model_inputs(options: Sequence[dict], text_images: Sequence[np.ndarray],
                 document_pages: Sequence[np.ndarray]) -> Dict[str, List[np.ndarray]]:
    """The batches each bundled model is fed, by model name, when the engine reads ``text_images`` with OCR and
    ``document_pages`` as structure, in fp32 on OpenVINO, once per entry of ``options`` (init_args choosing the
    models, e.g. a generation)."""
    from .options import merge_params
    from .runtime.inference import StageModel
    from .structure.system import StructureSystem

    fed: Dict[str, List[np.ndarray]] = defaultdict(list)
    recording = StageModel.read  # every run of a stage's model goes through it (``outputs`` too)
    earlier: set = set()  # models fed in an earlier entry's reading (the shared classifier, the structure models)

    def read(model: StageModel, batch: np.ndarray, reader: Callable) -> Any:
        if model.model.name not in earlier:
            fed[model.model.name].append(np.array(batch, dtype=np.float32, copy=True))
        return recording(model, batch, reader)

    StageModel.read = read  # type: ignore[method-assign,assignment]
    try:
        for init_args in options:
            params = merge_params(dict(init_args, backend="openvino", precision="fp32",
                                       use_doc_orientation_classify=True))
            system = StructureSystem.from_params(params)
            system.ocr(list(text_images))
            system(list(document_pages))
            earlier.update(fed)
    finally:
        StageModel.read = recording  # type: ignore[method-assign]
    return dict(fed)
