"""octet.quantize_static / quantize_dynamic give the CLI's models, byte for byte, from every form
of input; bad input raises OctetError with the CLI's message."""
import numpy as np
import pytest

import octet
from conftest import CALIB, MODEL, cli


def read(path):
    with open(path, "rb") as f:
        return f.read()


def test_static_from_a_path_equals_the_cli(int8_model, tmp_path):
    out = tmp_path / "py.int8.onnx"
    data = octet.quantize_static(MODEL, CALIB, output=out, samples=256)
    assert data == read(int8_model)  # octet's quantization is deterministic (octet/quantize.h)
    assert read(out) == data


def test_static_from_bytes_dict_and_batches_equals_the_cli(int8_model):
    calib = {"input": np.load(CALIB)["input"][:256]}
    assert octet.quantize_static(read(MODEL), calib) == read(int8_model)
    batches = ({"input": calib["input"][i:i + 64]} for i in range(0, 256, 64))
    assert octet.quantize_static(MODEL, batches) == read(int8_model)


def test_static_from_an_onnx_model_proto(int8_model):
    onnx = pytest.importorskip("onnx")
    assert octet.quantize_static(onnx.load(MODEL), CALIB, samples=256) == read(int8_model)


def test_options_reach_the_quantizer(tmp_path):
    cli_out = tmp_path / "cli.onnx"
    rc, _, err = cli("quantize", MODEL, "-o", cli_out, "--mode", "static", "--calib", CALIB, "--samples", 64,
                     "--per-tensor", "--act-dtype", "s8", "--observer", "minmax", "--no-bias-correction")
    assert rc == 0, err
    data = octet.quantize_static(MODEL, CALIB, samples=64, per_channel=False, activation_type=np.int8,
                                 observer="minmax", bias_correction=False)
    assert data == read(cli_out)
    assert data != octet.quantize_static(MODEL, CALIB, samples=64)


def test_dynamic_equals_the_cli_and_runs(tmp_path):
    cli_out = tmp_path / "cli.dyn.onnx"
    rc, _, err = cli("quantize", MODEL, "-o", cli_out, "--mode", "dynamic")
    assert rc == 0, err
    data = octet.quantize_dynamic(MODEL)
    assert data == read(cli_out)
    x = np.load(CALIB)["input"][:32]
    fp32 = octet.Session(MODEL)
    name = fp32.output_names[0]
    dyn = octet.Session(data).run({"input": x})[name]
    assert dyn.shape == (32, 10)
    assert (dyn.argmax(1) == fp32.run({"input": x})[name].argmax(1)).mean() >= 0.9


def test_unknown_keyword_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="per_chanel"):
        octet.quantize_static(MODEL, CALIB, per_chanel=False)
    with pytest.raises(TypeError, match="observer"):
        octet.quantize_dynamic(MODEL, observer="minmax")


def cli_error(*args):
    rc, _, err = cli(*args)
    assert rc == 1 and err.startswith("octet: error: "), err
    return err[len("octet: error: "):].strip()


def test_a_corrupt_model_raises_the_cli_message(tmp_path):
    bad = tmp_path / "corrupt.onnx"
    bad.write_bytes(b"\x08\x07this is not an onnx model")
    with pytest.raises(octet.OctetError) as e:
        octet.quantize_static(bad, CALIB)
    assert str(bad) in str(e.value)
    assert str(e.value) == cli_error("quantize", bad, "-o", tmp_path / "o.onnx", "--mode", "static", "--calib", CALIB)
    assert isinstance(e.value, RuntimeError)


def test_bad_calibration_data_names_the_file(tmp_path):
    calib = tmp_path / "nan_calib.npz"
    x = np.load(CALIB)["input"][:8].copy()
    x[3, 0, 5, 5] = np.nan
    np.savez(calib, input=x)
    with pytest.raises(octet.OctetError, match="nan_calib.npz") as e:
        octet.quantize_static(MODEL, calib)
    assert str(e.value) == cli_error("quantize", MODEL, "-o", tmp_path / "o.onnx", "--mode", "static", "--calib", calib)


def test_a_missing_node_is_named_with_the_keyword():
    with pytest.raises(octet.OctetError, match="nodes_to_exclude: the model has no node named 'nope'"):
        octet.quantize_static(MODEL, CALIB, samples=8, nodes_to_exclude=["nope"])


def test_output_never_overwrites_the_model(tmp_path):
    model = tmp_path / "m.onnx"
    model.write_bytes(read(MODEL))
    with pytest.raises(octet.OctetError, match="refusing to overwrite"):
        octet.quantize_dynamic(model, output=model)
    assert read(model) == read(MODEL)
