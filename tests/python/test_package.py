"""What the wheel ships around the API: the CLI as `python -m octet`, type stubs, py.typed."""
import os
import re
import subprocess
import sys

import octet
from conftest import cli

PACKAGE = os.path.dirname(octet.__file__)


def module_cli(*args):
    done = subprocess.run([sys.executable, "-m", "octet", *args], capture_output=True, text=True)
    return done.returncode, done.stdout, done.stderr


def test_python_m_octet_is_the_cli():
    rc, out, _ = module_cli("--help")
    assert rc == 0 and "quantize" in out and "run" in out
    cli_rc, cli_out, _ = cli("--help")  # CLI11's usage line names argv[0]: the path it was run by
    assert (rc, out.replace("Usage: octet ", "Usage: ", 1)) == (cli_rc, re.sub(r"Usage: \S+ ", "Usage: ", cli_out, 1))
    rc, out, _ = module_cli("--version")
    assert rc == 0 and out.startswith(f"octet {octet.__version__}\nkernels: ")


def test_cli_errors_and_usage_keep_their_exit_status():
    rc, _, err = module_cli("frobnicate")
    assert rc == 2 and "unknown verb 'frobnicate'" in err
    rc, _, err = module_cli("run", "no_such_model.onnx")
    assert rc == 1 and err.startswith("octet: error: ") and "no_such_model.onnx" in err


def test_stubs_and_marker_ship():
    assert os.path.isfile(os.path.join(PACKAGE, "py.typed"))
    with open(os.path.join(PACKAGE, "_octet.pyi")) as f:
        stubs = f.read()
    for name in ("class Session", "class OctetError", "def quantize_static", "class ValueInfo"):
        assert name in stubs, name


def test_kernel_paths():
    chosen, supported = octet.kernel_paths()
    assert chosen in supported and supported[0] == "ref"
