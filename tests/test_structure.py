"""Documents as structure (issue 38) on the running service: the structure_* modules in upstream's shapes,
PaddleX's /layout-parsing and /table-recognition, page orientation on /ocr, tables scored by TEDS against the HTML
they were rendered from, and a two-column page read in column order."""

import base64
import os
import re

import cv2
import numpy as np
import pytest
from conftest import assert_ok
from test_paddlex_api import ok, refused

from testkit.documents import photos_pdf
from testkit.inputs import b64, encode, encode_file
from testkit.pages import (
    TABLES,
    order_similarity,
    render_html,
    report_document,
    table_document,
    two_column_document,
    two_column_words,
)
from testkit.pages import words as words_of
from testkit.reading_pages import READING_PAGES

# How far a page is turned clockwise, and the cv2 rotation that turns it so.
TURNS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


@pytest.fixture(scope="module")
def page():
    """The rendered two-column page (BGR)."""
    return render_html([two_column_document()])[0]


@pytest.fixture(scope="module")
def tables():
    """Each of testkit.pages.TABLES rendered alone (BGR), in order."""
    return render_html([table_document(case) for case in TABLES])


@pytest.fixture(scope="module")
def reports():
    """Each of testkit.pages.TABLES on a page of text (BGR), in order."""
    return render_html([report_document(case) for case in TABLES])


def test_structure_layout_answers_labelled_boxes(shipped_server, page):
    answer = assert_ok(shipped_server.predict("structure_layout", [encode(page)]))
    assert len(answer) == 1 and set(answer[0]) == {"layout"}
    regions = answer[0]["layout"]
    assert all(set(region) == {"bbox", "label", "score"} and len(region["bbox"]) == 4 for region in regions)
    labels = [region["label"] for region in regions]
    assert "title" in labels and labels.count("text") >= 4, labels


def test_structure_table_reads_tables_as_html_close_to_their_source(shipped_server, tables):
    from table_recognition_metric import TEDS

    answer = assert_ok(shipped_server.predict("structure_table", [encode(image) for image in tables]))
    assert all(set(entry) == {"html"} for entry in answer)
    scores = [TEDS()("<html><body>%s</body></html>" % case.html, entry["html"]) for case, entry in zip(TABLES, answer)]
    assert sum(scores) / len(scores) >= 0.95, list(zip([case.name for case in TABLES], scores))
    assert 'rowspan="2">Alpha' in answer[2]["html"] and 'colspan="2">Sales' in answer[0]["html"], answer
    assert "<td>上海</td><td>2487</td>" in answer[1]["html"], answer[1]


def test_structure_system_gives_regions_in_reading_order(shipped_server, page, reports):
    answer = assert_ok(shipped_server.predict("structure_system", [encode(page), encode(reports[1])]))
    regions = answer[0]["regions"]
    assert all(set(region) == {"bbox", "type", "res"} for region in regions)
    texts = [line["text"] for region in regions for line in region["res"]]
    assert order_similarity(words_of(" ".join(texts)), two_column_words()) >= 0.9, texts
    assert all(set(line) == {"text", "confidence", "text_region"} for region in regions for line in region["res"])
    table = [region for region in answer[1]["regions"] if region["type"] == "table"]
    assert len(table) == 1 and "<td>北京</td><td>2189</td>" in table[0]["res"]["html"], answer[1]
    assert answer[1]["regions"][0] == dict(answer[1]["regions"][0], type="title")


def test_tables_found_on_pages_score_as_tables_alone(shipped_server, reports):
    from table_recognition_metric import TEDS

    result = ok(shipped_server.paddlex("/layout-parsing", {"file": encode(reports[0])}))
    assert "<table>" in result["layoutParsingResults"][0]["markdown"]["text"]
    scores = []
    for case, report in zip(TABLES, reports):
        pruned = ok(shipped_server.paddlex("/table-recognition", {"file": encode(report)}))["tableRecResults"][0]
        found = pruned["prunedResult"]["table_res_list"]
        assert len(found) == 1, (case.name, pruned["prunedResult"]["layout_det_res"])
        scores.append(TEDS()("<html><body>%s</body></html>" % case.html, found[0]["pred_html"]))
    assert sum(scores) / len(scores) >= 0.95, list(zip([case.name for case in TABLES], scores))


def test_layout_parsing_reads_two_columns_in_order_as_markdown(shipped_server, page):
    result = ok(shipped_server.paddlex("/layout-parsing", {"file": encode(page), "fileType": 1, "visualize": True}))
    parsed = result["layoutParsingResults"]
    assert len(parsed) == 1 and result["dataInfo"]["type"] == "image"
    markdown = parsed[0]["markdown"]
    assert markdown["isStart"] and markdown["isEnd"] and markdown["text"].startswith("# Field Notes on River Birds")
    similarity = order_similarity(words_of(markdown["text"]), two_column_words())
    assert similarity >= 0.9, (similarity, markdown["text"])
    pruned = parsed[0]["prunedResult"]
    assert {"parsing_res_list", "layout_det_res", "overall_ocr_res", "table_res_list", "model_settings"} <= set(pruned)
    assert [block["block_order"] for block in pruned["parsing_res_list"]] == list(
        range(1, len(pruned["parsing_res_list"]) + 1))
    assert pruned["table_res_list"] == []  # no table on the page: an empty list, not an error
    assert cv2.imdecode(np.frombuffer(base64.b64decode(parsed[0]["outputImages"]["layout_det_res"]), np.uint8),
                        cv2.IMREAD_COLOR) is not None


