"""octet.quantize_aware_train gives `octet qat`'s model byte for byte, reports each step and
epoch, trains without labels by distillation, and raises OctetError on bad labels."""
import numpy as np
import pytest

import octet
from conftest import MODEL, REPO, TEST_DATA, cli

LABELS = REPO + "/examples/mnist_test_labels.npy"


def test_equals_the_cli_and_reports(tmp_path):
    cli_out = tmp_path / "cli.qat.onnx"
    # The 1,000 test digits stand in for training data: the test is about the binding.
    rc, _, err = cli("qat", MODEL, "--train", TEST_DATA, "--labels", LABELS, "--epochs", 1, "--batch", 100,
                     "--per-tensor", "--no-checkpoint", "-o", cli_out)
    assert rc == 0, err
    steps, history = [], []
    data = octet.quantize_aware_train(MODEL, TEST_DATA, np.load(LABELS), epochs=1, batch_size=100,
                                      per_channel=False, on_step=lambda *a: steps.append(a), history=history)
    assert data == cli_out.read_bytes()
    assert [s[1] for s in steps] == list(range(1, 11)) and steps[-1][2] == 10
    assert len(history) == 1 and history[0]["loss"] > 0 and history[0]["top1"] > 0.9


def test_distills_without_labels():
    x = {"input": np.load(TEST_DATA)["input"][:200]}
    history = []
    data = octet.quantize_aware_train(MODEL, x, distill="kl", epochs=1, batch_size=50, history=history)
    assert data[:2] and history[0]["top1"] == -1


def test_bad_labels_raise_octet_error():
    labels = np.load(LABELS).copy()
    labels[7] = 12
    with pytest.raises(octet.OctetError, match="label 12 of sample 7"):
        octet.quantize_aware_train(MODEL, TEST_DATA, labels, epochs=1)
