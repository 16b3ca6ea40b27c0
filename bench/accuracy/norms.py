"""The nodes of LayerNorms written out as elementary ops, for the suite's `--exclude` row (keeping
them in float, issue 26). Nodes are (op_type, name) pairs in graph order."""
from __future__ import annotations

from pathlib import Path

# PaddlePaddle's export of LayerNorm (RapidOCR's recognizer): mean, centre, square, mean,
# epsilon, root, divide, scale, shift.
PADDLE_LAYERNORM = ("ReduceMean", "Sub", "Pow", "ReduceMean", "Add", "Sqrt", "Div", "Mul", "Add")


def graph_nodes(path: Path) -> list[tuple[str, str]]:
    import onnx
    return [(n.op_type, n.name) for n in onnx.load(str(path), load_external_data=False).graph.node]


def named(nodes: list[tuple[str, str]], part: str) -> list[str]:
    """Names of the nodes whose name contains `part` (a scope, e.g. Magika's "/LayerNorm_")."""
    return [name for _, name in nodes if part in name]


def runs(nodes: list[tuple[str, str]], pattern: tuple[str, ...]) -> list[str]:
    """Names of the nodes of every run of consecutive nodes (Constants skipped) whose op types
    are `pattern`."""
    real = [n for n in nodes if n[0] != "Constant"]
    out, i = [], 0
    while i + len(pattern) <= len(real):
        if tuple(op for op, _ in real[i:i + len(pattern)]) == pattern:
            out += [name for _, name in real[i:i + len(pattern)]]
            i += len(pattern)
        else:
            i += 1
    return out
