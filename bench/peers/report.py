"""bench/RESULTS.md from the results dict that harness.py writes to bench/results.json.
Pure: the same results always render the same text (the self-test relies on it)."""
from __future__ import annotations

from engine_octet import AVX2_ENGINE, AVX2_ENV, best_path, kernel_paths
from metrics import METRICS
from stats import ratio

FP32_TARGET = 1.5  # foundation issue: octet fp32 within 1.5x of ONNX Runtime fp32 latency

# octet's int8 with 7-bit weights (harness.py INT8_W7): the AVX2 targets are checked for it too.
INT8_W7 = "int8-w7"

# Issue 19 ("Real models run fast"), the targets table: ratios of medians at the same thread count.
INT8_VS_ORT = 1.3       # ORT int8 / octet int8 >= 1.3
INT8_VS_OPENVINO = 1.0  # OpenVINO int8 / octet int8 >= 1.0
INT8_VS_FP32 = {"cnn": 2.0, "transformer": 1.5}  # octet fp32 / octet int8, by the entry's "arch"
FP32_VS_ORT = 1.1       # octet fp32 / ORT fp32 <= 1.1
PEERS = ("onnxruntime", "openvino", "torch")  # "every peer's int8" of the AVX2 target
TITLES = {"octet": "octet", AVX2_ENGINE: AVX2_ENGINE, "onnxruntime": "ORT", "openvino": "OpenVINO",
          "torch": "PyTorch"}


def _num(v, digits: int = 3) -> str:
    if v is None:
        return "—"
    if v == 0:
        return "0"
    return f"{v:.{digits}g}" if abs(v) < 10 ** digits else f"{v:.0f}"


def _metric(name: str, v) -> str:
    if v is None:
        return "—"
    if name == "top1":
        return f"{100 * v:.2f} %"
    if name == "cosine":
        return f"{v:.5f}"
    return f"{v:.2e}"


def _mb(nbytes) -> str:
    return "—" if nbytes is None else _num(nbytes / 1e6)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _find(rows, engine, precision, threads):
    for r in rows:
        if (r["engine"], r["precision"], r["threads"]) == (engine, precision, threads) and r["status"] == "ok":
            return r
    return None


def baseline(rows: list[dict], threads: int, engine: str = "octet") -> tuple[str | None, dict | None]:
    """The row ratios are taken against: `engine`'s int8, or its fp32 while int8 is missing."""
    for prec in ("int8", "fp32"):
        r = _find(rows, engine, prec, threads)
        if r is not None:
            return f"{engine} {prec}", r
    return None, None


DISPLAY_ORDER = {"octet": 0, AVX2_ENGINE: 1, "onnxruntime": 2, "openvino": 3, "torch": 4}


def _note(r: dict) -> str:
    """The row's own note (which file OpenVINO runs, what runs in int8) and the metric's."""
    return "; ".join(n for n in (r.get("note"), r.get("metric_note")) if n)


def _ratio_cell(r: dict, rows: list[dict], engine: str) -> str:
    """r's median over the baseline of `engine` (its int8, else its fp32) at r's thread count."""
    base_name, base = baseline(rows, r["threads"], engine)
    x = ratio(r["median_ms"], base["median_ms"] if base else None)
    return "—" if x is None else f"{x:.2f}× {base_name}"


