#!/usr/bin/env python3
"""Fails when an #include goes against octet's layering (docs/architecture.md, "Layers").

Each library file belongs to a layer: src/<layer>/... by its folder, include/octet/<header> by the
table below (a public header belongs to the layer that implements it), tools/ is the CLI on top and
python/ the Python bindings beside it.
A file may include its own layer and the layers below it, never one above. One more rule keeps a
second CPU architecture one new folder: only src/kernels/<arch>/ includes src/kernels/<arch>/.
Two keep the public API whole: a public header includes only public headers (no src/ header,
whose types would leak), and tools/ and python/ include only public headers and their own files,
so the CLI and the Python package can do nothing an embedder cannot. tests/, bench/, fuzz/ and examples/ may include anything.

Usage: scripts/check_layers.py [REPO_ROOT]
"""
import os
import re
import sys

# Lowest first; the one statement of the order (docs/architecture.md explains each layer).
LAYERS = ["core", "ir", "kernels", "quant", "ops", "runtime", "onnx", "passes", "debug", "train", "api", "tools", "python"]
ARCH_FOLDERS = ["x86"]  # src/kernels/<arch>/: the ISA-specific kernels and their dispatch tables

PUBLIC_HEADER_LAYER = {
    "error.h": "core",
    "tensor.h": "core",
    "graph.h": "ir",
    "kernel_paths.h": "kernels",
    "runtime.h": "runtime",
    "data_layout.h": "runtime",
    "quantize.h": "passes",
    "io.h": "core",
    "samples.h": "core",
    "printer.h": "ir",
    "model.h": "onnx",
    "debug.h": "debug",
    "accuracy.h": "debug",
    "report.h": "debug",
    "qat.h": "train",
    "session.h": "api",
    "octet.h": "api",
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of_file(rel):
    parts = rel.split("/")
    if parts[0] == "src" and len(parts) > 2:
        return parts[1]
    if parts[0] == "include":
        return PUBLIC_HEADER_LAYER.get(parts[-1])
    if parts[0] in ("tools", "python"):
        return parts[0]
    return None


def layer_of_include(inc):
    if inc.startswith("octet/"):
        return PUBLIC_HEADER_LAYER.get(inc[len("octet/"):], "unknown public header")
    first = inc.split("/")[0]
    if first in LAYERS:
        return first
    return None  # a file beside the includer (tools/octet/*.h) or a system header in quotes


def violations(root):
    found = []
    for top in ("src", "include", "tools", "python"):
        for folder, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if not name.endswith((".h", ".cc")):
                    continue
                rel = os.path.relpath(os.path.join(folder, name), root)
                own = layer_of_file(rel)
                if own is None:
                    found.append(f"{rel}: a public header missing from PUBLIC_HEADER_LAYER in {__file__}")
                    continue
                with open(os.path.join(root, rel), encoding="utf-8") as f:
                    text = f.read()
                for inc in INCLUDE.findall(text):
                    target = layer_of_include(inc)
                    if target is None:
                        continue
                    if target not in LAYERS:
                        found.append(f"{rel}: includes {inc}, {target}")
                    elif top in ("include", "tools", "python") and not inc.startswith("octet/"):
                        found.append(f"{rel} includes {inc}: {top}/ includes only the public headers (octet/...)")
                    elif LAYERS.index(target) > LAYERS.index(own):
                        found.append(f"{rel} ({own}) includes {inc} ({target}), a layer above it")
                    for arch in ARCH_FOLDERS:
                        if inc.startswith(f"kernels/{arch}/") and not rel.startswith(f"src/kernels/{arch}/"):
                            found.append(f"{rel} includes {inc}: only src/kernels/{arch}/ may (use kernels/dispatch.h)")
    return found


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    found = violations(root)
    for v in found:
        print(f"check_layers: {v}", file=sys.stderr)
    if found:
        print(f"check_layers: {len(found)} include(s) against the layering (docs/architecture.md)", file=sys.stderr)
        return 1
    print("check_layers: every include follows the layering")
    return 0


if __name__ == "__main__":
    sys.exit(main())
