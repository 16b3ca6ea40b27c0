"""octet through its CLI: `octet bench --serve` for interleaved latency, `octet run` for
outputs, `octet quantize` for its int8 model. Contract: DESIGN.md, "The CLI".

The engine "octet-avx2" runs the same files through the same commands with octet's INT8 kernels
forced to their AVX2 path (OCTET_ISA=avx2) and oneDNN, which runs octet's fp32 convolutions and
GEMMs, capped at AVX2 (ONEDNN_MAX_CPU_ISA=AVX2): octet as on an AVX2-only CPU, as
scripts/lower_paths.sh runs the tests. Only octet is emulated; the peers run their native kernels."""
from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from suite import REPO, Missing

ENGINE = "octet"
# Set by harness.py from --octet / --octet-unavailable.
BINARY = REPO / "build" / "bin" / "octet"
UNAVAILABLE: str | None = None

AVX2_ENGINE = "octet-avx2"
AVX2_ENV = {"OCTET_ISA": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}
AVX2_NOTE = ("octet's kernels as on an AVX2-only CPU (OCTET_ISA=avx2, ONEDNN_MAX_CPU_ISA=AVX2); "
             "ONNX Runtime, PyTorch and OpenVINO are not emulated")
# octet's INT8 kernel paths, slowest first: the order kernels/dispatch.h picks the best in.
ISA_RANK = ("ref", "avx2", "avx512bw", "avxvnni", "avx512vnni")
_KERNELS = re.compile(r"^kernels: (?P<chosen>\S+) \(this CPU runs: (?P<runs>[^;)]*)", re.M)


def binary() -> Path:
    if UNAVAILABLE:
        raise Missing(UNAVAILABLE)
    if not BINARY.is_file():
        raise Missing(f"{BINARY} not built")
    return BINARY


