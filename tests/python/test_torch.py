"""octet.torch.quantize_module: a torch.nn.Module exported and quantized (skipped without torch)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import octet  # noqa: E402
import octet.torch  # noqa: E402


def small_cnn():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
                               torch.nn.AdaptiveAvgPool2d(4), torch.nn.Flatten(), torch.nn.Linear(128, 10))


def test_static_module_matches_torch():
    module = small_cnn()
    x = torch.randn(64, 1, 12, 12)
    int8 = octet.torch.quantize_module(module, x[:1], calib={"input": x}, samples=64)
    got = octet.Session(int8).run({"input": x.numpy()})
    (logits,) = got.values()
    want = module.eval()(x).detach().numpy()
    cosine = (logits * want).sum() / np.linalg.norm(logits) / np.linalg.norm(want)
    assert logits.shape == (64, 10) and cosine > 0.99


def test_dynamic_module_runs():
    module = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4))
    x = torch.randn(8, 16)
    s = octet.Session(octet.torch.quantize_module(module, x, mode="dynamic"))
    (out,) = s.run({"input": x.numpy()}).values()
    np.testing.assert_allclose(out, module(x).detach().numpy(), atol=0.05)


def test_static_needs_calibration_data():
    with pytest.raises(TypeError, match="calib"):
        octet.torch.quantize_module(small_cnn(), torch.randn(1, 1, 12, 12))
