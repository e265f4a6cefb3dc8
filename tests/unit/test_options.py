"""Options: one default per option (ocr_engine.options.DEFAULTS), layered by merge_params, read into typed views."""

import importlib
import os
import re

import pytest

from ocr_engine import DEFAULTS, PipelineOptions, PredictorOptions, merge_params
from ocr_engine.options import KINDS, OPTIONS, markdown_table, parse_shape, read_view
from ocr_engine.runtime import runtime_options
from ocr_engine.runtime.models import ModelChoice
from ocr_engine.serving import InputLimits
from ocr_engine.serving.access import AccessOptions
from ocr_engine.serving.front import FrontOptions
from ocr_engine.serving.jobs import JobOptions
from ocr_engine.serving.paddlex import APIOptions
from ocr_engine.serving.pdf import DocumentOptions
from ocr_engine.serving.status import StatusOptions
from ocr_engine.stages import ClassifierOptions, DetectorOptions, RecognizerOptions
from ocr_engine.stages.layout import LayoutOptions
from testkit.server import MODULES, REPO

VIEWS = [PredictorOptions, DetectorOptions, ClassifierOptions, RecognizerOptions, PipelineOptions, InputLimits,
         StatusOptions, DocumentOptions, FrontOptions, APIOptions, LayoutOptions, AccessOptions, JobOptions]


class Recording(dict):
    """A params dict that remembers which keys were read."""

    def __init__(self, *args):
        super().__init__(*args)
        self.read = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)


def test_layers_apply_in_order_over_the_defaults():
    merged = merge_params({"drop_score": 0.7, "cpu_threads": 3}, {"drop_score": 0.9})
    assert merged["drop_score"] == 0.9 and merged["cpu_threads"] == 3
    assert merged["det_limit_side_len"] == DEFAULTS["det_limit_side_len"]
    assert merge_params() == DEFAULTS and merge_params() is not DEFAULTS


def test_unknown_options_are_named_with_the_known_ones():
    with pytest.raises(ValueError) as err:
        merge_params({}, {"det_modle_dir": "/m", "colour": 1})
    known = "known options are: api_keys_file, backend, client_timeout, cls_batch_num, "
    assert str(err.value).startswith("unknown option(s) colour, det_modle_dir; " + known)


def test_every_option_is_read_by_exactly_the_views_and_nothing_is_left_over():
    params = Recording(merge_params())
    models = {DetectorOptions: "det", ClassifierOptions: "cls", RecognizerOptions: "rec", LayoutOptions: "layout"}
    for view in VIEWS:
        given = {"model": ModelChoice.from_params(params, models[view])} if view in models else {}
        read_view(view, params, **given)
    for task in ("table", "doc_ori"):  # stages that take their model alone
        ModelChoice.from_params(params, task)
    assert params.read == set(DEFAULTS), "options no layer reads: %s" % sorted(set(DEFAULTS) - params.read)


def test_views_carry_the_merged_values_typed():
    params = merge_params({"det_limit_side_len": 1280, "det_model_dir": "/models/det", "thin_image_detection": False,
                           "cls_image_shape": [3, 48, 160], "label_list": [0, 180], "vertical_image_rotation": False})
    det = read_view(DetectorOptions, params, model=ModelChoice.from_params(params, "det"))
    assert det.limit_side_len == 1280 and det.model.model_dir == "/models/det" and det.thin_image_ratio is None
    cls = read_view(ClassifierOptions, params, model=ModelChoice.from_params(params, "cls"))
    assert cls.image_shape == (3, 48, 160) and cls.label_list == ("0", "180")
    rec = read_view(RecognizerOptions, params, model=ModelChoice.from_params(params, "rec"))
    assert rec.image_shape == (3, 48, 320) and rec.max_width == 2304
    assert rec.model.model_dir is None and rec.model.name == "PP-OCRv6_small_rec"
    assert read_view(PipelineOptions, params).vertical_image_ratio is None


def test_runtime_options_on_cpu_and_preload_does_not_split_predictors():
    runtime = runtime_options(merge_params({"cpu_threads": 0, "use_tensorrt": True}))
    assert runtime.use_gpu is False and runtime.enable_mkldnn is True and runtime.use_tensorrt is False
    assert runtime.cpu_threads == 1  # at least one thread
    lazy = runtime_options(merge_params({"cpu_threads": 0, "use_tensorrt": True, "preload": False}))
    assert lazy == runtime and hash(lazy) == hash(runtime) and lazy.preload is False
    with pytest.raises(ValueError, match="precision must be auto, fp32, bf16, fp16 or int8, not .fp64."):
        runtime_options(merge_params({"precision": "fp64"}))