@pytest.fixture(scope="module")
def reading_pages():
    """testkit.reading_pages' pages rendered (BGR), by name."""
    return dict(zip((page.name for page in READING_PAGES), render_html([page.html for page in READING_PAGES])))


@pytest.mark.parametrize("case", READING_PAGES, ids=[page.name for page in READING_PAGES])
def test_layout_parsing_reads_columns_figures_sidebars_and_sections_in_order(shipped_server, reading_pages, case):
    result = ok(shipped_server.paddlex("/layout-parsing", {"file": encode(reading_pages[case.name]), "fileType": 1}))
    markdown = result["layoutParsingResults"][0]["markdown"]["text"]
    # The figures' <img> references are no words of the page.
    similarity = order_similarity(words_of(re.sub(r"<[^>]*>", " ", markdown)), case.words())
    assert similarity >= 0.95, (similarity, markdown)


def test_layout_parsing_reads_a_pdf_page_by_page(shipped_server, reports, data_dir, tmp_path):
    cv2.imwrite(str(tmp_path / "report.png"), reports[0])
    pdf = photos_pdf([str(tmp_path / "report.png"), os.path.join(data_dir, "french.jpg")])
    result = ok(shipped_server.paddlex("/layout-parsing", {"file": b64(pdf), "fileType": 0}))
    pages = result["layoutParsingResults"]
    assert len(pages) == 2 and result["dataInfo"]["numPages"] == 2
    assert [page["prunedResult"]["page_index"] for page in pages] == [0, 1]
    assert "<table>" in pages[0]["markdown"]["text"] and "North" in pages[0]["markdown"]["text"]
    assert "LOUVRE" in pages[1]["markdown"]["text"], pages[1]["markdown"]["text"]


def test_a_paragraph_and_a_table_that_run_across_page_breaks_are_read_as_one(shipped_server, tmp_path):
    from testkit.reading_pages import CONTINUED_ROWS, continued_pdf

    pdf = continued_pdf(str(tmp_path))
    pages = ok(shipped_server.paddlex("/layout-parsing", {"file": b64(pdf), "fileType": 0})
               )["layoutParsingResults"]
    markdown = [page["markdown"] for page in pages]
    # The paragraph cut mid-word: the word whole on page 1, whose paragraph does not end there; page 2 goes on.
    assert markdown[0]["text"].startswith("# The Spring Count"), markdown[0]
    assert markdown[0]["text"].endswith("checked by the international"), markdown[0]
    assert (markdown[0]["isEnd"], markdown[1]["isStart"]) == (False, False), markdown
    assert markdown[1]["text"].startswith("survey team"), markdown[1]
    # The table: every row on page 2 (the header printed again on page 3 left out), none left on page 3.
    assert markdown[1]["text"].count("<tr>") == CONTINUED_ROWS and markdown[1]["text"].count("Station</td>") == 1
    assert "Station 20" in markdown[1]["text"] and "<table" not in markdown[2]["text"], markdown
    assert markdown[2]["text"].startswith("Closing remarks") and markdown[2]["isStart"], markdown[2]
    # mergeTables false: the pages' tables as they are
    pages = ok(shipped_server.paddlex("/layout-parsing", {"file": b64(pdf), "fileType": 0,
                                                          "mergeTables": False}))["layoutParsingResults"]
    assert pages[2]["markdown"]["text"].startswith("<table>")


def test_table_recognition_finds_the_table_or_reads_the_whole_image(shipped_server, tables, reports, page):
    found = ok(shipped_server.paddlex("/table-recognition", {"file": encode(reports[2])}))
    pruned = found["tableRecResults"][0]["prunedResult"]
    assert len(pruned["table_res_list"]) == 1 and "Alpha" in pruned["table_res_list"][0]["pred_html"], pruned
    assert pruned["table_res_list"][0]["cell_box_list"] and "layout_det_res" in pruned
    whole = ok(shipped_server.paddlex("/table-recognition", {"file": encode(tables[3]), "useLayoutDetection": False}))
    tables_read = whole["tableRecResults"][0]["prunedResult"]["table_res_list"]
    assert len(tables_read) == 1 and "<td>Pens</td>" in tables_read[0]["pred_html"], tables_read
    none = ok(shipped_server.paddlex("/table-recognition", {"file": encode(page)}))
    assert none["tableRecResults"][0]["prunedResult"]["table_res_list"] == []


