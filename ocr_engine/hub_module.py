"""What the four hub modules share: configuration, input checks, error wording and the HTTP entry point.

A hub module (hubserving/<name>/module.py) subclasses ``OCRHubModule``, builds its stage in ``_initialize`` and
implements ``run``; PaddleHub finds the ``@serving`` method here through the class's bases.
"""

import logging
from typing import Any, Dict, List, Mapping, Sequence

import numpy as np
from paddlehub.module.module import serving

from .defaults import merge_params
from .images import InputError, check_arrays, read_image_files
from .request import InputLimits, parse_request

log = logging.getLogger(__name__)


class OCRHubModule:
    """Base of the hub modules: ``predict`` for Python callers, ``serving_method`` for ``hub serving``."""

    def configure(
        self, params: Mapping[str, Any], use_gpu: bool, enable_mkldnn: bool, overrides: Mapping[str, Any]
    ) -> Dict[str, Any]:
        """Merge the module's params.py with the ``init_args`` of config.json (unknown keys are refused), and keep
        what the request checks need: the input limits and the device."""
        params = merge_params(params, dict(overrides, use_gpu=use_gpu, enable_mkldnn=enable_mkldnn))
        self.limits = InputLimits.from_params(params)
        self.use_gpu = bool(params["use_gpu"])
        return params

    def run(self, images: List[np.ndarray]) -> list:
        """Answer for decoded BGR images, in the upstream shape of this module. Implemented by each module."""
        raise NotImplementedError

    def predict(self, images: Sequence[np.ndarray] = (), paths: Sequence[str] = ()) -> list:
        """In-process API: BGR uint8 arrays, or image file paths, in; the module's answer out."""
        if isinstance(images, np.ndarray) or isinstance(paths, str):
            raise InputError("images and paths take lists: predict(images=[array]) or predict(paths=[path])")
        if len(images) and len(paths):
            raise InputError("give images or paths, not both")
        arrays = check_arrays(images) if len(images) else read_image_files(paths, self.limits.max_image_pixels)
        if not arrays:
            raise InputError("no image given: pass images=[...] or paths=[...]")
        return self.run(arrays)

    @serving
    def serving_method(self, /, **arguments: Any) -> list:
        """HTTP entry point: ``{"images": [base64, ...]}`` in, the module's answer out.

        Input problems raise InputError with a sentence for the client. Anything else is logged in full on the
        server and reported to the client without internals: PaddleHub sends an exception's text as ``msg``.
        ``self`` is positional-only so that a JSON key named "self" is refused as unknown, like any other.
        """
        try:
            return self.run(parse_request(arguments, self.limits, self.use_gpu))
        except InputError:
            raise
        except Exception:
            log.exception("prediction failed")
            raise RuntimeError("the server failed to process the images; the cause is in the server log") from None


def region_json(quad: np.ndarray) -> List[List[int]]:
    """A quad as the upstream answer gives it: four [x, y] pairs of ints."""
    return quad.astype(np.int32).tolist()
