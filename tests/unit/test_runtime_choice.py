"""The rule behind `backend: auto` and `precision: auto` (ocr_engine.runtime.choice), on machines described rather
than detected: which runtime and precision each model gets, and the sentences for what cannot run."""

import dataclasses

import pytest

from ocr_engine import merge_params
from ocr_engine.runtime import PredictorOptions
from ocr_engine.runtime.choice import (
    INT8_BY_DEFAULT,
    NOT_INT8,
    Machine,
    cpu_flags,
    for_model,
    has_bf16_units,
    has_int8_units,
    settled,
)
from ocr_engine.runtime.predictor import backend

BF16_X86 = Machine(x86=True, bf16_units=True, openvino=True)
AVX2_X86 = Machine(x86=True, bf16_units=False, openvino=True)
ARM = Machine(x86=False, bf16_units=False, openvino=True)
NO_OPENVINO = Machine(x86=True, bf16_units=True, openvino=False)
VNNI_BF16_X86 = Machine(x86=True, bf16_units=True, openvino=True, int8_units=True)
VNNI_X86 = Machine(x86=True, bf16_units=False, openvino=True, int8_units=True)


def raw(**given) -> PredictorOptions:
    """The options as read from params, before any rule (what from_params hands to ``settled``)."""
    params = merge_params(given)
    fields = {field.name: params[field.name] for field in dataclasses.fields(PredictorOptions)}
    return PredictorOptions(**dict(fields, gpu_id=fields["gpu_id"] or 0))


def model_runs(machine: Machine, model_dir=None, model=None, int8_ready=False, **given) -> tuple:
    options, why = for_model(settled(raw(**given), machine), model_dir, machine, model=model, int8_ready=int8_ready)
    return options.backend, options.precision, why


def test_cpu_models_go_to_openvino_in_bf16_where_the_cpu_has_the_units():
    assert model_runs(BF16_X86)[:2] == ("openvino", "bf16")
    assert "bf16 units" in model_runs(BF16_X86)[2]
    assert model_runs(AVX2_X86)[:2] == ("openvino", "fp32")
    assert model_runs(BF16_X86, precision="fp32")[:2] == ("openvino", "fp32")


def test_paddle_where_openvino_is_not_measured_or_missing():
    backend_name, precision, why = model_runs(ARM)
    assert (backend_name, precision) == ("paddle", "fp32") and "not measured" in why
    backend_name, precision, why = model_runs(NO_OPENVINO)
    assert (backend_name, precision) == ("paddle", "fp32") and "openvino package is not installed" in why


def test_a_folder_openvino_cannot_read_runs_on_paddle_and_says_why(tmp_path):
    pir, legacy = tmp_path / "pir", tmp_path / "legacy"
    for folder, program in ((pir, "inference.json"), (legacy, "inference.pdmodel")):
        folder.mkdir()
        (folder / program).write_text("")
    backend_name, precision, why = model_runs(BF16_X86, str(pir))
    assert (backend_name, precision) == ("paddle", "fp32")
    assert why == "backend auto: its folder holds no program OpenVINO reads (%s), as a PIR export does not" % (
        ", ".join(backend("openvino").program_files))
    assert model_runs(BF16_X86, str(legacy))[:2] == ("openvino", "bf16")
    with pytest.raises(ValueError, match="precision bf16 runs on OpenVINO only, and model .*pir runs on Paddle"):
        model_runs(BF16_X86, str(pir), precision="bf16")


def test_a_model_openvino_fails_to_load_goes_to_paddle_with_the_reason():
    options = settled(raw(), BF16_X86)
    chosen, why = for_model(options, None, BF16_X86, instead_of="openvino cannot load it: bad op")
    assert (chosen.backend, chosen.precision) == ("paddle", "fp32")
    assert why == "backend auto: openvino cannot load it: bad op"


def test_an_explicit_backend_keeps_its_path_with_its_own_precision():
    assert model_runs(BF16_X86, backend="paddle") == ("paddle", "fp32", "configured")
    assert model_runs(BF16_X86, backend="openvino")[:2] == ("openvino", "bf16")
    assert model_runs(AVX2_X86, backend="openvino")[:2] == ("openvino", "fp32")