def _first_error(stderr: str) -> str:
    """The line that says what went wrong: octet's own error, else the first line (CLI11 puts
    the usage error first and "Run with --help" after it)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("octet: error")]
    return (errors or lines or ["no message"])[-1 if errors else 0]


def _write_inputs(feed: dict, folder: Path, tag: str) -> list[str]:
    args = []
    for name, arr in feed.items():
        path = folder / f"{tag}_{len(args) // 2}.npy"
        np.save(path, arr)
        args += ["-i", f"{name}={path}"]
    return args


def kernel_paths(version_text: str) -> tuple[str | None, list[str]]:
    """(the path octet chose, the paths this CPU runs) from `octet --version`'s line
    "kernels: avx512vnni (this CPU runs: ref avx2 avx512bw avx512vnni; ...)"; (None, []) without it."""
    m = _KERNELS.search(version_text)
    return (m["chosen"], m["runs"].split()) if m else (None, [])


def best_path(runs: list[str]) -> str | None:
    """The fastest path of `runs` that ISA_RANK knows (the CPU's best, whatever OCTET_ISA forces)."""
    known = [p for p in runs if p in ISA_RANK]
    return max(known, key=ISA_RANK.index) if known else None


def avx2_rows_wanted(version_text: str) -> tuple[bool, str]:
    """Whether the octet-avx2 engine belongs in a default run, and why: only where the CPU's best
    path is above avx2 (on an AVX2-only CPU octet's own rows already are the AVX2 numbers)."""
    _, runs = kernel_paths(version_text)
    best = best_path(runs)
    if best is None:
        return False, "octet --version names no kernel paths"
    if "avx2" not in runs:
        return False, "this CPU cannot run octet's avx2 path"
    if ISA_RANK.index(best) <= ISA_RANK.index("avx2"):
        return False, f"this CPU's best octet path is {best}: octet's own rows are the AVX2-only numbers"
    return True, f"this CPU's best octet path is {best}"


def avx2_env(base: dict | None = None) -> dict:
    """The environment of octet-avx2's processes: `base` (default os.environ) with AVX2_ENV."""
    return {**(os.environ if base is None else base), **AVX2_ENV}


def version_text(env: dict | None = None) -> str:
    """What `octet --version` prints (under `env`), or a Missing."""
    done = subprocess.run([str(binary()), "--version"], capture_output=True, text=True, timeout=60, env=env)
    if done.returncode != 0:
        raise Missing(f"octet --version exited {done.returncode}: {_first_error(done.stderr)}")
    return done.stdout


def kernels_line(env: dict | None = None) -> str:
    """The "kernels: ..." line of `octet --version` (under `env`)."""
    text = version_text(env)
    return next((ln.strip() for ln in text.splitlines() if ln.startswith("kernels:")), "no kernels line")


def check_avx2() -> str:
    """octet-avx2's check that OCTET_ISA=avx2 took: the path octet chooses under avx2_env()."""
    chosen, _ = kernel_paths(version_text(avx2_env()))
    if chosen != "avx2":
        raise Missing(f"octet with OCTET_ISA=avx2 reports kernels {chosen!r}, not avx2: {kernels_line(avx2_env())}")
    return chosen


class OctetRunner:
    """A long-lived `octet bench --serve` process: each `run(k)` asks it for k inferences.
    `env`: the environment of octet's processes (None: this one's; avx2_env() for octet-avx2)."""

    def __init__(self, model_path: Path, threads: int, feed: dict, env: dict | None = None):
        self.model, self.threads, self.env = model_path, threads, env
        self.tmp = tempfile.TemporaryDirectory(prefix="octet_peers_")
        folder = Path(self.tmp.name)
        argv = [str(binary()), "bench", str(model_path), *_write_inputs(feed, folder, "lat"),
                "--threads", str(threads), "--warmup", "1", "--serve"]
        # stderr goes to a file: a pipe nobody reads could fill up and stall the process.
        self.stderr = open(folder / "stderr.txt", "w+")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, text=True, env=env)
        self._reply()  # {"ready": true} once loaded and warmed up

    def _reply(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=30)
            self.stderr.seek(0)
            raise Missing(f"octet bench exited {self.proc.returncode}: {_first_error(self.stderr.read())}")
        try:
            return json.loads(line)
        except ValueError as err:
            raise Missing(f"octet bench --serve printed {line.strip()[:80]!r}") from err

    def run(self, k: int) -> list[float]:
        try:
            self.proc.stdin.write(f"{k}\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass  # _reply reports the exit status and message
        lat = self._reply().get("latencies_ms")
        if not isinstance(lat, list) or len(lat) != k:
            raise Missing(f"octet bench --serve returned {lat!r:.80} for {k} runs")
        return [float(x) for x in lat]

    def infer(self, feeds: list[dict]) -> list[np.ndarray]:
        """`octet run` once per feed; outputs concatenated along axis 0 in graph output order."""
        from suite import output_names

        names = output_names(self.model)
        runs = [run(self.model, feed, Path(self.tmp.name), self.threads, names, self.env, f"in{i}")
                for i, feed in enumerate(feeds)]
        return [np.concatenate([r[i] for r in runs]) if runs[0][i].ndim else runs[0][i]
                for i in range(len(names))]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()  # EOF ends the serve loop
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc.stdout.close()
        self.stderr.close()
        self.tmp.cleanup()


def run(model: Path, feed: dict, folder: Path, threads: int, names: list[str], env: dict | None = None,
        tag: str = "in") -> list[np.ndarray]:
    """`octet run` on one feed (its inputs written to `folder` as `tag`_*.npy): the outputs `names`."""
    out = folder / f"{tag}_out.npz"
    argv = [str(binary()), "run", str(model), *_write_inputs(feed, folder, tag), "-o", str(out),
            "--threads", str(threads)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, env=env)
    if done.returncode != 0:
        raise Missing(f"octet run exited {done.returncode}: {_first_error(done.stderr)}")
    with np.load(out) as z:
        return [z[n] for n in names]


def quantize(fp32: Path, out: Path, mode: str, calib: list[dict], threads: int = 1, flags: tuple = ()) -> float:
    """`octet quantize --threads N` (its default observer and bias correction, unless `flags` say
    otherwise): calibration samples go in one npz keyed by input name (axis 0 = sample)."""
    with tempfile.TemporaryDirectory(prefix="octet_calib_") as tmp:
        argv = [str(binary()), "quantize", str(fp32), "-o", str(out), "--mode", mode, "--threads", str(threads),
                *flags]
        if mode == "static":
            data = Path(tmp) / "calib.npz"
            np.savez(data, **{k: np.concatenate([f[k] for f in calib]) for k in calib[0]})
            argv += ["--calib", str(data)]
        t0 = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, timeout=1800)
        seconds = time.perf_counter() - t0
    if done.returncode != 0 or not out.is_file():
        reason = _first_error(done.stderr)
        if "subcommand" in reason:  # CLI11's answer to an unknown command
            raise Missing("octet quantize not implemented yet (the CLI has no quantize command)")
        raise Missing(f"octet quantize {' '.join(['--mode', mode, *flags])} failed: {reason}")
    return seconds


def version() -> str:
    done = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True)
    return done.stdout.strip() or "unknown"
