"""Generate a labelled OCR corpus, from a seed, in named subsets of the inputs users send that are hard to read.

    .venv/bin/python tools/make_corpus.py OUT_DIR [--seed 0] [--per-subset 12]

Writes OUT_DIR/<subset>/<n>.png and OUT_DIR/labels.json: {"<subset>/<n>.png": {"lang": "en", "lines": [...]}}
with the lines in reading order. Half the images of most subsets are English, half Chinese; accents takes turns
through French, German, Spanish, Portuguese and Vietnamese; english_styles, japanese and traditional hold one
language each. Fonts come from fontconfig: DejaVu Sans for Latin
scripts, any font covering Chinese (`make fonts` installs fonts-wqy-microhei).

Subsets: document (lines on white), photo (colour, noise, blur, perspective), banner (one line, aspect > 15),
single_line (a tight crop of one line), transparent_dark / transparent_light (text only in the alpha channel),
vertical (Chinese columns read top to bottom, English lines turned a quarter), tiny (x-height under 10 px),
rotated180 (a document upside down), accents (Latin-script words with their diacritics), small_image (a 400-800 px
label: one or two large lines over several 8-12 px lines of prices, units and names, half English, half Chinese),
english_styles (poster and UI type: letters set tight, italics, long lines), japanese, traditional (Chinese).
New subsets go at the end, so that a seed still draws the same images for the earlier ones.
"""

import argparse
import json
import os
import random
from typing import Callable, Dict, List, Tuple

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from testkit.rendering import cjk_font, latin_font

ENGLISH_WORDS = (
    "invoice total order number street station market coffee bakery open daily hours exit north south east west "
    "platform ticket price sale discount welcome hotel garden museum library parking entrance delivery account "
    "payment receipt customer service phone email address city river bridge road avenue school office central "
    "fresh bread milk apple orange green red blue yellow black white large small first second third today "
    "monday friday summer winter water fire safety warning caution please thank you"
).split()
NUMBERS = ["12", "2024", "385.20", "07:45", "No.5", "1-800", "42", "99%", "3.14", "A7"]
CHINESE_WORDS = (
    "欢迎 光临 上海 北京 人民 路口 出口 入口 营业 时间 咖啡 面包 超市 银行 医院 学校 图书馆 停车场 "
    "公园 地铁 车站 火车 飞机 酒店 餐厅 服务 电话 地址 价格 优惠 今天 明天 中国 城市 大学 东方 南京 "
    "西湖 广场 市场 商店 新鲜 水果 牛奶 安全 注意 禁止 吸烟 谢谢 您的 订单 发票 总计 天气 文化 历史"
).split()

Sample = Tuple[Image.Image, List[str]]  # the picture (RGB or RGBA) and its lines in reading order


JAPANESE_WORDS = (
    "東京 駅 出口 入口 営業 時間 ありがとう ございます いらっしゃいませ 禁煙 お手洗い 切符 売り場 電車 乗り換え "
    "案内 コーヒー パン ホテル レストラン ラーメン 寿司 お茶 駐車場 本日 休業"
).split()
TRADITIONAL_WORDS = (
    "歡迎 光臨 臺北 營業 時間 咖啡 麵包 車站 銀行 醫院 學校 圖書館 停車場 電話 地址 價格 優惠 謝謝 禁止 吸煙 "
    "廣場 市場 商店 鐵路 飯店 餐廳"
).split()
# Words whose diacritics a reader must keep; a word read without them is a word lost.
ACCENTED_WORDS = {
    "fr": "café élève théâtre musée hôpital forêt garçon fenêtre crêpe déjà août où voilà naïve pâtisserie entrée "
          "sortie fermé ouvert prêt"
          .split(),
    "de": "Straße Größe Bäckerei Öffnungszeiten Fußgänger Müller Brücke Übergang Kühlschrank Schlüssel Ärzte fünf "
          "grün schön Tür Bahnhof Ausgang geöffnet".split(),
    "es": "niño año señal información dirección teléfono más café baño está mañana jamón pequeño calle salida "
          "próximo código".split(),
    "pt": "ação coração pão não informação estação avó você três maçã farmácia saída horário preço água".split(),
    "vi": "Việt Nam phở cà phê đường phố bánh mì chợ xin chào cảm ơn nhà hàng khách sạn giá tiền".split(),
}
SMALL_PRINT = {
    "en": ["Net wt 250 g", "500 ml", "Price $3.49", "Best before 12/2027", "Made in Italy", "Serves 4", "SKU 10492",
           "2 for $5.00", "Keep refrigerated", "Unit price $0.70/100 g"],
    "zh": ["净含量 250克", "500毫升", "价格 ¥8.80", "保质期 12个月", "产地 上海", "每份 4人", "货号 10492",
           "买二送一", "冷藏保存", "单价 ¥0.70/100克"],
}


