"""tools/benchmark.py runs both pipelines side by side and reports; no timing is asserted."""

import os
import re
import subprocess
import sys

from conftest import cpu_has_bf16_units, cpu_has_int8_units, runs_in_int8

from testkit.server import REPO


def test_benchmark_in_process_reports_both_and_their_agreement():
    result = subprocess.run(
        [sys.executable, os.path.join(REPO, "tools", "benchmark.py"), "--mode", "inprocess", "--rounds", "1",
         "--images", os.path.join(REPO, "tests", "data"), "--init-args", '{"ocr_version": "PP-OCRv4"}'],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^reference in-process \| \d+\.\d\d ", result.stdout, re.M), result.stdout
    assert re.search(r"^ours in-process +\| \d+\.\d\d ", result.stdout, re.M), result.stdout
    agreement = re.search(r"agreement (\d+\.\d)% of (\d+) reference lines", result.stdout)
    assert agreement and int(agreement.group(2)) >= 10, result.stdout
    # Same models (PP-OCRv4, pinned), same thresholds: on the two test photos every reference line is read
    # identically.
    assert float(agreement.group(1)) == 100.0, result.stdout


def test_benchmark_times_each_model_on_paddle_onnx_runtime_and_openvino():
    result = subprocess.run(
        [sys.executable, os.path.join(REPO, "tools", "benchmark.py"), "--mode", "models", "--rounds", "2"],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    timed = r"\d+ \(\d+\)"
    # OpenVINO in bf16 beside fp32 where the CPU has the units, and INT8 (every model's version is prepared by
    # `make install`), in both the seen and the new shapes' columns; the models of one input shape have no new ones.
    bf16 = cpu_has_bf16_units()
    assert re.search(r"^CPU: .+, %s bf16 units, %s INT8 units, \d+ threads$" % (
        "with" if bf16 else "without", "with" if cpu_has_int8_units() else "without"), result.stdout, re.M)
    runtimes = 4 if bf16 else 3  # paddle, openvino fp32, bf16, int8
    row = r"^([\w.-]+) \| (\S+) \| %s \| (?:-|%s) \| %s \| \d+\.\d\dx \| (%s|%s)$" % (
        timed, timed, r" \| ".join([timed] * (runtimes - 1)), r" \| ".join([r"\d+"] * runtimes),
        r" \| ".join(["-"] * runtimes))
    rows = [(model, shape) for model, shape, _ in re.findall(row, result.stdout, re.M)]
    assert rows == [("PP-OCRv4_mobile_det", "1x3x960x736"), ("PP-OCRv4_mobile_det", "1x3x640x480"),
                    ("PP-OCRv6_small_rec", "6x3x48x320"), ("PP-OCRv6_small_rec", "6x3x48x1200"),
                    ("ch_ppocr_mobile_v2.0_cls", "6x3x48x192"), ("picodet_lcnet_x1_0_fgd_layout_cdla", "1x3x800x608"),
                    ("SLANet_plus", "1x3x488x488"), ("text_image_orientation", "1x3x224x224")], result.stdout


def test_the_profile_names_each_runtimes_top_ops_per_stage():
    result = subprocess.run(
        [sys.executable, os.path.join(REPO, "tools", "profile_models.py"), "--runs", "1", "--top", "3"],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    titles = re.findall(r"^(paddle|openvino \w+), PP-OCRv6 (det|rec) \S+, 2 threads: [\d.]+ ms per run",
                        result.stdout, re.M)
    # OpenVINO's in the precision the service picks here: bf16 where the CPU has its units, the recogniser INT8
    # where it has VNNI or AMX-INT8.
    floating = "openvino bf16" if cpu_has_bf16_units() else "openvino fp32"
    recogniser = "openvino int8" if runs_in_int8("PP-OCRv6_small_rec") else floating
    assert titles == [("paddle", "det"), (floating, "det"), ("paddle", "rec"), (recogniser, "rec")], result.stdout
    rows = re.findall(r"^(\S+)(?: \S+)? \| [\d.]+ \| [\d.]+ \| [\d.]+%$", result.stdout, re.M)
    assert len(rows) == 12, result.stdout
    # Convolutions are most of both runtimes' time on both models.
    assert rows[0] == "onednn_op.fused_conv2d" and rows[3] == "Convolution", result.stdout


def test_benchmark_reports_render_and_ocr_time_per_pdf_page():
    result = subprocess.run(
        [sys.executable, os.path.join(REPO, "tools", "benchmark.py"), "--mode", "pdf", "--threads", "2"],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pdf_dpi 200, 2 threads" in result.stdout
    rows = re.findall(r"^(.+) \| (\d+) \| (\d+)x(\d+) \| (\d+) \| (\d+) \| (\d+) \| (\S+)$", result.stdout, re.M)
    assert [(name, page) for name, page, *_ in rows] == [
        ("A4 10pt, 2 pages", "1"), ("A4 10pt, 2 pages", "2"), ("Letter 8pt", "1"), ("receipt 80 mm 9pt", "1"),
        ("slide 16:9 28pt", "1"), ("photos as scanned pages", "1"), ("photos as scanned pages", "2")]
    assert rows[0][2:4] == ("1654", "2339")  # A4 at 200 dpi
    # Born-digital pages: the reading is scored; scanned pages have no words to score them by.
    assert all(row[-1].endswith("%") for row in rows[:5]) and rows[-1][-1] == "-"


def test_benchmark_reports_pages_a_second_through_jobs_and_beside_synchronous_requests():
    result = subprocess.run(
        [sys.executable, os.path.join(REPO, "tools", "benchmark.py"), "--mode", "jobs", "--pages", "3"],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = re.findall(r"^(.+) \| (\d+\.\d\d)$", result.stdout, re.M)
    assert [name for name, _ in rows] == [
        "job PP-OCRv6, 1 process", "job PP-StructureV3, 1 process", "sync /layout-parsing, a page a request, 1 process",
        "job PP-OCRv6, 2 gunicorn workers", "job PP-StructureV3, 2 gunicorn workers"], result.stdout
    assert all(float(rate) > 0 for _, rate in rows)
    assert re.search(r"^job path's overhead .*: [+-]\d+\.\d%$", result.stdout, re.M), result.stdout
    assert re.search(r"^/ocr p50 on a 3-line image: idle \d+ ms, during an OCR job \d+ ms \(\d+\.\d\dx\)$",
                     result.stdout, re.M), result.stdout


def test_benchmark_splits_each_stage_into_its_model_and_the_time_around_it():
    result = subprocess.run(
        [sys.executable, os.path.join(REPO, "tools", "benchmark.py"), "--mode", "stages", "--rounds", "1",
         "--images", os.path.join(REPO, "tests", "data")],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = re.findall(r"^(.+) \| (\S+) \| (\d+\.\d) \| (\d+\.\d) \| (-?\d+\.\d) \| (-?\d+)%$", result.stdout, re.M)
    assert [(name, stage) for name, stage, *_ in rows] == [
        ("2 photos", "decode"), ("2 photos", "detect"), ("2 photos", "classify"), ("2 photos", "recognise"),
        ("2 photos", "all"), ("A4 PDF page", "render"), ("A4 PDF page", "detect"), ("A4 PDF page", "classify"),
        ("A4 PDF page", "recognise"), ("A4 PDF page", "all")], result.stdout
    for name, stage, whole, model, around, _ in rows:
        # decoding and rendering run no model; every other stage does, inside its own time
        assert (float(model) == 0) == (stage in ("decode", "render")), (name, stage, model)
        assert 0 <= float(model) <= float(whole) and abs(float(whole) - float(model) - float(around)) <= 0.11