def variant_table(metric: str, rows: list[dict]) -> list[str]:
    """One row per engine, precision and thread count. The latency ratio is against octet (its
    native kernels); where octet-avx2 rows exist a second ratio column is against octet-avx2, so
    every row also compares with octet as on an AVX2-only CPU."""
    avx2 = any(r["engine"] == AVX2_ENGINE for r in rows)
    body = []
    for r in sorted(rows, key=lambda r: (r["threads"], r["precision"], DISPLAY_ORDER.get(r["engine"], 9))):
        if r["status"] != "ok":
            note = f"not available: {r['reason']}"
            body.append([r["engine"], r["precision"], str(r["threads"]), "—", "—", "—"] + ["—"] * avx2
                        + ["—", _mb(r.get("model_bytes")), _num(r.get("quant_s")), note])
            continue
        body.append([r["engine"], r["precision"], str(r["threads"]), _num(r["median_ms"]),
                     _num(r["p90_ms"]), _ratio_cell(r, rows, "octet")]
                    + [_ratio_cell(r, rows, AVX2_ENGINE)] * avx2
                    + [_metric(metric, r.get("metric_value")), _mb(r.get("model_bytes")),
                       _num(r.get("quant_s")), _note(r)])
    header = ["engine", "precision", "threads", "median ms", "p90 ms", "latency ratio"] \
        + [f"ratio to {AVX2_ENGINE}"] * avx2 + [METRICS[metric][3], "size MB", "quant s", "note"]
    return _table(header, body)


def _times(x: float, target: float) -> str:
    """x as "1.23×"; one more digit where two would print the target itself."""
    text = f"{x:.2f}"
    return (f"{x:.3f}" if text == f"{target:.2f}" and x != target else text) + "×"


def _over(rows, threads, num, den) -> tuple[float | None, str | None]:
    """(median of num / median of den, None), or (None, which median is missing); num and den are
    (engine, precision)."""
    a, b = _find(rows, *num, threads), _find(rows, *den, threads)
    missing = [f"{TITLES.get(e, e)} {p}" for (e, p), r in ((num, a), (den, b)) if r is None]
    if missing:
        return None, "no " + " or ".join(missing) + " median"
    return ratio(a["median_ms"], b["median_ms"]), None


def _verdict(x, missing, target: float, op: str) -> str:
    """The cell: the measured ratio and met / missed against `target` (op ">=", "<=" or ">")."""
    if x is None:
        return f"not measured ({missing})"
    met = {">=": x >= target, "<=": x <= target, ">": x > target}[op]
    return f"{_times(x, target)} {'met' if met else 'missed'}"


def avx2_engine(models: list[dict], meta: dict) -> tuple[str | None, str]:
    """Whose rows the AVX2 targets read: octet-avx2's where they exist; octet's own where octet ran
    its avx2 path on a CPU whose best path is avx2 (an AVX2-only CPU); else none. With why."""
    if any(r["engine"] == AVX2_ENGINE for m in models for v in m.get("variants", []) for r in v.get("rows", [])):
        return AVX2_ENGINE, (f"{AVX2_ENGINE}: octet's own files with OCTET_ISA=avx2 and ONEDNN_MAX_CPU_ISA=AVX2, "
                             "octet's kernels as on an AVX2-only CPU")
    chosen, runs = kernel_paths(meta.get("octet_kernels", ""))
    if chosen == "avx2" and best_path(runs) == "avx2":
        return "octet", "octet's own rows: this CPU's best octet path is avx2"
    return None, ""


