"""octet.Session runs like `octet run`, hands out NumPy arrays, and can be shared by threads."""
import threading

import numpy as np
import pytest

import octet
from conftest import MODEL, TEST_DATA, cli


@pytest.fixture(scope="module")
def digits():
    return np.load(TEST_DATA)["input"][:100]


def test_outputs_equal_octet_run(int8_model, digits, tmp_path):
    feeds = tmp_path / "digits.npz"
    np.savez(feeds, input=digits)
    rc, _, err = cli("run", int8_model, "--data", feeds, "-o", tmp_path / "out.npz", "--threads", 2)
    assert rc == 0, err
    expected = dict(np.load(tmp_path / "out.npz"))
    outputs = octet.Session(int8_model, threads=2).run({"input": digits})
    assert outputs.keys() == expected.keys()
    for name in expected:  # the same lowered graph on the same kernels: the same bits
        assert outputs[name].dtype == expected[name].dtype
        np.testing.assert_array_equal(outputs[name], expected[name])


def test_inputs_and_outputs_are_described(int8_model):
    s = octet.Session(int8_model)
    (x,) = s.get_inputs()
    assert (x.name, x.dtype) == ("input", "float32")
    assert x.shape[1:] == [1, 28, 28]
    assert s.input_names == ["input"]
    assert s.output_names == [v.name for v in s.get_outputs()]


def test_outputs_are_numpy_views_and_inputs_may_be_any_layout(int8_model, digits):
    s = octet.Session(int8_model)
    name = s.output_names[0]
    out = s.run({"input": digits[:8]})[name]
    assert isinstance(out, np.ndarray) and out.base is not None  # over octet's buffer, not a copy
    strided = np.asfortranarray(digits[:8])  # copied to C order on the way in
    np.testing.assert_array_equal(s.run({"input": strided})[name], out)
    raw = np.empty(digits[:8].nbytes + 64, np.uint8)  # octet's layout: used in place
    start = -raw.ctypes.data % 64
    aligned = raw[start:start + digits[:8].nbytes].view(np.float32).reshape(digits[:8].shape)
    aligned[...] = digits[:8]
    np.testing.assert_array_equal(s.run({"input": aligned})[name], out)
    np.testing.assert_array_equal(aligned, digits[:8])  # and left as it was


def test_a_session_shared_by_two_threads_gives_one_threads_results(int8_model, digits):
    s = octet.Session(int8_model, threads=1)
    name = s.output_names[0]
    batches = [digits[i:i + 10] for i in range(0, 100, 10)]
    alone = [s.run({"input": b})[name] for b in batches]
    results = {}

    def worker(k):
        results[k] = [s.run({"input": b})[name] for b in batches for _ in range(3)][::3]

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(2):
        for got, want in zip(results[k], alone):
            np.testing.assert_array_equal(got, want)


def test_bad_inputs_raise_octet_error(int8_model, tmp_path):
    s = octet.Session(int8_model)
    with pytest.raises(octet.OctetError, match="unknown input 'image'"):
        s.run({"image": np.zeros((1, 1, 28, 28), np.float32)})
    with pytest.raises(octet.OctetError, match="input 'input'"):
        s.run({"input": np.zeros((1, 1, 28, 28), np.float64)})
    missing = tmp_path / "missing.onnx"
    with pytest.raises(octet.OctetError, match="missing.onnx"):
        octet.Session(missing)


def test_float_model_runs_too(digits):
    s = octet.Session(MODEL, threads=2)
    logits = s.run({"input": digits})[s.output_names[0]]
    assert logits.shape == (100, 10) and np.isfinite(logits).all()
