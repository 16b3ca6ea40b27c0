"""Side-by-side benchmark of octet, ONNX Runtime, PyTorch and OpenVINO over the suite in
bench/models.json.

    python bench/peers/harness.py [--quick] [--models NAME ...] [--threads 1 2]

Writes bench/results.json (raw numbers) and bench/RESULTS.md (tables generated from it).
On a CPU whose best octet kernel path is above avx2, the engine octet-avx2 is added: octet's own
files run as on an AVX2-only CPU (engine_octet.AVX2_ENV).
Anything missing -- a model not built yet, an engine that cannot run it, octet int8 before
the quantizer exists -- becomes a row that says "not available: <reason>", never a crash."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import engine_octet
import engine_openvino
import engine_ort
import engine_torch
import interleave
import metrics
import report
import sections
import stats
import suite
import sysinfo
from suite import Missing, describe

PRECISIONS = ("fp32", "int8")
# octet's int8 with 7-bit weights (`quantize --reduce-weight-range`): its speed option for CPUs
# without VNNI, where the GEMMs then run on vpmaddubsw. Run by octet and octet-avx2 beside "int8".
INT8_W7 = "int8-w7"
W7_FLAGS = ("--reduce-weight-range",)
ENGINES = (engine_octet.ENGINE, engine_ort.ENGINE, engine_torch.ENGINE, engine_openvino.ENGINE)
# Extra engines: octet-avx2 (octet's files, octet's kernels capped at AVX2) is in a default run only
# where the CPU's best octet path is above avx2 (default_engines).
ALL_ENGINES = ENGINES + (engine_octet.AVX2_ENGINE,)
# ONNX Runtime's histogram calibrations timed beside its MinMax (quantize_static) for static models.
ORT_CALIBRATIONS = ("Entropy", "Percentile")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Artifact:
    """What one engine runs at one precision: an ONNX path or a torch module, with its size
    and quantization time -- or the reason it does not exist; `note` goes into the row."""

    def __init__(self, model=None, nbytes=None, quant_s=None, reason=None, note=None):
        self.model, self.nbytes, self.quant_s, self.reason, self.note = model, nbytes, quant_s, reason, note


def _attempt(make) -> Artifact:
    try:
        return make()
    except Exception as err:  # a peer library refusing a model is a result, not a crash
        return Artifact(reason=describe(err))


def build_artifacts(model, onnx_path: Path, names: list[str], quick: bool, engines,
                    ort_calibrations=ORT_CALIBRATIONS) -> tuple[dict, dict]:
    """(artifacts by (engine, precision), quantization times for the "quantization time" table)."""
    mode = model.int8_mode
    out = suite.OUT_DIR / "models"
    out.mkdir(parents=True, exist_ok=True)
    size = onnx_path.stat().st_size
    calib, calib_reason = [], "the model needs none"
    if mode == "static":
        try:
            calib = suite.calib_feeds(model, onnx_path, model.variants[0], quick)
        except Missing as err:
            calib_reason = str(err)
    arts = {}

    def onnx_int8(quantize, tag):
        def make():
            if mode == "static" and not calib:
                raise Missing(f"no calibration data: {calib_reason}")
            path = out / f"{model.name}.{tag}.int8.onnx"
            seconds = quantize(onnx_path, path, mode, calib)
            return Artifact(path, path.stat().st_size, seconds)
        return make

    torch_fp32 = _attempt(lambda: _torch_fp32(model, onnx_path, names)) if "torch" in engines else None

    def torch_int8():
        if torch_fp32.reason:
            raise Missing(torch_fp32.reason)
        if mode == "static" and not calib:
            raise Missing(f"no calibration data: {calib_reason}")
        q, seconds = engine_torch.quantize(torch_fp32.model, mode, calib, names)
        return Artifact(q, engine_torch.state_bytes(q), seconds)

    # octet-avx2 runs octet's files and OpenVINO the other engines' int8 files: they come after them.
    later = {engine_octet.AVX2_ENGINE: 1, engine_openvino.ENGINE: 2}
    for engine in sorted(engines, key=lambda e: later.get(e, 0)):
        if engine == engine_octet.AVX2_ENGINE:
            for prec in PRECISIONS + (INT8_W7,):
                arts[(engine, prec)] = _attempt(lambda: octet_avx2(arts, prec))
        elif engine == engine_openvino.ENGINE:
            arts[(engine, "fp32")] = Artifact(onnx_path, size)
            arts[(engine, "int8")] = _attempt(lambda: openvino_int8(arts))
        elif engine == engine_torch.ENGINE:
            arts[(engine, "fp32")] = torch_fp32
            arts[(engine, "int8")] = _attempt(torch_int8)
        else:
            quantizer = engine_octet if engine == engine_octet.ENGINE else engine_ort
            arts[(engine, "fp32")] = _attempt(lambda: _onnx_fp32(quantizer, onnx_path, size))
            arts[(engine, "int8")] = _attempt(onnx_int8(quantizer.quantize, "octet") if quantizer is engine_octet
                                              else onnx_int8(ort_quantize, "ort"))
            if quantizer is engine_octet:
                arts[(engine, INT8_W7)] = _attempt(onnx_int8(
                    lambda *a: engine_octet.quantize(*a, flags=W7_FLAGS), "octet-w7"))
        for prec in (p for e, p in arts if e == engine):
            a = arts[(engine, prec)]
            log(f"  {engine} {prec}: " + (f"not available: {a.reason}" if a.reason else "ready"))
    return arts, quant_times(model, onnx_path, calib, calib_reason, arts, engines, ort_calibrations)


def octet_avx2(arts: dict, prec: str) -> Artifact:
    """octet-avx2 runs the very file octet's row of `prec` runs (octet's int8 file: quantized once,
    so no quantization time of its own), after checking that OCTET_ISA=avx2 takes."""
    octet = arts.get((engine_octet.ENGINE, prec))
    if octet is None:
        raise Missing("runs octet's files: octet is not among --engines")
    if octet.reason:
        raise Missing(f"runs octet's {prec} file: {octet.reason}")
    engine_octet.check_avx2()
    note = engine_octet.AVX2_NOTE + (f"; runs octet's {prec} file" if prec != "fp32" else "")
    return Artifact(octet.model, octet.nbytes, note=note)


def default_engines() -> tuple[list[str], str]:
    """The engines of a run without --engines, and what was decided about octet-avx2 and why."""
    try:
        wanted, why = engine_octet.avx2_rows_wanted(engine_octet.version_text())
    except Missing as err:
        wanted, why = False, f"octet's kernel paths unknown ({err})"
    return list(ENGINES) + ([engine_octet.AVX2_ENGINE] if wanted else []), why


def openvino_int8(arts: dict) -> Artifact:
    """OpenVINO's int8 row runs the file octet's int8 row runs, else ORT's, and says which."""
    octet, ort = arts.get((engine_octet.ENGINE, "int8")), arts.get((engine_ort.ENGINE, "int8"))
    if octet is not None and not octet.reason:
        return Artifact(octet.model, octet.nbytes, note="runs octet's int8 file")
    if ort is not None and not ort.reason:
        why = f" (octet's: {octet.reason})" if octet is not None else ""
        return Artifact(ort.model, ort.nbytes, note=f"runs ORT's int8 file{why}")
    reasons = "; ".join(f"{a[0]}: {arts[a].reason}" for a in ((engine_octet.ENGINE, "int8"), (engine_ort.ENGINE, "int8"))
                        if a in arts)
    raise Missing("needs octet's or ORT's int8 file" + (f" ({reasons})" if reasons else ""))


