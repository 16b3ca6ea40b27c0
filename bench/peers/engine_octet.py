"""octet through its CLI: `octet bench --serve` for interleaved latency, `octet run` for
outputs, `octet quantize` for its int8 model. Contract: DESIGN.md, "The CLI"."""
from __future__ import annotations

import json
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


class OctetRunner:
    """A long-lived `octet bench --serve` process: each `run(k)` asks it for k inferences."""

    def __init__(self, model_path: Path, threads: int, feed: dict):
        self.model, self.threads = model_path, threads
        self.tmp = tempfile.TemporaryDirectory(prefix="octet_peers_")
        folder = Path(self.tmp.name)
        argv = [str(binary()), "bench", str(model_path), *_write_inputs(feed, folder, "lat"),
                "--threads", str(threads), "--warmup", "1", "--serve"]
        # stderr goes to a file: a pipe nobody reads could fill up and stall the process.
        self.stderr = open(folder / "stderr.txt", "w+")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, text=True)
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
        folder = Path(self.tmp.name)
        runs = []
        for i, feed in enumerate(feeds):
            out = folder / f"out_{i}.npz"
            argv = [str(binary()), "run", str(self.model), *_write_inputs(feed, folder, f"in{i}"),
                    "-o", str(out), "--threads", str(self.threads)]
            done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                raise Missing(f"octet run exited {done.returncode}: {_first_error(done.stderr)}")
            with np.load(out) as z:
                runs.append([z[n] for n in names])
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


def quantize(fp32: Path, out: Path, mode: str, calib: list[dict], threads: int = 1) -> float:
    """`octet quantize --threads 1` (its default observer and bias correction): calibration samples
    go in one npz keyed by input name (axis 0 = sample)."""
    with tempfile.TemporaryDirectory(prefix="octet_calib_") as tmp:
        argv = [str(binary()), "quantize", str(fp32), "-o", str(out), "--mode", mode, "--threads", str(threads)]
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
        raise Missing(f"octet quantize --mode {mode} failed: {reason}")
    return seconds


def version() -> str:
    done = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True)
    return done.stdout.strip() or "unknown"