@pytest.mark.parametrize("option, value, sentence", [
    ("det_limit_side_len", "1280", "det_limit_side_len must be a positive integer, got '1280'"),
    ("max_images_per_request", "16", "max_images_per_request must be a positive integer, got '16'"),
    ("use_gpu", "false", "use_gpu must be true or false, got 'false'"),
    ("drop_score", 1.5, "drop_score must be a number from 0 to 1, got 1.5"),
    ("rec_batch_num", 0, "rec_batch_num must be a positive integer, got 0"),
    ("gpu_id", -1, "gpu_id must be a non-negative integer or null, got -1"),
    ("det_db_score_mode", "exact", "det_db_score_mode must be fast or slow, not 'exact'"),
])
def test_one_rule_reads_every_option_at_the_edge(option, value, sentence):
    # JSON's types, no guessing: "1280" and "16" alike are refused, and "false" is not taken for true.
    with pytest.raises(ValueError, match="^%s$" % re.escape(sentence)):
        merge_params({option: value})


def test_the_options_table_is_the_schema():
    with open(os.path.join(REPO, "docs", "options.md"), encoding="utf-8") as handle:
        documented = handle.read()
    assert markdown_table() in documented, "docs/options.md's table differs: python -m ocr_engine.options"
    assert all(option.doc and option.kind in KINDS for option in OPTIONS)


@pytest.mark.parametrize("bad", [0, -1, True, 2.5, "16"])
def test_limits_are_positive_integers(bad):
    with pytest.raises(ValueError, match="max_images_per_request must be a positive integer"):
        read_view(InputLimits, merge_params({"max_images_per_request": bad}))


@pytest.mark.parametrize("bad", [0, 65536, True, "9100", 91.5])
def test_metrics_port_is_a_port_or_null(bad):
    assert read_view(StatusOptions, merge_params()).metrics_port is None
    assert read_view(StatusOptions, merge_params({"metrics_port": 9100})).metrics_port == 9100
    with pytest.raises(ValueError, match="metrics_port must be a TCP port number"):
        read_view(StatusOptions, merge_params({"metrics_port": bad}))


def test_wrong_choices_and_shapes_are_refused():
    with pytest.raises(ValueError, match="det_limit_type must be max, min or resize_long"):
        read_view(DetectorOptions, merge_params({"det_limit_type": "longest"}), model=None)
    assert parse_shape("3, 48, 320") == (3, 48, 320) and parse_shape([3, 48, 192]) == (3, 48, 192)
    with pytest.raises(ValueError, match="three positive integers"):
        parse_shape("48, 320")


@pytest.mark.parametrize("module", MODULES)
def test_params_py_sets_only_known_options_and_none_today(module):
    params = importlib.import_module("hubserving.%s.params" % module).read_params()
    merge_params(params)  # raises on an unknown name
    assert params == {}, "a module's params.py lists only what truly differs for it"


def test_backend_openvino_refuses_what_it_cannot_do_in_one_sentence():
    from ocr_engine.runtime.choice import this_machine

    with pytest.raises(ValueError, match="backend must be auto, paddle or openvino, not 'onnx'"):
        runtime_options(merge_params({"backend": "onnx"}))
    with pytest.raises(ValueError, match="backend openvino runs on the CPU only"):
        runtime_options(merge_params({"backend": "openvino", "use_gpu": True}))
    with pytest.raises(ValueError, match="precision must be auto, fp32, bf16 or int8 with backend openvino, not"):
        runtime_options(merge_params({"backend": "openvino", "precision": "fp16"}))
    bf16 = merge_params({"backend": "openvino", "precision": "bf16"})
    if this_machine().bf16_units:
        assert runtime_options(bf16).precision == "bf16"
        with pytest.raises(ValueError, match="precision must be fp32, fp16 or int8 with backend paddle, not 'bf16'"):
            runtime_options(merge_params({"backend": "paddle", "precision": "bf16"}))
    else:
        with pytest.raises(ValueError, match="needs a CPU with bf16 units"):
            runtime_options(bf16)
    runtime = runtime_options(merge_params({"backend": "openvino"}))
    assert runtime.backend == "openvino" and runtime != runtime_options(merge_params({}))
