"""bench/RESULTS.md from the results dict that harness.py writes to bench/results.json.
Pure: the same results always render the same text (the self-test relies on it)."""
from __future__ import annotations

from metrics import METRICS
from stats import ratio

FP32_TARGET = 1.5  # foundation issue: octet fp32 within 1.5x of ONNX Runtime fp32 latency


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


def baseline(rows: list[dict], threads: int) -> tuple[str | None, dict | None]:
    """The row ratios are taken against: octet int8, or octet fp32 while int8 is missing."""
    for prec in ("int8", "fp32"):
        r = _find(rows, "octet", prec, threads)
        if r is not None:
            return f"octet {prec}", r
    return None, None


DISPLAY_ORDER = {"octet": 0, "onnxruntime": 1, "openvino": 2, "torch": 3}


def _note(r: dict) -> str:
    """The row's own note (which file OpenVINO runs, what runs in int8) and the metric's."""
    return "; ".join(n for n in (r.get("note"), r.get("metric_note")) if n)


def variant_table(metric: str, rows: list[dict]) -> list[str]:
    body = []
    for r in sorted(rows, key=lambda r: (r["threads"], r["precision"], DISPLAY_ORDER.get(r["engine"], 9))):
        base_name, base = baseline(rows, r["threads"])
        if r["status"] != "ok":
            note = f"not available: {r['reason']}"
            body.append([r["engine"], r["precision"], str(r["threads"]), "—", "—", "—", "—",
                         _mb(r.get("model_bytes")), _num(r.get("quant_s")), note])
            continue
        x = ratio(r["median_ms"], base["median_ms"] if base else None)
        body.append([r["engine"], r["precision"], str(r["threads"]), _num(r["median_ms"]),
                     _num(r["p90_ms"]), "—" if x is None else f"{x:.2f}× {base_name}",
                     _metric(metric, r.get("metric_value")), _mb(r.get("model_bytes")),
                     _num(r.get("quant_s")), _note(r)])
    header = ["engine", "precision", "threads", "median ms", "p90 ms", "latency ratio",
              METRICS[metric][3], "size MB", "quant s", "note"]
    return _table(header, body)


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
        "(octet int8; octet fp32 while octet int8 is not available); above 1 is slower than octet.",
        "- Size: ONNX file bytes; for torch, its serialized state_dict. Quant s: wall time of the "
        "quantizer, calibration included (octet with `--threads 1`; ORT's calibration session takes "
        "its default thread count, which quantize_static does not let a caller set).",
        "",
    ]


def render(results: dict) -> str:
    lines = header(results["meta"])
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