def targets_table(models: list[dict], meta: dict | None = None) -> list[str]:
    """Issue 19's targets per model, variant and thread count, each cell the measured ratio of
    medians and whether it meets the target; a target that cannot be checked says which median
    is missing."""
    eng, _ = avx2_engine(models, meta or {})
    body = []
    for m in models:
        if m.get("status") != "ok":
            continue
        arch = m.get("arch")
        for v in m.get("variants", []):
            if v.get("status") != "ok":
                continue
            rows = v["rows"]
            for threads in sorted({r["threads"] for r in rows}):
                cells = [_verdict(*_over(rows, threads, ("onnxruntime", "int8"), ("octet", "int8")), INT8_VS_ORT, ">="),
                         _verdict(*_over(rows, threads, ("openvino", "int8"), ("octet", "int8")), INT8_VS_OPENVINO, ">=")]
                x, missing = _over(rows, threads, ("octet", "fp32"), ("octet", "int8"))
                if arch in INT8_VS_FP32:
                    cells.append(_verdict(x, missing, INT8_VS_FP32[arch], ">=") + f" (≥ {INT8_VS_FP32[arch]}×, {arch})")
                else:
                    why = f"{arch}" if arch else "no arch in bench/models.json"
                    cells.append(("—" if x is None else _times(x, 0)) + f" (no target: {why})")
                cells.append(_verdict(*_over(rows, threads, ("octet", "fp32"), ("onnxruntime", "fp32")), FP32_VS_ORT, "<="))
                if eng:
                    for prec in ("int8", INT8_W7):
                        cells.append(_verdict(*_over(rows, threads, (eng, "fp32"), (eng, prec)), 1.0, ">"))
                        cells.append(_fastest_peer(rows, threads, eng, prec))
                body.append([f"{m['name']} {v['label']}", str(threads)] + cells)
    if not body:
        return ["No model ran (see the per-model sections below)."]
    header = ["model", "threads", f"ORT int8 / octet int8 (≥ {INT8_VS_ORT}×)",
              f"OpenVINO int8 / octet int8 (≥ {INT8_VS_OPENVINO}×)",
              "octet fp32 / octet int8 (≥ " + ", ≥ ".join(f"{t}× {a}" for a, t in INT8_VS_FP32.items()) + ")",
              f"octet fp32 / ORT fp32 (≤ {FP32_VS_ORT}×)"]
    if eng:
        for prec in ("int8", INT8_W7):
            header += [f"{eng} fp32 / {eng} {prec} (> 1×)", f"fastest peer int8 (native) / {eng} {prec} (> 1×)"]
    return _table(header, body)


def _fastest_peer(rows, threads, eng: str, prec: str = "int8") -> str:
    """eng's `prec` against every peer's int8: the ratio to the fastest peer's median (> 1: faster
    than all of them), which peer that is, and the peers without an int8 median."""
    mine = _find(rows, eng, prec, threads)
    peers = {p: _find(rows, p, "int8", threads) for p in PEERS}
    have = {p: r for p, r in peers.items() if r is not None}
    absent = [TITLES[p] for p, r in peers.items() if r is None]
    if mine is None or not have:
        return f"not measured (no {TITLES.get(eng, eng)} {prec} median)" if mine is None \
            else "not measured (no peer int8 median)"
    fastest = min(have, key=lambda p: have[p]["median_ms"])
    cell = _verdict(ratio(have[fastest]["median_ms"], mine["median_ms"]), None, 1.0, ">") + f" (vs {TITLES[fastest]}"
    return cell + (f"; no {' or '.join(absent)} int8 median)" if absent else ")")


def targets_section(models: list[dict], meta: dict) -> list[str]:
    eng, why = avx2_engine(models, meta)
    lines = ["Per model, variant and thread count, from the medians in the sections below: each cell is "
             "the measured ratio and whether it meets the target (a missed target reads \"missed\" with its "
             "number; \"not measured\" names the median that is missing). Ratios above 1 in the ≥ and > "
             "columns mean octet is faster; the fp32 column is octet's median over ORT's, at most "
             f"{FP32_VS_ORT}× (octet fp32 no slower than {FP32_VS_ORT}× ORT fp32). The int8-vs-fp32 target "
             "follows the entry's `arch` in bench/models.json.", ""]
    if eng:
        lines += [f"The last four columns are the AVX2 targets ({why}): int8 faster than its own fp32 and than "
                  "every peer's int8 (ORT, OpenVINO, PyTorch), the cell naming the fastest peer; once for "
                  f"octet's default int8 file and once for its {INT8_W7} file (`quantize --reduce-weight-range`: "
                  "7-bit weights, which run on vpmaddubsw without VNNI). The peers ran their native kernels "
                  "on this CPU (no ISA cap): they are not emulated.", ""]
    return lines + targets_table(models, meta)


