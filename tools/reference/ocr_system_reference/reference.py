"""Build paddleocr 2.10's TextSystem with its own defaults on the models ocr_engine serves."""

import os

from ocr_engine.models import resolve_char_dict, resolve_model_dir


def build_text_system(enable_mkldnn: bool = False, cpu_threads=None):
    """The upstream pipeline: paddleocr's init_args defaults, angle classification on, the bundled models."""
    import paddleocr  # noqa: F401  (puts paddleocr's `tools` and `ppocr` packages on sys.path)
    from tools.infer.predict_system import TextSystem
    from tools.infer.utility import init_args

    args = init_args().parse_args([])
    args.det_model_dir = resolve_model_dir("det", None)
    args.rec_model_dir = resolve_model_dir("rec", None)
    args.cls_model_dir = resolve_model_dir("cls", None)
    args.rec_char_dict_path = resolve_char_dict(None)
    args.use_angle_cls = True
    args.use_gpu = False
    args.enable_mkldnn = enable_mkldnn
    args.cpu_threads = cpu_threads or os.cpu_count() or 1
    return TextSystem(args)
