"""tools/test_hubserving.py against the running service: both argument forms, files and folders, its outputs."""

import json
import os
import shutil
import subprocess
import sys

import cv2

from testkit.rendering import ENGLISH_LINES, latin_font, render_lines, squash
from testkit.server import REPO

CLIENT = os.path.join(REPO, "tools", "test_hubserving.py")


def run_client(*args):
    return subprocess.run([sys.executable, CLIENT] + list(args), capture_output=True, text=True, timeout=300)


def test_client_on_a_folder_visualizes_and_writes_json(server, data_dir, tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    rendered, placed = render_lines(ENGLISH_LINES, latin_font())
    cv2.imwrite(str(images / "invoice.png"), rendered)
    shutil.copy(os.path.join(data_dir, "chinese.jpg"), images / "sign.jpg")
    (images / "notes.txt").write_text("not an image, not sent")
    vis_dir, output = tmp_path / "drawn", tmp_path / "results.json"

    result = run_client(server.url + "/predict/ocr_system", str(images), "--visualize",
                        "--vis_dir", str(vis_dir), "--output", str(output))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 image(s), 0 failed" in result.stdout

    answers = json.loads(output.read_text(encoding="utf-8"))
    assert sorted(os.path.basename(path) for path in answers) == ["invoice.png", "sign.jpg"]
    invoice = answers[str(images / "invoice.png")]["results"][0]
    assert [squash(line["text"]) for line in invoice] == [squash(p.text) for p in placed]
    assert "愚园路" in [line["text"] for line in answers[str(images / "sign.jpg")]["results"][0]]

    for name, source in (("invoice.jpg", rendered), ("sign.jpg", cv2.imread(os.path.join(data_dir, "chinese.jpg")))):
        drawn = cv2.imread(str(vis_dir / name))
        assert drawn is not None, name
        # the photo with boxes on the left, the texts on a white panel on the right
        assert drawn.shape[:2] == (source.shape[0], 2 * source.shape[1])
        panel = drawn[:, source.shape[1] :]
        assert panel.mean() > 200 and panel.min() < 60, "a white panel with dark text drawn on it"


def test_client_flag_form_on_one_file_and_a_failure(server, tmp_path):
    good, _ = render_lines(["HELLO 42"], latin_font())
    cv2.imwrite(str(tmp_path / "good.png"), good)
    result = run_client("--server_url", server.url + "/predict/ocr_det", "--image_dir", str(tmp_path / "good.png"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"text_region"' in result.stdout and "1 image(s), 0 failed" in result.stdout

    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    result = run_client(server.url + "/predict/ocr_system", str(tmp_path / "broken.png"))
    assert result.returncode == 1
    assert "FAILED" in result.stdout
    assert "image 1 of 1: not a decodable image (PNG header, unreadable, 18 bytes)" in result.stdout


def test_client_sends_a_pdf_prints_its_pages_and_draws_each(server, data_dir, tmp_path):
    from testkit.documents import photos_pdf

    (tmp_path / "docs").mkdir()
    pdf = tmp_path / "docs" / "signs.pdf"
    pdf.write_bytes(photos_pdf([os.path.join(data_dir, "french.jpg"), os.path.join(data_dir, "chinese.jpg")]))
    vis_dir = tmp_path / "drawn"
    result = run_client(server.url + "/predict/ocr_system", str(tmp_path / "docs"), "--visualize",
                        "--vis_dir", str(vis_dir))
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "signs.pdf" in out and "  page 1:" in out and "  page 2:" in out
    assert out.index("Palais du LOUVRE") < out.index("  page 2:") < out.index("愚园路"), out
    for number, photo in ((1, "french.jpg"), (2, "chinese.jpg")):
        drawn = cv2.imread(str(vis_dir / ("signs_page%d.jpg" % number)))
        source = cv2.imread(os.path.join(data_dir, photo))
        # the page at the server's pdf_dpi: the photo's own size, give or take PDFium's rounding of a pixel
        assert drawn is not None, number
        assert abs(drawn.shape[0] - source.shape[0]) <= 1 and abs(drawn.shape[1] - 2 * source.shape[1]) <= 2
