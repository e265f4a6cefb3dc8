"""Document structure timings for tools/benchmark.py (``--mode tables``, ``--mode layout``).

tables: ours (the structure_table module's engine, as configured) against upstream paddleocr 2.10's ppstructure
``TableSystem`` on the same SLANet_plus files (table_algorithm SLANet, table_max_len 488, merge_no_span_structure,
PP-OCRv4 for the text, oneDNN, ``--reference-threads`` or 2 threads), on the tables testkit.pages renders
(``TABLES``, and ``TALL_TABLES`` of 20 to 150 rows), with TEDS of both against the HTML each table was rendered
from. Both run in this process, in turns.

layout: ``POST /layout-parsing`` per page over HTTP against a server of ``configs/cpu.json`` (structure_system),
on the two-column page and the report pages testkit.pages renders and testkit.reading_pages' pages, with the
reading order's similarity (words of the Markdown against the page's words in reading order).
"""

import os
import re
import statistics
import tempfile
import time
from typing import Callable, Dict, List

import numpy as np

from testkit.inputs import encode
from testkit.pages import (
    TABLES,
    TALL_TABLES,
    order_similarity,
    render_html,
    report_document,
    table_document,
    two_column_document,
    two_column_words,
    words,
)
from testkit.reading_pages import READING_PAGES


def build_table_system(threads: int):
    """Upstream's TableSystem on the bundled SLANet_plus and PP-OCRv4, as ppstructure's defaults and the issue's
    configuration give it."""
    import paddleocr  # noqa: F401  (puts paddleocr's `ppstructure`, `ppocr` and `tools` packages on sys.path)
    from ppstructure.table.predict_table import TableSystem
    from ppstructure.utility import init_args

    from ocr_engine.runtime import resolve_model_dir
    from ocr_engine.runtime.models import MODELS, bundled_labels, bundled_path
    from ocr_engine.stages.recognition import character_list_file

    args = init_args().parse_args([])
    args.det_model_dir = resolve_model_dir("PP-OCRv4_mobile_det")
    args.rec_model_dir = resolve_model_dir("PP-OCRv4_mobile_rec")
    args.rec_char_dict_path = character_list_file(None, "PP-OCRv4_mobile_rec")
    args.table_model_dir = bundled_path(MODELS["SLANet_plus"].files)
    args.table_char_dict_path = bundled_labels("SLANet_plus")
    args.table_algorithm, args.table_max_len, args.merge_no_span_structure = "SLANet", 488, True
    args.use_gpu, args.enable_mkldnn, args.cpu_threads, args.show_log = False, True, threads, False
    return TableSystem(args)


def _median_ms(run: Callable[[], object], rounds: int) -> float:
    run()  # the first run builds kernels for the shape; not timed
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def run_tables(init_args: dict, rounds: int, reference_threads: int) -> None:
    """Print, per rendered table, upstream's and ours' median milliseconds and TEDS, then the totals."""
    from table_recognition_metric import TEDS

    from ocr_engine import merge_params
    from ocr_engine.structure import StructureSystem

    cases = TABLES + TALL_TABLES
    images = render_html([table_document(case) for case in cases])
    upstream = build_table_system(reference_threads or 2)
    ours = StructureSystem.from_params(merge_params(init_args))
    teds = TEDS()
    print("table | size | upstream ms | ours ms | upstream / ours | TEDS upstream | TEDS ours")
    totals: Dict[str, List[float]] = {"upstream": [], "ours": [], "teds_up": [], "teds_ours": []}
    for case, image in zip(cases, images):
        truth = "<html><body>%s</body></html>" % case.html
        theirs_html = upstream(image.copy())[0]["html"]
        ours_html = ours.tables([image])[0].blocks[0].html or ""
        up_ms = _median_ms(lambda i=image: upstream(i.copy()), rounds)
        our_ms = _median_ms(lambda i=image: ours.tables([i]), rounds)
        scores = teds(truth, theirs_html), teds(truth, ours_html)
        for key, value in zip(totals, (up_ms, our_ms) + scores):
            totals[key].append(value)
        print("%s | %dx%d | %.0f | %.0f | %.2fx | %.3f | %.3f" % (
            case.name, image.shape[1], image.shape[0], up_ms, our_ms, up_ms / our_ms, scores[0], scores[1]))
    print("all %d | | %.0f | %.0f | %.2fx | %.3f | %.3f" % (
        len(cases), sum(totals["upstream"]), sum(totals["ours"]), sum(totals["upstream"]) / sum(totals["ours"]),
        float(np.mean(totals["teds_up"])), float(np.mean(totals["teds_ours"]))))


def run_layout(init_args: dict, rounds: int) -> None:
    """Serve configs/cpu.json (with ``init_args`` for structure_system) and print ``/layout-parsing``'s median
    milliseconds per page, and the two-column page's reading-order similarity."""
    from testkit.server import HubServer, install_modules, shipped_config

    pages = {"two columns": render_html([two_column_document()])[0]}
    pages.update(("report, %s" % case.name, image)
                 for case, image in zip(TABLES, render_html([report_document(case) for case in TABLES])))
    pages.update(zip((page.name for page in READING_PAGES), render_html([page.html for page in READING_PAGES])))
    expected = {"two columns": two_column_words()}
    expected.update((page.name, page.words()) for page in READING_PAGES)
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as workdir:
        install_modules(home)
        config = shipped_config("cpu.json", {"structure_system": init_args})
        with HubServer.with_config(config, home, workdir) as server:
            print("page | size | /layout-parsing ms (median of %d) | blocks | order similarity" % rounds)
            for name, image in pages.items():
                body = {"file": encode(image), "fileType": 1, "visualize": False}
                answer: Dict[str, dict] = {}

                def call(b=body, out=answer):
                    out["last"] = server.paddlex("/layout-parsing", b)[1]

                ms = _median_ms(call, rounds)
                result = answer["last"]["result"]["layoutParsingResults"][0]
                # a figure's <img> reference is no word of the page
                said = words(re.sub(r"<[^>]*>", " ", result["markdown"]["text"]))
                print("%s | %dx%d | %.0f | %d | %s" % (
                    name, image.shape[1], image.shape[0], ms, len(result["prunedResult"]["parsing_res_list"]),
                    "%.3f" % order_similarity(said, expected[name]) if name in expected else "-"))
            lines = server.predict("ocr_system", [encode(pages["two columns"])])["results"][0]
            print("the two-column page's lines from /predict/ocr_system, in their order: similarity %.3f" % (
                order_similarity(words(" ".join(line["text"] for line in lines)), two_column_words())))
    print("(CPU: %d cores)" % (os.cpu_count() or 1))