def phrase(rng: random.Random, lang: str, words: int) -> str:
    if lang in ("zh", "ja", "zh-tw"):
        vocabulary = {"zh": CHINESE_WORDS, "ja": JAPANESE_WORDS, "zh-tw": TRADITIONAL_WORDS}[lang]
        return "".join(rng.choice(vocabulary) for _ in range(words))
    if lang in ACCENTED_WORDS:
        return " ".join(rng.choice(ACCENTED_WORDS[lang]) for _ in range(words))
    chosen = [rng.choice(ENGLISH_WORDS) for _ in range(words)]
    if rng.random() < 0.5:
        chosen.insert(rng.randrange(len(chosen) + 1), rng.choice(NUMBERS))
    text = " ".join(chosen)
    return text.capitalize() if rng.random() < 0.5 else text.upper() if rng.random() < 0.3 else text


def draw_lines(lines: List[str], font: ImageFont.FreeTypeFont, margin: int, ink, paper, mode: str = "RGB",
               spacing: float = 1.7) -> Image.Image:
    """The lines one under another, left-aligned, on a canvas just large enough plus ``margin``."""
    boxes = [font.getbbox(line) for line in lines]
    step = int(font.size * spacing)
    width = max(b[2] for b in boxes) + 2 * margin
    height = step * (len(lines) - 1) + max(b[3] for b in boxes[-1:]) + 2 * margin
    image = Image.new(mode, (width, height), paper)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * step), line, font=font, fill=ink)
    return image


