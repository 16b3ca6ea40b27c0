"""check_layers.py finds an include against the layering in a planted tree, and passes a clean one."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import check_layers  # noqa: E402


def tree(files):
    root = tempfile.mkdtemp()
    for rel, text in files.items():
        os.makedirs(os.path.join(root, os.path.dirname(rel)), exist_ok=True)
        with open(os.path.join(root, rel), "w") as f:
            f.write(text)
    return root


class CheckLayersTest(unittest.TestCase):
    def test_downward_includes_pass(self):
        root = tree({"src/ops/a.cc": '#include "kernels/dispatch.h"\n#include "octet/tensor.h"\n',
                     "src/kernels/x86/p.cc": '#include "kernels/x86/cpu_features.h"\n'})
        self.assertEqual(check_layers.violations(root), [])

    def test_upward_include_is_found(self):
        root = tree({"src/kernels/k.cc": '#include "ops/fast_math.h"\n'})
        self.assertEqual(len(check_layers.violations(root)), 1)
        self.assertIn("a layer above it", check_layers.violations(root)[0])

    def test_public_header_counts_as_its_layer(self):
        root = tree({"src/ops/c.cc": '#include "octet/runtime.h"\n'})
        self.assertIn("(runtime)", check_layers.violations(root)[0])

    def test_arch_folder_is_private(self):
        root = tree({"src/ops/d.cc": '#include "kernels/x86/paths.h"\n'})
        self.assertIn("only src/kernels/x86/", check_layers.violations(root)[0])

    def test_unknown_public_header_is_reported(self):
        root = tree({"include/octet/new.h": "#pragma once\n"})
        self.assertIn("missing from PUBLIC_HEADER_LAYER", check_layers.violations(root)[0])

    def test_cli_and_public_headers_include_only_public_headers(self):
        root = tree({"tools/octet/run.cc": '#include "inputs.h"\n#include "octet/session.h"\n#include "core/npy.h"\n',
                     "include/octet/io.h": '#include "octet/tensor.h"\n#include "core/file_io.h"\n'})
        found = check_layers.violations(root)
        self.assertEqual(len(found), 2, found)
        self.assertTrue(all("only the public headers" in v for v in found), found)

    def test_python_bindings_include_only_public_headers(self):
        root = tree({"python/src/module.cc": '#include "arrays.h"\n#include "octet/octet.h"\n#include "ir/graph.h"\n'})
        found = check_layers.violations(root)
        self.assertEqual(len(found), 1, found)
        self.assertIn("python/ includes only the public headers", found[0])


if __name__ == "__main__":
    unittest.main()