@pytest.mark.parametrize("angle", [90, 180, 270])
def test_ocr_turns_a_photo_upright_with_doc_orientation(shipped_server, data_dir, angle):
    photo = cv2.rotate(cv2.imread(os.path.join(data_dir, "french.jpg")), TURNS[angle])
    result = ok(shipped_server.paddlex_ocr({"file": encode(photo), "useDocOrientationClassify": True}))
    pruned = result["ocrResults"][0]["prunedResult"]
    assert pruned["doc_preprocessor_res"]["angle"] == angle and pruned["model_settings"]["use_doc_preprocessor"]
    assert "Musée du LOUVRE" in pruned["rec_texts"] and "Palais du LOUVRE" in pruned["rec_texts"], pruned["rec_texts"]


def test_blank_and_textless_pages_are_answered_not_failed(shipped_server):
    blank = np.full((600, 400, 3), 255, np.uint8)
    noise = np.random.default_rng(0).integers(0, 255, (300, 300, 3), dtype=np.uint8)
    result = ok(shipped_server.paddlex("/layout-parsing", {"file": encode(blank)}))
    assert result["layoutParsingResults"][0]["markdown"] == {"text": "", "isStart": True, "isEnd": True, "images": {}}
    # Noise holds no text; the layout takes it for a figure, which comes back as its picture.
    result = ok(shipped_server.paddlex("/layout-parsing", {"file": encode(noise)}))
    markdown = result["layoutParsingResults"][0]["markdown"]
    assert all(part.startswith("<div") for part in markdown["text"].split("\n\n") if part), markdown["text"]
    assert set(markdown["images"]) == set(re.findall(r'src="([^"]+)"', markdown["text"]))
    assert assert_ok(shipped_server.predict("structure_table", [encode(blank)]))[0]["html"].startswith("<html>")
    assert assert_ok(shipped_server.predict("structure_system", [encode(blank)])) == [{"regions": []}]


@pytest.mark.parametrize("field, sentence", [
    ("useSealRecognition", "useSealRecognition: this server has no seal recognition model, so it accepts only false "
                           "or null"),
    ("useFormulaRecognition", "useFormulaRecognition: this server has no formula recognition model, so it accepts "
                              "only false or null"),
    ("useDocUnwarping", "useDocUnwarping: this server has no document unwarping model, so it accepts only false or "
                        "null"),
])
def test_a_model_that_is_not_shipped_is_refused_by_name(shipped_server, english, field, sentence):
    image, _ = english
    assert refused(shipped_server.paddlex("/layout-parsing", {"file": encode(image), field: True}), 422) == sentence


def test_chart_recognition_is_accepted_as_the_mcp_server_sends_it(shipped_server, english):
    image, placed = english
    result = ok(shipped_server.paddlex("/layout-parsing", {"file": encode(image), "useChartRecognition": True}))
    pruned = result["layoutParsingResults"][0]["prunedResult"]
    assert pruned["model_settings"]["use_chart_recognition"] is False
    assert "INVOICE 2024-117" in result["layoutParsingResults"][0]["markdown"]["text"]
    assert "useChartRecognition true, but this server has no chart model" in shipped_server.log()


def test_structure_refusals_are_sentences_in_paddlex_envelopes(shipped_server):
    assert refused(shipped_server.paddlex("/layout-parsing", {"file": b64(b"not an image")}), 422).startswith("file: ")
    assert refused(shipped_server.paddlex("/table-recognition", {"file": encode_file(__file__)}), 422).startswith(
        "file: ")
    assert refused(shipped_server.paddlex("/layout-parsing", {"file": "x", "layoutThreshold": {"0": 0.3}}), 422) == (
        "layoutThreshold: this server takes one number for every class, not a dict per class")


@pytest.mark.parametrize("rows, least", [(60, 0.95), (150, 0.9)])
def test_a_tall_table_is_read_with_all_its_rows(shipped_server, rows, least):
    from table_recognition_metric import TEDS

    from testkit.pages import tall_table

    case = tall_table(rows)
    image = render_html([table_document(case)])[0]
    html = assert_ok(shipped_server.predict("structure_table", [encode(image)]))[0]["html"]
    # At SLANet_plus's 488 px input 150 rows are 3 px each: it reads such a table in bands of rows (docs/structure.md).
    assert html.count("<tr>") == rows, html
    assert all("Row %d<" % i in html for i in range(1, rows)), html
    score = TEDS()("<html><body>%s</body></html>" % case.html, html)
    assert score >= least, (score, html)


def test_the_web_demo_says_which_modules_it_shows(shipped_server):
    from testkit.server import get_text

    code, text = get_text(shipped_server.url + "/gradio/structure_system", timeout=60)
    assert code == 503 and text.startswith("The web demo shows the OCR modules"), (code, text)
    assert "POST /layout-parsing" in text