def _timed(art) -> dict:
    if art is None:
        return {"seconds": None, "reason": "engine not run"}
    return {"seconds": art.quant_s, "reason": art.reason}


def ort_quantize(*args) -> float:
    """ORT's quantizer on one CPU, as octet's runs with --threads 1 (the times side by side)."""
    return engine_ort.quantize(*args, one_cpu=True)


def quant_times(model, onnx_path: Path, calib: list[dict], calib_reason: str, arts: dict, engines,
                ort_calibrations) -> dict:
    """Quantization wall times: octet's and ORT's from their int8 artifacts; for static models also
    ORT quantize_static with each of `ort_calibrations` on the same calibration samples (those
    files are only timed, then deleted)."""
    mode = model.int8_mode
    times = {"mode": mode, "calib_samples": len(calib) if mode == "static" else None,
             "octet": _timed(arts.get((engine_octet.ENGINE, "int8"))),
             "ort_MinMax" if mode == "static" else "ort_dynamic": _timed(arts.get((engine_ort.ENGINE, "int8")))}
    if mode != "static":
        return times
    for method in ort_calibrations:
        key = f"ort_{method}"
        if engine_ort.ENGINE not in engines:
            times[key] = {"seconds": None, "reason": "engine not run"}
            continue
        if not calib:
            times[key] = {"seconds": None, "reason": f"no calibration data: {calib_reason}"}
            continue
        path = suite.OUT_DIR / "models" / f"{model.name}.ort_{method.lower()}.int8.onnx"
        log(f"  onnxruntime quantize_static, {method} calibration")
        try:
            times[key] = {"seconds": ort_quantize(onnx_path, path, "static", calib, method), "reason": None}
        except Exception as err:
            times[key] = {"seconds": None, "reason": describe(err)}
        finally:
            path.unlink(missing_ok=True)
        log(f"    {times[key]['seconds'] or times[key]['reason']}")
    return times


