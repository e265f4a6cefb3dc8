# CPU image serving all four modules with configs/cpu_mkldnn.json on port 8866.
#   docker build -t paddleocr-hubserving . && docker run -p 8866:8866 paddleocr-hubserving
FROM python:3.11-slim

# make for the Makefile; libgl1/libglib2.0-0/libgomp1 for opencv and paddle; a CJK font for drawing Chinese.
RUN apt-get update \
 && apt-get install -y --no-install-recommends make libgl1 libglib2.0-0 libgomp1 fontconfig fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . /app
ENV HUB_HOME=/app/.hub_home PATH=/app/.venv/bin:$PATH
RUN make install \
 && hub install hubserving/ocr_det/ hubserving/ocr_cls/ hubserving/ocr_rec/ hubserving/ocr_system/

EXPOSE 8866
CMD ["hub", "serving", "start", "-c", "configs/cpu_mkldnn.json"]