class Corpus:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.fonts = {"en": latin_font(), "zh": cjk_font(), "ja": cjk_font(), "zh-tw": cjk_font(),
                      "en-italic": latin_font("Oblique")}
        if not self.fonts["zh"]:
            raise SystemExit("no font covering Chinese: run `make fonts` (or install fonts-wqy-microhei)")

    def font(self, lang: str, size: int) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(self.fonts.get(lang, self.fonts["en"]), size)

    def colour(self, low: int, high: int) -> Tuple[int, int, int]:
        """An RGB colour with each channel drawn from [low, high]."""
        return tuple(self.rng.randint(low, high) for _ in range(3))

    def text_lines(self, lang: str, count: int, lo: int = 2, hi: int = 5) -> List[str]:
        return [phrase(self.rng, lang, self.rng.randint(lo, hi)) for _ in range(count)]

    def document(self, lang: str) -> Sample:
        lines = self.text_lines(lang, self.rng.randint(2, 4))
        return draw_lines(lines, self.font(lang, self.rng.randint(28, 40)), 36, "black", "white"), lines

    def photo(self, lang: str) -> Sample:
        lines = self.text_lines(lang, self.rng.randint(1, 3))
        dark = self.rng.random() < 0.4
        paper = self.colour(0, 70) if dark else self.colour(150, 255)
        ink = self.colour(200, 255) if dark else self.colour(0, 60)
        font = self.font(lang, self.rng.randint(34, 48))
        picture = np.asarray(draw_lines(lines, font, 48, ink, paper)).astype(np.float32)
        h, w = picture.shape[:2]
        jitter = lambda: self.rng.uniform(-0.04, 0.04)  # noqa: E731
        corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        moved = corners + np.float32([[jitter() * w, jitter() * h] for _ in range(4)])
        picture = cv2.warpPerspective(picture, cv2.getPerspectiveTransform(corners, moved), (w, h),
                                      borderMode=cv2.BORDER_REPLICATE)
        picture = cv2.GaussianBlur(picture, (3, 3), self.rng.uniform(0.3, 1.0))
        picture += np.random.default_rng(self.rng.randrange(1 << 30)).normal(0, 8, picture.shape)
        return Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8)), lines

    def banner(self, lang: str) -> Sample:
        font = self.font(lang, self.rng.randint(22, 40))
        margin = self.rng.randint(3, 8)
        line = phrase(self.rng, lang, self.rng.randint(8, 13))
        while (font.getbbox(line)[2] + 2 * margin) / (font.getbbox(line)[3] + 2 * margin) <= 15:
            line += ("" if lang == "zh" else " ") + phrase(self.rng, lang, 1)
        return draw_lines([line], font, margin, "black", "white"), [line]

    def single_line(self, lang: str) -> Sample:
        lines = self.text_lines(lang, 1, 1, 4)
        font = self.font(lang, self.rng.randint(24, 44))
        return draw_lines(lines, font, self.rng.randint(1, 6), "black", "white"), lines

    def transparent(self, lang: str, ink: str) -> Sample:
        lines = self.text_lines(lang, self.rng.randint(1, 3))
        colour = (0, 0, 0) if ink == "dark" else (255, 255, 255)
        image = draw_lines(lines, self.font(lang, self.rng.randint(28, 40)), 24, colour + (255,), colour + (0,), "RGBA")
        return image, lines

    def vertical(self, lang: str) -> Sample:
        if lang == "en":  # a line turned a quarter anticlockwise, as on a book's spine
            image, lines = self.single_line(lang)
            return image.transpose(Image.Transpose.ROTATE_90), lines
        size = self.rng.randint(30, 44)
        font = self.font(lang, size)
        columns = [phrase(self.rng, lang, self.rng.randint(2, 4)) for _ in range(self.rng.randint(1, 3))]
        step, margin = int(size * 1.1), 30
        height = max(len(c) for c in columns) * step + 2 * margin
        image = Image.new("RGB", (len(columns) * int(size * 2) + 2 * margin, height), "white")
        draw = ImageDraw.Draw(image)
        # Traditional order: columns from right to left, each read top to bottom.
        for i, column in enumerate(columns):
            x = image.width - margin - (i + 1) * int(size * 2) + size // 2
            for j, char in enumerate(column):
                draw.text((x, margin + j * step), char, font=font, fill="black")
        return image, columns

    def tiny(self, lang: str) -> Sample:
        lines = self.text_lines(lang, self.rng.randint(1, 3))
        # DejaVu's x-height is about 0.55 of the size, so 11-15 px fonts give x-heights of 6-8 px.
        return draw_lines(lines, self.font(lang, self.rng.randint(11, 15)), 8, "black", "white"), lines

    def rotated180(self, lang: str) -> Sample:
        image, lines = self.document(lang)
        return image.transpose(Image.Transpose.ROTATE_180), lines


    def accents(self, lang: str) -> Sample:
        lines = self.text_lines(lang, self.rng.randint(2, 4), 2, 4)
        return draw_lines(lines, self.font(lang, self.rng.randint(26, 40)), 36, "black", "white"), lines

    def small_image(self, lang: str) -> Sample:
        """A product label: one or two large lines, then small print at 8-12 px x-height."""
        width, height = self.rng.randint(400, 800), self.rng.randint(300, 600)
        image = Image.new("RGB", (width, height), self.colour(225, 255))
        draw = ImageDraw.Draw(image)
        lines, top = [], 20
        for _ in range(self.rng.randint(1, 2)):
            line = phrase(self.rng, lang, 2)
            font = self.font(lang, self.rng.randint(36, 52))
            while font.getbbox(line)[2] > width - 40 and font.size > 20:
                font = self.font(lang, font.size - 4)
            draw.text((20, top), line, font=font, fill=self.colour(0, 60))
            lines.append(line)
            top += int(font.size * 1.5)
        for text in self.rng.sample(SMALL_PRINT[lang], self.rng.randint(3, 5)):
            font = self.font(lang, self.rng.randint(15, 20))  # x-height about 8-11 px
            if top + font.size > height - 10:
                break
            draw.text((20, top), text, font=font, fill=self.colour(0, 60))
            lines.append(text)
            top += int(font.size * 1.8)
        return image, lines


    def english_styles(self, lang: str) -> Sample:
        """Poster and UI type: letters set tight, italics, or long lines."""
        style = self.rng.choice(["tight", "italic", "long"])
        if style == "long":
            lines = [phrase(self.rng, lang, self.rng.randint(9, 12)) for _ in range(2)]
            return draw_lines(lines, self.font(lang, self.rng.randint(22, 28)), 24, "black", "white"), lines
        lines = self.text_lines(lang, self.rng.randint(2, 3))
        if style == "italic":
            return draw_lines(lines, self.font("en-italic", self.rng.randint(28, 40)), 36, "black", "white"), lines
        return draw_tight(lines, self.font(lang, self.rng.randint(30, 44)), self.rng.uniform(0.06, 0.1)), lines