def _onnx_fp32(engine_module, onnx_path: Path, size: int) -> Artifact:
    if engine_module is engine_octet:
        engine_octet.binary()  # raises Missing until the CLI is built
    return Artifact(onnx_path, size)


def _torch_fp32(model, onnx_path, names) -> Artifact:
    module = engine_torch.build_fp32(model, onnx_path, names)
    return Artifact(module, engine_torch.state_bytes(module))


def make_runner(engine: str, prec: str, art: Artifact, threads: int, feed: dict, names: list[str]):
    if engine == engine_octet.ENGINE:
        return engine_octet.OctetRunner(art.model, threads, feed)
    if engine == engine_octet.AVX2_ENGINE:
        return engine_octet.OctetRunner(art.model, threads, feed, env=engine_octet.avx2_env())
    if engine == engine_ort.ENGINE:
        return engine_ort.OrtRunner(art.model, threads, feed)
    if engine == engine_openvino.ENGINE:
        return engine_openvino.OpenVinoRunner(art.model, threads, feed, int8=prec == "int8")
    return engine_torch.TorchRunner(art.model, threads, feed, names)


def _row(engine, prec, threads, art: Artifact) -> dict:
    return {"engine": engine, "precision": prec, "threads": threads, "status": "ok",
            "reason": None, "model_bytes": art.nbytes, "quant_s": art.quant_s,
            "metric_value": None, "metric_note": None, "note": art.note}


def _unavailable(row: dict, reason: str) -> dict:
    row.update(status="not available", reason=reason)
    return row


def fidelity(model, runner, eval_feeds, reference, labels) -> tuple[float, str | None]:
    """The model's metric on its evaluation data; fidelity metrics compare against the ORT fp32
    output, or against the engine's own fp32 output when its output differs in shape."""
    out = runner.infer(eval_feeds)[model.entry.get("output", 0)]
    if labels is not None:
        return metrics.evaluate(model.metric, out, labels=labels), None
    ref, note = reference
    if ref.shape != out.shape:
        raise Missing(f"output shape {out.shape} differs from the reference {ref.shape}")
    return metrics.evaluate(model.metric, out, reference=ref), note


