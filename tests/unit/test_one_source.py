"""Facts written once: the version, which folders are hub modules, what a file is."""

import ast
import glob
import json
import os

from hubserving import module_names
from ocr_engine import __version__
from ocr_engine.formats import is_pdf, sniff_format
from testkit.server import REPO


def test_every_config_asks_for_the_packages_module_version():
    configs = glob.glob(os.path.join(REPO, "configs", "*.json")) + glob.glob(
        os.path.join(REPO, "hubserving", "*", "config.json")) + glob.glob(
        os.path.join(REPO, "deploy", "kubernetes", "*", "config.json"))
    assert len(configs) >= 12
    for path in configs:
        with open(path) as handle:
            modules = json.load(handle)["modules_info"]
        for name, module in modules.items():
            assert module["init_args"]["version"] == __version__, (path, name)


def test_every_hub_module_declares_the_packages_version():
    # PaddleHub reads @moduleinfo from module.py's source (hub install parses it), so the version there is a
    # literal: tied to the one home here.
    for name in module_names():
        with open(os.path.join(REPO, "hubserving", name, "module.py")) as handle:
            tree = ast.parse(handle.read())
        versions = [keyword.value.value for node in ast.walk(tree) if isinstance(node, ast.Call)
                    for keyword in node.keywords if keyword.arg == "version"]
        assert versions == [__version__], (name, versions)


def test_the_hub_modules_are_the_folders_with_a_module_py():
    assert module_names() == ["ocr_cls", "ocr_det", "ocr_rec", "ocr_system", "structure_layout", "structure_system",
                              "structure_table"]


def test_a_pdf_is_told_by_its_header_within_its_first_kilobyte():
    assert is_pdf(b"%PDF-1.7\n") and is_pdf(b"\n" * 500 + b"%PDF-1.4") and not is_pdf(b"\x89PNG\r\n\x1a\n")
    assert sniff_format(b"  %PDF-1.7") == "a PDF document" and sniff_format(b"\x89PNG\r\n\x1a\n....") == "PNG"
