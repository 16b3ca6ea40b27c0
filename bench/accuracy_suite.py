#!/usr/bin/env python3
"""Accuracy suite (issue 26): octet's int8 models of real pretrained models from PyPI wheels
against ONNX Runtime's quantize_static (MinMax, Entropy, Percentile), OpenVINO NNCF's quantize and
torch.ao, on the same calibration samples; output cosine to fp32 and agreement of the decision
each model's output is used for, on evaluation samples kept apart. Writes the `accuracy-suite`
section of bench/RESULTS.md.

  .venv/bin/python bench/accuracy_suite.py [--octet build/bin/octet] [--quick] [--models magika,det,...]

The models, their samples and scores: bench/accuracy/models.py; the quantizers:
bench/accuracy/quantizers.py; the table: bench/accuracy/table.py; docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for sub in ("bench/accuracy", "bench/peers", "bench", "scripts"):
    sys.path.insert(0, str(ROOT / sub))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import engine_octet  # noqa: E402
import models  # noqa: E402
import quantizers as qz  # noqa: E402
import sections  # noqa: E402
import suite  # noqa: E402
import sysinfo  # noqa: E402
import table  # noqa: E402

# Single octet flags tried on a model whose default models all miss the goal: the one observer the
# default (`auto`: the histogram, entropy, mse and percentile ranges, whichever is closest) does not
# try, then --exclude of the model's normalizations where it has them written out; the tries stop
# at the first that reaches the goal.
FLAG_TRIES = [("--observer", "minmax")]


def evaluate(study: models.Study, runner) -> np.ndarray | list:
    """The compared output over the evaluation samples: one array (batched models) or, for a
    stateful model, one array per clip, the state carried window to window from zeros."""
    if study.state is None:
        return np.concatenate([runner(f)[study.output] for f in study.eval])
    name, index = study.state
    zeros = np.zeros_like(study.calib[0][name])
    clips = []
    for clip in study.eval:
        state, outs = zeros, []
        for feed in clip:
            out = runner({**feed, name: state})
            outs.append(np.ravel(out[study.output]))
            state = out[index]
        clips.append(np.concatenate(outs))
    return clips


def measure(study, reference, label: str, kind: str, make) -> table.Row:
    """One quantizer's row: make() -> (runner, seconds); any failure becomes the row's reason."""
    print(f"  {label} ...", flush=True)
    t0 = time.perf_counter()
    try:
        runner, seconds = make()
        cosine, agreement = study.score(reference, evaluate(study, runner))
    except Exception as err:  # noqa: BLE001  (a quantizer or runtime failing is a result to report)
        print(f"    failed: {suite.describe(err)}", flush=True)
        return table.Row(label, kind, reason=suite.describe(err))
    print(f"    cosine {cosine:.4f}, agreement {table.num(agreement, '.2f')} %, quantize {seconds:.1f} s "
          f"(row {time.perf_counter() - t0:.0f} s)", flush=True)
    return table.Row(label, kind, cosine, agreement, seconds)


def study_rows(study: models.Study, work: Path, threads: int) -> list[table.Row]:
    fp32, calib = study.fp32, study.calib
    octet_calib = study.octet_calib or calib
    out = lambda tag: work / f"{study.key}.{tag}.onnx"  # noqa: E731
    reference = evaluate(study, qz.ort_runner(fp32, threads))
    rows = [measure(study, reference, "octet static (default)", "octet",
                    lambda: qz.octet(fp32, out("octet"), "static", octet_calib, threads, study.octet_flags))]
    # A speed option, not a default: what 7-bit weights cost where they buy ~2x on CPUs without VNNI.
    rows.append(measure(study, reference, "octet static --reduce-weight-range (7-bit weights)", "octet option",
                        lambda: qz.octet(fp32, out("octet_w7"), "static", octet_calib, threads,
                                         study.octet_flags + ("--reduce-weight-range",))))
    if study.dynamic:
        rows.append(measure(study, reference, "octet dynamic (default)", "octet",
                            lambda: qz.octet(fp32, out("octet_dyn"), "dynamic", [], threads)))
    for method in ("MinMax", "Entropy", "Percentile"):
        rows.append(measure(study, reference, f"ORT quantize_static {method}", "peer",
                            lambda: qz.ort_static(fp32, out(f"ort_{method}"), calib, method, threads)))
    if study.dynamic:
        rows.append(measure(study, reference, "ORT quantize_dynamic", "peer",
                            lambda: qz.ort_dynamic(fp32, out("ort_dyn"), threads)))
    rows.append(measure(study, reference, "NNCF quantize (OpenVINO)", "peer",
                        lambda: qz.nncf_static(fp32, calib, threads)))
    names = [n for n, _, _ in suite.input_specs(fp32)]
    for mode in ("static", "dynamic") if study.dynamic else ("static",):
        rows.append(measure(study, reference, f"torch.ao {mode} (x86)", "peer",
                            lambda: qz.torch_quantize(qz.torch_fp32(fp32, study.torch, names, calib[0], study.output,
                                                                    study.torch_wrap),
                                                      mode, calib, names, threads, study.torch_wrap)))
    if not any(r.meets_goal() for r in rows if r.kind == "octet"):
        for i, (label, flags) in enumerate(flag_tries(study)):
            row = measure(study, reference, label, "octet flag",
                          lambda: qz.octet(fp32, out(f"flag{i}"), "static", octet_calib, threads,
                                           study.octet_flags + flags))
            rows.append(row)
            if row.meets_goal():
                break
    return rows


def flag_tries(study: models.Study) -> list[tuple[str, tuple]]:
    tries = [(f"octet static {' '.join(f)}", f) for f in FLAG_TRIES]
    if study.exclude:
        what, names = study.exclude
        tries.append((f"octet static --exclude ({what}: {len(names)} nodes)", ("--exclude", *names)))
    return tries


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--octet", type=Path, default=ROOT / "build" / "bin" / "octet")
    p.add_argument("--quick", action="store_true", help="fewer samples (about 10 minutes on 2 cores)")
    p.add_argument("--models", default=",".join(models.BUILDERS), help="comma-separated subset")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--markdown", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = p.parse_args()
    engine_octet.BINARY = args.octet.resolve()
    import onnxruntime
    onnxruntime.set_default_logger_severity(3)  # no warnings about initializers the optimizer drops
    keys = [k for k in args.models.split(",") if k]
    unknown = set(keys) - set(models.BUILDERS)
    if unknown:
        p.error(f"unknown models {sorted(unknown)}; known: {', '.join(models.BUILDERS)}")
    command = "make bench-accuracy" + (" QUICK=1" if args.quick else "")
    if args.octet.resolve() != (ROOT / "build" / "bin" / "octet").resolve():
        command = " ".join([".venv/bin/python bench/accuracy_suite.py", "--octet", str(args.octet)] +
                           (["--quick"] if args.quick else []))
    meta = sysinfo.meta(command, args.quick, [args.threads],
                        ("nncf", "magika", "rapidocr_onnxruntime", "silero_vad"))
    meta["load"] = open("/proc/loadavg").read().split()[0]
    t0 = time.perf_counter()
    texts = models.texts()
    results = []
    with tempfile.TemporaryDirectory(prefix="octet_accuracy_") as tmp:
        for key in keys:
            print(f"== {key}", flush=True)
            study = models.BUILDERS[key](args.quick, texts)
            results.append((study, study_rows(study, Path(tmp), args.threads)))
    meta["minutes"] = (time.perf_counter() - t0) / 60
    text = table.render(results, meta)
    print(text)
    if set(keys) == set(models.BUILDERS):
        sections.replace_section(args.markdown, "accuracy-suite", text)
    else:
        print(f"(a subset of the models: {args.markdown} left as it is)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