def foundation_table(models: list[dict]) -> list[str]:
    body = []
    for m in models:
        for v in m.get("variants", []):
            if not v.get("foundation"):
                continue
            for threads in sorted({r["threads"] for r in v["rows"]}):
                o = _find(v["rows"], "octet", "fp32", threads)
                ort = _find(v["rows"], "onnxruntime", "fp32", threads)
                x = ratio(o and o["median_ms"], ort and ort["median_ms"])
                verdict = "—" if x is None else ("met" if x <= FP32_TARGET else "missed")
                body.append([f"{m['name']} {v['label']}", str(threads),
                             _num(o and o["median_ms"]), _num(ort and ort["median_ms"]),
                             "—" if x is None else f"{x:.2f}×", verdict])
    if not body:
        return ["No foundation model ran (see the per-model sections below)."]
    return _table(["model", "threads", "octet fp32 ms", "ORT fp32 ms", "octet / ORT",
                   f"target ≤ {FP32_TARGET}×"], body)


QUANT_COLUMNS = (("octet", "octet"), ("ort_MinMax", "ORT MinMax"), ("ort_Entropy", "ORT Entropy"),
                 ("ort_Percentile", "ORT Percentile"))


def _seconds(cell: dict | None) -> str:
    if cell is None:
        return "—"
    if cell.get("seconds") is not None:
        return _num(cell["seconds"])
    return f"not available: {cell.get('reason') or 'unknown'}"


def quant_table(models: list[dict]) -> list[str]:
    """Wall seconds of each quantizer per model: octet's default (`--threads 1`) and ONNX Runtime's
    quantize_static with MinMax, Entropy and Percentile calibration on the same samples; for
    dynamic models ORT's quantize_dynamic stands in the MinMax column (no calibration)."""
    body = []
    for m in models:
        q = m.get("quant_times")
        if m["status"] != "ok" or not q:
            continue
        static = q.get("mode") == "static"
        cells = [_seconds(q.get("octet"))]
        if static:
            cells += [_seconds(q.get(key)) for key, _ in QUANT_COLUMNS[1:]]
        else:
            dyn = _seconds(q.get("ort_dynamic"))
            cells += [dyn + (" (quantize_dynamic)" if q.get("ort_dynamic", {}).get("seconds") is not None else ""),
                      "—", "—"]
        samples = str(q["calib_samples"]) if static and q.get("calib_samples") is not None else "—"
        body.append([m["name"], q.get("mode", "—"), samples] + cells)
    if not body:
        return ["No model was quantized (see the per-model sections below)."]
    return _table(["model", "int8", "calibration samples"] + [f"{title} s" for _, title in QUANT_COLUMNS], body)


def kernel_table(kernels: dict) -> list[str]:
    if kernels["status"] != "ok":
        return [f"Not available: {kernels['reason']}."]
    body = [[str(r["shape"]), str(r["threads"]), r["engine"], r["op"], _num(r["median_us"]),
             _num(r.get("gops")), r.get("error") or r.get("note", "")] for r in kernels["rows"]]
    method = ["Per shape and thread count, every engine takes a turn each round (octet_bench in its own "
              "process, the peers in this one after one unrecorded call), each turn after the same idle "
              "pause as the models' turns; median over the rounds.", ""]
    return method + _table(["shape", "threads", "engine", "op", "median µs", "GOPS", "note"], body)


def _octet_kernels(meta: dict) -> str:
    line = f"- octet's INT8 kernel path: `{meta.get('octet_kernels', 'not recorded')}`."
    avx2 = meta.get("octet_avx2")
    if not avx2:
        return line
    if avx2.get("included"):
        env = " ".join(f"{k}={v}" for k, v in avx2.get("env", AVX2_ENV).items())
        return (line + f" {AVX2_ENGINE} rows ({avx2.get('why')}): octet's own fp32 and int8 files, run by the same "
                f"`octet bench --serve` and `octet run` with {env}, emulating an AVX2-only CPU for octet's "
                "kernels (its INT8 kernels and oneDNN's fp32 ones); ONNX Runtime, PyTorch and OpenVINO "
                "are not emulated and run their native kernels.")
    return line + f" No {AVX2_ENGINE} rows: {avx2.get('why')}."


