"""tools/benchmark.py runs both pipelines side by side and reports; no timing is asserted."""

import os
import re
import subprocess
import sys

from testkit.server import REPO


def test_benchmark_in_process_reports_both_and_their_agreement():
    result = subprocess.run(
        [sys.executable, os.path.join(REPO, "tools", "benchmark.py"), "--mode", "inprocess", "--rounds", "1",
         "--images", os.path.join(REPO, "tests", "data")],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^reference in-process \| \d+\.\d\d ", result.stdout, re.M), result.stdout
    assert re.search(r"^ours in-process +\| \d+\.\d\d ", result.stdout, re.M), result.stdout
    agreement = re.search(r"agreement (\d+\.\d)% of (\d+) reference lines", result.stdout)
    assert agreement and int(agreement.group(2)) >= 10, result.stdout
    # Same models, same thresholds: on the two test photos every reference line is read identically.
    assert float(agreement.group(1)) == 100.0, result.stdout


def test_benchmark_times_each_converted_model_against_onnx_runtime(tmp_path):
    init_args = '{"ocr_version": "PP-OCRv6", "model_cache_dir": "%s"}' % tmp_path
    result = subprocess.run(
        [sys.executable, os.path.join(REPO, "tools", "benchmark.py"), "--mode", "models", "--rounds", "2",
         "--init-args", init_args],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = re.findall(r"^(PP-OCRv6_\w+\.onnx) \| (\S+) \| \d+ / \d+ \| \d+ / \d+ \| \d+\.\d\dx$", result.stdout, re.M)
    assert rows == [("PP-OCRv6_det_small.onnx", "1x3x960x736"), ("PP-OCRv6_rec_small.onnx", "6x3x48x320"),
                    ("PP-OCRv6_rec_small.onnx", "6x3x48x1200")], result.stdout