def test_what_the_cpu_cannot_do_is_refused_in_one_sentence():
    with pytest.raises(ValueError, match="^precision bf16 needs a CPU with bf16 units, which this one lacks"):
        settled(raw(precision="bf16"), AVX2_X86)
    with pytest.raises(ValueError, match="^precision fp16 needs TensorRT on the GPU"):
        settled(raw(precision="fp16"), BF16_X86)


def test_auto_on_the_gpu_is_paddle_inference():
    import paddle

    if paddle.device.is_compiled_with_cuda():
        pytest.skip("this paddlepaddle has CUDA; the CPU-only build's refusal shows the choice")
    # Paddle's own GPU check answers: the GPU went to Paddle Inference, not OpenVINO.
    with pytest.raises(RuntimeError, match="installed paddlepaddle has no CUDA support"):
        settled(raw(use_gpu=True), BF16_X86)


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16\n\nprocessor\t: 1\nflags\t: fpu\n")
    flags = cpu_flags(str(cpuinfo))
    assert has_bf16_units(flags) and "avx2" in flags
    assert has_bf16_units(frozenset({"amx_bf16"})) and not has_bf16_units(frozenset({"avx512f", "avx512_vnni"}))
    assert cpu_flags(str(tmp_path / "missing")) == frozenset()


def test_int8_for_the_models_it_was_chosen_for_where_the_cpu_has_int8_units_and_it_is_prepared(tmp_path):
    chosen = sorted(INT8_BY_DEFAULT)[0]
    assert model_runs(VNNI_BF16_X86, model=chosen, int8_ready=True)[:2] == ("openvino", "int8")
    assert "int8: the CPU has INT8 units" in model_runs(VNNI_BF16_X86, model=chosen, int8_ready=True)[2]
    assert model_runs(VNNI_X86, model=chosen, int8_ready=True)[:2] == ("openvino", "int8")
    # Not prepared: bf16, and the log says what makes the INT8 version.
    backend_name, precision, why = model_runs(VNNI_BF16_X86, model=chosen)
    assert (backend_name, precision) == ("openvino", "bf16") and "ocr_engine.prepare" in why, why
    # No INT8 units: as before, and the log says why not INT8.
    backend_name, precision, why = model_runs(BF16_X86, model=chosen, int8_ready=True)
    assert (backend_name, precision) == ("openvino", "bf16") and "no INT8 units" in why, why
    assert model_runs(AVX2_X86, model=chosen, int8_ready=True)[:2] == ("openvino", "fp32")
    # A user's folder of the same task is not the bundled model: never INT8 by itself.
    (tmp_path / "inference.pdmodel").write_text("")
    assert model_runs(VNNI_BF16_X86, str(tmp_path), model=chosen, int8_ready=True)[:2] == ("openvino", "bf16")
    # A fixed precision or Paddle keeps its own.
    assert model_runs(VNNI_BF16_X86, model=chosen, int8_ready=True, precision="bf16")[1] == "bf16"
    assert model_runs(VNNI_BF16_X86, model=chosen, int8_ready=True, backend="paddle")[:2] == ("paddle", "fp32")
    assert model_runs(VNNI_BF16_X86, model=chosen, int8_ready=True, backend="openvino")[1] == "int8"


def test_a_model_int8_did_not_pay_for_stays_in_bf16_and_the_log_says_why():
    for model, reason in NOT_INT8.items():
        backend_name, precision, why = model_runs(VNNI_BF16_X86, model=model, int8_ready=True)
        assert (backend_name, precision) == ("openvino", "bf16") and why.endswith("not int8: " + reason), why


def test_precision_int8_forces_int8_on_openvino_and_is_refused_where_paddle_runs(tmp_path):
    assert model_runs(AVX2_X86, model="ch_ppocr_mobile_v2.0_cls", precision="int8")[:2] == ("openvino", "int8")
    pir = tmp_path / "pir"
    pir.mkdir()
    (pir / "inference.json").write_text("")
    with pytest.raises(ValueError, match="precision int8 runs on OpenVINO only, and model .*pir runs on Paddle"):
        model_runs(VNNI_BF16_X86, str(pir), precision="int8")


def test_int8_units_are_vnni_or_amx_int8():
    assert has_int8_units(frozenset({"avx512_vnni"})) and has_int8_units(frozenset({"avx_vnni"}))
    assert has_int8_units(frozenset({"amx_int8"})) and not has_int8_units(frozenset({"avx2", "avx512f"}))
