#!/usr/bin/env python3
"""End-to-end checks of `octet run` on real pretrained models against ONNX Runtime.

  check_real_models.py OCTET_BIN [--work DIR] [--threads N]

- MiniLM (all-MiniLM-L6-v2, exported by scripts/real_models.py): the sentence embedding of every
  sentence must have cosine >= 0.99999 with ONNX Runtime's.
- Silero VAD (silero_vad_openvino_16k.onnx from the silero-vad wheel): speech probabilities within
  1e-4 of ONNX Runtime's over a whole utterance. That model's input is fixed at batch 1 and its
  LSTM state is an input/output pair, so the check runs it as it is used: window by window, one
  `octet run` per window, feeding octet's own stateN back as the next state (ONNX Runtime runs
  the same loop with its own state), so drift in the carried state shows too.

Both compare octet's fp32 run with ONNX Runtime's fp32 run, which every CPU computes to float
rounding, so the tolerances hold on any x86-64 CPU; the run's first line names octet's kernel path
(OCTET_ISA forces one: `make test` runs these checks on the machine's best path, avx2 and ref).

The exported model and the inputs are cached in --work (default build/models, not committed).
Prints PASS/FAIL per check, then 'N passed, M failed'; exits 1 if any check failed.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench" / "peers"))
import real_models  # noqa: E402
import sysinfo  # noqa: E402

MIN_COSINE = 0.99999
MAX_PROB_DIFF = 1e-4


class CheckFailed(Exception):
    pass


def octet_run(octet: Path, model: Path, feeds: dict, out: Path, threads: int) -> dict:
    """`octet run MODEL -i NAME=FILE.npy ... -o OUT.npz` (DESIGN.md's CLI contract)."""
    cmd = [str(octet), "run", str(model), "-o", str(out), "--threads", str(threads)]
    for name, path in feeds.items():
        cmd += ["-i", f"{name}={path}"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise CheckFailed(f"octet run exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    with np.load(out) as z:
        return {k: z[k] for k in z.files}


def kernel_paths(octet: Path) -> tuple[str, list[str]]:
    """The INT8 kernel path `octet` runs in this environment (OCTET_ISA) and every path this CPU
    runs, from `octet --version` ("kernels: avx2 (this CPU runs: ref avx2 ...; ...)")."""
    proc = subprocess.run([str(octet), "--version"], capture_output=True, text=True)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("kernels: ")), "")
    chosen, _, rest = line.removeprefix("kernels: ").partition(" (this CPU runs: ")
    if proc.returncode != 0 or not rest:
        raise SystemExit(f"{octet} --version: no kernel path in {proc.stdout.strip()!r} {proc.stderr.strip()!r}")
    return chosen, rest.partition(";")[0].split()


def cpu_vnni() -> str | None:
    """The VNNI flag of this CPU (avx512_vnni or avx_vnni), or None: where ONNX Runtime's u8s8
    kernels use vpdpbusd and are exact; without VNNI they saturate int16 pairs (vpmaddubsw)."""
    flags = sysinfo.cpu()["flags"]
    return next((f for f in ("avx512_vnni", "avx_vnni") if f in flags), None)


def ort_session(model: Path) -> ort.InferenceSession:
    return ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])


def check_minilm(octet: Path, work: Path, threads: int) -> str:
    model = work / "minilm.onnx"
    feeds = {n: work / f"minilm.{n}.npy" for n in real_models.MINILM_INPUTS}
    want = ort_session(model).run(["sentence_embedding"],
                                  {n: np.load(p) for n, p in feeds.items()})[0]
    got = octet_run(octet, model, feeds, work / "minilm.octet.npz", threads)
    if "sentence_embedding" not in got:
        raise CheckFailed(f"octet's outputs lack sentence_embedding (has {sorted(got)})")
    emb = got["sentence_embedding"]
    if emb.shape != want.shape:
        raise CheckFailed(f"sentence_embedding shape {emb.shape}, ONNX Runtime's {want.shape}")
    cosine = np.sum(emb * want, axis=1) / (np.linalg.norm(emb, axis=1) * np.linalg.norm(want, axis=1))
    for i, c in enumerate(cosine):
        print(f"  sentence {i}: cosine {c:.8f}")
    if not np.all(cosine >= MIN_COSINE):  # also false for NaN
        raise CheckFailed(f"min cosine {np.nanmin(cosine):.8f} < {MIN_COSINE}")
    return f"{len(cosine)} sentences, min cosine {cosine.min():.8f}"


def check_silero(octet: Path, work: Path, threads: int) -> str:
    model = real_models.silero_path()
    windows = np.load(work / "silero.windows.npy")
    state0 = np.load(work / "silero.state0.npy")
    sess = ort_session(model)
    want, state = [], state0
    for x in windows:
        prob, state = sess.run(["output", "stateN"], {"input": x, "state": state})
        want.append(prob.item())
    got = []
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        tmp = Path(tmp)
        np.save(tmp / "state.npy", state0)
        for x in windows:
            np.save(tmp / "input.npy", x)
            out = octet_run(octet, model, {"input": tmp / "input.npy", "state": tmp / "state.npy"},
                            tmp / "out.npz", threads)
            got.append(out["output"].item())
            np.save(tmp / "state.npy", out["stateN"])
    diff = np.abs(np.array(got) - np.array(want))
    diff[np.isnan(diff)] = np.inf
    worst = int(np.argmax(diff))
    summary = (f"{len(windows)} windows of 512 samples, max |p_octet - p_ort| {diff[worst]:.2e} "
               f"at window {worst}")
    if diff[worst] > MAX_PROB_DIFF:
        raise CheckFailed(summary + f" > {MAX_PROB_DIFF}")
    return summary


def prepare(work: Path):
    """Exports MiniLM and writes the inputs unless a previous run left them in `work`."""
    if not (work / "minilm.onnx").is_file():
        print(f"exporting MiniLM to {work / 'minilm.onnx'} ...", flush=True)
        real_models.export_minilm(work / "minilm.onnx")
    if not (work / "silero.windows.npy").is_file():
        real_models.make_inputs(work)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("octet", type=Path, help="the octet CLI binary")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "models",
                        help="where the exported model and inputs are cached")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if not args.octet.is_file():
        parser.error(f"{args.octet}: no such file (build the octet CLI first)")
    args.work.mkdir(parents=True, exist_ok=True)
    prepare(args.work)
    return run_checks([("minilm", check_minilm), ("silero-vad", check_silero)], args)


def run_checks(checks, args, failures=(CheckFailed,)) -> int:
    """Runs each (name, check(octet, work, threads)), printing PASS/FAIL and a count; 1 if any failed."""
    chosen, supported = kernel_paths(args.octet)
    forced = f"forced by OCTET_ISA={os.environ['OCTET_ISA']}" if os.environ.get("OCTET_ISA") else "this CPU's best"
    onednn = os.environ.get("ONEDNN_MAX_CPU_ISA")
    print(f"{sysinfo.cpu()['model']}: octet runs its {chosen} kernels ({forced}; the CPU runs {' '.join(supported)})"
          + (f", oneDNN capped at {onednn}" if onednn else ""), flush=True)
    failed = 0
    for name, check in checks:
        start = time.monotonic()
        try:
            result = check(args.octet.resolve(), args.work, args.threads)
            print(f"PASS {name}: {result} ({time.monotonic() - start:.1f} s)", flush=True)
        except failures as e:
            failed += 1
            print(f"FAIL {name}: {e}", flush=True)
    print(f"{len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