def bench_variant(model, variant, onnx_path, arts, names, args) -> list[dict]:
    feed = suite.latency_feed(model, onnx_path, variant)
    eval_feeds = suite.eval_feeds(model, onnx_path, variant, args.quick)
    labels = suite.labels(model, sum(next(iter(f.values())).shape[0] for f in eval_feeds)) \
        if metrics.METRICS[model.metric][1] else None
    schedule = interleave.QUICK if args.quick else interleave.FULL
    rows, refs = [], {}
    for threads in args.threads:
        runners, pending = {}, []
        for (engine, prec), art in arts.items():
            row = _row(engine, prec, threads, art)
            rows.append(row)
            if art.reason:
                _unavailable(row, art.reason)
                continue
            try:
                runners[(engine, prec)] = make_runner(engine, prec, art, threads, feed, names)
                row["note"] = "; ".join(n for n in (art.note, getattr(runners[(engine, prec)], "note", None)) if n) or None
                pending.append(row)
            except Exception as err:
                _unavailable(row, describe(err))
        log(f"  {variant.label}, {threads} thread(s): {len(runners)} runners interleaved")
        latencies, failed = interleave.measure(runners, schedule)
        for row in pending:
            key = (row["engine"], row["precision"])
            if key in failed:
                _unavailable(row, failed[key])
                continue
            row.update(stats.summarize(latencies[key]), latencies_ms=latencies[key])
            if threads == args.threads[0]:
                _score(model, row, runners[key], eval_feeds, labels, refs)
        for r in runners.values():
            r.close()
    for row in rows:  # accuracy does not depend on the thread count: copy to the other rows
        first = next(r for r in rows if r["engine"] == row["engine"] and r["precision"] == row["precision"])
        if row["status"] == "ok" and row["metric_value"] is None:
            row["metric_value"], row["metric_note"] = first["metric_value"], first["metric_note"]
    return rows


def _score(model, row, runner, eval_feeds, labels, refs) -> None:
    """Fills the metric; the ORT fp32 row (scored first, see ENGINE_ORDER) is the reference."""
    try:
        if labels is None and "ref" not in refs:
            refs["ref"] = (runner.infer(eval_feeds)[model.entry.get("output", 0)], None)
        value, note = fidelity(model, runner, eval_feeds, refs.get("ref"), labels)
        row["metric_value"], row["metric_note"] = value, note
    except Exception as err:
        row["metric_note"] = f"not measured: {describe(err)}"


def bench_model(model, args) -> dict:
    log(f"{model.name}: {model.title}")
    entry = {"name": model.name, "title": model.title, "metric": model.metric,
             "int8_mode": model.int8_mode, "arch": model.arch, "status": "ok", "reason": None, "variants": []}
    try:
        onnx_path = suite.resolve_onnx(model, refresh=args.refresh)
        names = [n for n, _, _ in suite.input_specs(onnx_path)]
    except Missing as err:
        log(f"  not available: {err}")
        entry.update(status="not available", reason=str(err))
        return entry
    entry["onnx"] = str(onnx_path.relative_to(suite.REPO)) if onnx_path.is_relative_to(suite.REPO) else str(onnx_path)
    arts, entry["quant_times"] = build_artifacts(model, onnx_path, names, args.quick, args.engines,
                                                 args.ort_calibrations)
    arts = dict(sorted(arts.items(), key=lambda kv: ENGINE_ORDER.index(kv[0])))
    for variant in model.variants:
        try:
            rows = bench_variant(model, variant, onnx_path, arts, names, args)
        except Missing as err:
            log(f"  {variant.label}: not available: {err}")
            entry["variants"].append({"label": variant.label, "status": "not available",
                                      "reason": str(err), "rows": []})
            continue
        entry["variants"].append({"label": variant.label, "status": "ok", "reason": None,
                                  "foundation": variant.foundation, "rows": rows})
    return entry


# ORT fp32 first: it is the fidelity reference the other rows are scored against.
ENGINE_ORDER = [("onnxruntime", "fp32"), ("octet", "fp32"), ("octet-avx2", "fp32"), ("torch", "fp32"),
                ("openvino", "fp32"), ("octet", "int8"), ("octet-avx2", "int8"), ("octet", INT8_W7),
                ("octet-avx2", INT8_W7), ("onnxruntime", "int8"), ("torch", "int8"), ("openvino", "int8")]


