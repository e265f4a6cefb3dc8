"""The inference engines, one file each behind ``predictor.Backend``: ``paddle`` (Paddle Inference) and ``openvino``.
``predictor.backend`` finds one by the ``backend`` option's name."""