def draw_tight(lines: List[str], font: ImageFont.FreeTypeFont, tracking: float) -> Image.Image:
    """Lines with their letters set closer than the font sets them, by ``tracking`` x the font size per letter."""
    margin, step = 36, int(font.size * 1.7)
    width = max(int(font.getlength(line) * (1 - tracking * 0.5)) for line in lines) + 2 * margin
    image = Image.new("RGB", (width, step * len(lines) + 2 * margin), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        x = float(margin)
        for char in line:
            draw.text((x, margin + i * step), char, font=font, fill="black")
            x += font.getlength(char) - tracking * font.size * (char != " ")
    return image


SUBSETS: Dict[str, Callable[[Corpus, str], Sample]] = {
    "document": Corpus.document,
    "photo": Corpus.photo,
    "banner": Corpus.banner,
    "single_line": Corpus.single_line,
    "transparent_dark": lambda corpus, lang: corpus.transparent(lang, "dark"),
    "transparent_light": lambda corpus, lang: corpus.transparent(lang, "light"),
    "vertical": Corpus.vertical,
    "tiny": Corpus.tiny,
    "rotated180": Corpus.rotated180,
    "accents": Corpus.accents,
    "small_image": Corpus.small_image,
    "english_styles": Corpus.english_styles,
    "japanese": Corpus.document,
    "traditional": Corpus.document,
}
# The languages a subset's images take turns through (default: English, then Chinese).
SUBSET_LANGUAGES = {"accents": ["fr", "de", "es", "pt", "vi"], "english_styles": ["en"], "japanese": ["ja"],
                    "traditional": ["zh-tw"]}


def make_corpus(out_dir: str, seed: int = 0, per_subset: int = 12) -> Dict[str, dict]:
    """Write the corpus under ``out_dir`` and return its labels (also written to labels.json)."""
    corpus = Corpus(seed)
    labels = {}
    for subset, make in SUBSETS.items():
        os.makedirs(os.path.join(out_dir, subset), exist_ok=True)
        for n in range(per_subset):
            languages = SUBSET_LANGUAGES.get(subset, ["en", "zh"])
            lang = languages[n % len(languages)]
            image, lines = make(corpus, lang)
            name = "%s/%02d.png" % (subset, n)
            image.save(os.path.join(out_dir, name))
            labels[name] = {"lang": lang, "lines": lines}
    with open(os.path.join(out_dir, "labels.json"), "w", encoding="utf-8") as handle:
        json.dump(labels, handle, ensure_ascii=False, indent=1)
    return labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-subset", type=int, default=12)
    args = parser.parse_args()
    labels = make_corpus(args.out_dir, args.seed, args.per_subset)
    print("%d images in %d subsets under %s" % (len(labels), len(SUBSETS), args.out_dir))


if __name__ == "__main__":
    main()