def bench_kernels(args) -> dict:
    """The single-op suite lives in kernel_peers.py (the kernel issue's module)."""
    try:
        import kernel_peers
    except ModuleNotFoundError as err:
        if err.name != "kernel_peers":
            raise
        return {"status": "not available", "reason": "bench/peers/kernel_peers.py not written yet", "rows": []}
    log("kernels: kernel_peers.run")
    try:
        return {"status": "ok", "reason": None, "rows": kernel_peers.run(args.threads, args.quick)}
    except Exception as err:
        return {"status": "not available", "reason": f"kernel_peers.run failed: {describe(err)}", "rows": []}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="smoke run: fewer runs and samples")
    p.add_argument("--models", nargs="*", help="only these suite entries (default: all)")
    p.add_argument("--engines", nargs="*", choices=ALL_ENGINES,
                   help=f"default: {' '.join(ENGINES)}, and {engine_octet.AVX2_ENGINE} where this CPU's best "
                        "octet kernel path is above avx2 (octet's files with its kernels capped at AVX2)")
    p.add_argument("--threads", nargs="*", type=int, default=[1, 2])
    p.add_argument("--ort-calibrations", nargs="*", default=list(ORT_CALIBRATIONS),
                   choices=("MinMax", "Entropy", "Percentile", "Distribution"),
                   help="ORT quantize_static calibrations timed beside octet's quantizer (static models; "
                        "none: only the MinMax run that makes ORT's int8 file)")
    p.add_argument("--no-kernels", action="store_true", help="skip the single-op suite")
    p.add_argument("--octet", type=Path, default=engine_octet.BINARY, help="the octet CLI binary")
    p.add_argument("--octet-unavailable", metavar="REASON", help="report octet's rows as not available")
    p.add_argument("--suite", type=Path, default=suite.SUITE_FILE, help="the suite file")
    p.add_argument("--refresh", action="store_true", help="re-export models even when cached")
    p.add_argument("--command", default=" ".join(["python"] + sys.argv),
                   help="the command line recorded in RESULTS.md")
    p.add_argument("--json", type=Path, default=suite.REPO / "bench" / "results.json")
    p.add_argument("--markdown", type=Path, default=suite.REPO / "bench" / "RESULTS.md")
    args = p.parse_args(argv)

    engine_octet.BINARY, engine_octet.UNAVAILABLE = args.octet.resolve(), args.octet_unavailable
    if args.engines is None:
        args.engines, avx2_why = default_engines()
    else:
        avx2_why = "--engines " + ("includes" if engine_octet.AVX2_ENGINE in args.engines else "leaves out") \
            + f" {engine_octet.AVX2_ENGINE}"
    log(f"engines: {' '.join(args.engines)} ({engine_octet.AVX2_ENGINE}: {avx2_why})")
    models = suite.load_suite(args.suite)
    if args.models:
        unknown = set(args.models) - {m.name for m in models}
        if unknown:
            p.error(f"unknown models: {', '.join(sorted(unknown))}")
        models = [m for m in models if m.name in args.models]
    started = time.time()
    meta = sysinfo.meta(args.command, args.quick, args.threads)
    meta["engines"] = list(args.engines)
    meta["octet_avx2"] = {"included": engine_octet.AVX2_ENGINE in args.engines, "why": avx2_why,
                          "env": engine_octet.AVX2_ENV}
    try:
        meta["octet_kernels"] = engine_octet.kernels_line()
    except Missing as err:
        meta["octet_kernels"] = f"unknown: {err}"
    results = {"meta": meta,
               "models": [bench_model(m, args) for m in models],
               "kernels": {"status": "skipped", "reason": "--no-kernels", "rows": []}
               if args.no_kernels else bench_kernels(args)}
    results["meta"]["wall_s"] = round(time.time() - started, 1)
    results["meta"]["schedule"] = dataclasses.asdict(interleave.QUICK if args.quick else interleave.FULL)
    args.json.write_text(json.dumps(results, indent=1) + "\n")
    old = args.markdown.read_text() if args.markdown.is_file() else ""
    sections.write_atomic(args.markdown, sections.keep_sections(old, report.render(results)))
    log(f"wrote {args.json} and {args.markdown} in {results['meta']['wall_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
