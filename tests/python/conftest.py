"""Shared fixtures of the Python package's tests (make python-test installs the wheel in a fresh venv).

OCTET_BIN names the CLI the package is compared with (build/bin/octet); without it, the CLI the
wheel ships (python -m octet)."""
import os
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODEL = os.path.join(REPO, "examples", "mnist_cnn.onnx")
CALIB = os.path.join(REPO, "examples", "mnist_calib.npz")
TEST_DATA = os.path.join(REPO, "examples", "mnist_test.npz")


def cli(*args):
    """Runs the octet CLI; (exit status, stdout, stderr)."""
    octet_bin = os.environ.get("OCTET_BIN")
    command = [octet_bin] if octet_bin else [sys.executable, "-m", "octet"]
    done = subprocess.run([*command, *map(str, args)], capture_output=True, text=True)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="session")
def int8_model(tmp_path_factory):
    """The bundled MNIST CNN quantized by the CLI (256 calibration samples): its path."""
    path = tmp_path_factory.mktemp("cli") / "mnist.int8.onnx"
    rc, out, err = cli("quantize", MODEL, "-o", path, "--mode", "static", "--calib", CALIB, "--samples", 256)
    assert rc == 0, err
    return str(path)