def header(meta: dict) -> list[str]:
    cpu, sched = meta["cpu"], meta.get("schedule", {})
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    return [
        "# octet vs ONNX Runtime vs PyTorch vs OpenVINO",
        "",
        "Generated by `bench/peers/harness.py` from `bench/results.json`; do not edit by hand.",
        "Regenerate with `make bench-peers` (`QUICK=1` for the smoke run).",
        "",
        f"- Command: `{meta['command']}`",
        f"- Date: {meta['date']}; {'quick smoke run' if meta['quick'] else 'full run'}"
        + (f", {meta['wall_s']} s" if "wall_s" in meta else ""),
        f"- CPU: {cpu['model']}, {cpu['logical_cpus']} logical CPUs; flags: {' '.join(cpu['flags']) or 'none found'}",
        f"- Versions: {versions}; Python {meta['python']}",
        f"- Latency: batch as labelled; per engine {sched.get('warmup', '?')} warm-up runs, then "
        f"{sched.get('rounds', '?')} interleaved rounds of {sched.get('per_turn', '?')} runs "
        f"(octet, ORT, torch, ... in turn; each turn starts after {sched.get('quiet_s', 0)} s idle, so that "
        f"the previous engine's spinning threads have stopped, and {sched.get('rewarm', 0)} unrecorded "
        "run); median and p90 in ms. Threads pinned by each engine's "
        "own setting: octet `--threads N`, ORT intra_op_num_threads=N with inter_op 1 and "
        "ORT_ENABLE_ALL, torch.set_num_threads(N), OpenVINO INFERENCE_NUM_THREADS=N with NUM_STREAMS 1, "
        "PERFORMANCE_HINT LATENCY and INFERENCE_PRECISION_HINT f32 (the model reshaped to the input's shape). "
        "OpenVINO's int8 row runs octet's int8 file (ORT's where the row says so).",
        "- Latency ratio: median / the octet baseline's median at the same thread count "
        "(octet int8; octet fp32 while octet int8 is not available); above 1 is slower than octet."
        + (f" Where {AVX2_ENGINE} rows exist, the column \"ratio to {AVX2_ENGINE}\" divides by {AVX2_ENGINE} "
           f"int8's median in the same way ({AVX2_ENGINE} fp32's while its int8 is not available)."
           if meta.get("octet_avx2", {}).get("included") else ""),
        _octet_kernels(meta),
        "- Size: ONNX file bytes; for torch, its serialized state_dict. Quant s: wall time of the "
        "quantizer, calibration included, on one CPU: octet with `--threads 1`, ORT's quantize_static with "
        "the process pinned to one CPU (it lets no caller set its calibration session's threads).",
        "",
    ]


def render(results: dict) -> str:
    lines = header(results["meta"])
    lines += ["## Targets (issue 19: real models run fast)", ""]
    lines += targets_section(results["models"], results["meta"]) + [""]
    lines += ["## fp32: octet vs ONNX Runtime (foundation issue)", ""]
    lines += foundation_table(results["models"]) + [""]
    lines += ["## Quantization time", ""]
    lines += quant_table(results["models"]) + [""]
    for m in results["models"]:
        lines += [f"## {m['title']} (`{m['name']}`)", ""]
        if m["status"] != "ok":
            lines += [f"Not available: {m['reason']}.", ""]
            continue
        lines += [f"ONNX `{m['onnx']}`; int8: {m['int8_mode']}; metric: {METRICS[m['metric']][3]}.", ""]
        for v in m["variants"]:
            lines += [f"### {v['label']}", ""]
            lines += [f"Not available: {v['reason']}."] if v["status"] != "ok" \
                else variant_table(m["metric"], v["rows"])
            lines += [""]
    lines += ["## Single-op kernels (`bench/peers/kernel_peers.py`)", ""]
    lines += kernel_table(results["kernels"]) + [""]
    return "\n".join(lines)
