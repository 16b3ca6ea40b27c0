// octet._octet: the native module under the Python package octet (python/octet/, docs/python.md).
// It binds the public C++ API only (include/octet/; scripts/check_layers.py checks it); the
// package's Python files give it the Python shape (paths, bytes, onnx.ModelProto, iterables).
#include <nanobind/nanobind.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/variant.h>
#include <nanobind/stl/vector.h>

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "arrays.h"
#include "octet/octet.h"
#include "session.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace octet::python {

namespace {

// The library names its options as C++ members where the CLI names a flag (tools/octet/cli_flags.cc);
// Python users know the keyword arguments of octet.quantize_static / quantize_dynamic.
std::string with_python_names(std::string message) {
  static const std::pair<const char*, const char*> kNames[] = {
      {"StaticQuantOptions::exclude", "nodes_to_exclude"},
      {"DynamicQuantOptions::exclude", "nodes_to_exclude"},
      {"DynamicQuantOptions::op_types", "op_types_to_quantize"},
      {"DynamicQuantOptions::weight_only", "weight_only_nodes"},
      {"choose a DataLayout", "choose with calib_layout="},
  };
  for (const auto& [name, keyword] : kNames)
    for (size_t at = message.find(name); at != std::string::npos; at = message.find(name, at + 1))
      message.replace(at, std::char_traits<char>::length(name), keyword);
  return message;
}

using Dim = std::variant<int64_t, std::string, nb::none>;

std::vector<Dim> dims(const ValueInfo& v) {
  std::vector<Dim> out;
  for (const octet::Dim& d : v.shape) {
    if (d.known()) out.emplace_back(d.value);
    else if (!d.symbol.empty()) out.emplace_back(d.symbol);
    else out.emplace_back(nb::none());
  }
  return out;
}

nb::bytes as_bytes(const std::string& s) { return nb::bytes(s.data(), s.size()); }

std::string text(const nb::bytes& b) { return std::string(b.c_str(), b.size()); }

// What `octet quantize --calib FILE` checks before calibrating, naming `source` instead of the file.
Graph quantize_static_checked(const Graph& model, const std::map<std::string, Array>& calib_arrays,
                              const StaticQuantOptions& options, const std::string& source) {
  const std::map<std::string, Tensor> calib = to_tensors(calib_arrays);
  nb::gil_scoped_release no_gil;
  OCTET_CHECK(sample_count(calib, source) > 0, source, ": holds no samples to calibrate on");
  check_finite(calib, source);
  resolve_data_layout(model, calib, options.calib_layout, source);
  return quantize_static(model, calib, options);
}

void bind_model(nb::module_& m) {
  nb::class_<ValueInfo>(m, "ValueInfo", "A graph input or output: its name, element type and declared shape.")
      .def_ro("name", &ValueInfo::name)
      .def_prop_ro(
          "dtype", [](const ValueInfo& v) { return std::string(dtype_name(v.dtype)); }, "NumPy's name of the type")
      .def_prop_ro("shape", &dims, "fixed dims as int, symbolic ones by name, unknown ones None (ONNX Runtime's way)")
      .def("__repr__", [](const ValueInfo& v) {
        return "ValueInfo(name='" + v.name + "', dtype=" + dtype_name(v.dtype) + ", shape=" + v.shape_str() + ")";
      });

  nb::class_<Graph>(m, "Model", "A model loaded into octet (its Graph).")
      .def_prop_ro("inputs", [](const Graph& g) { return g.inputs; })
      .def_prop_ro("outputs", [](const Graph& g) { return g.outputs; });

  m.def(
      "load_onnx", [](const std::string& path) { return load_onnx(path); }, "path"_a,
      nb::call_guard<nb::gil_scoped_release>());
  m.def(
      "load_onnx_bytes",
      [](const nb::bytes& bytes, const std::string& what, const std::string& external_data_dir) {
        std::string data = text(bytes);
        nb::gil_scoped_release no_gil;
        return load_onnx_bytes(data, what, external_data_dir);
      },
      "data"_a, "what"_a, "external_data_dir"_a = ".");
  m.def("save_onnx_bytes", [](const Graph& g) { return as_bytes(save_onnx_bytes(g)); }, "model"_a);
  m.def(
      "write_file_atomic", [](const std::string& path, const nb::bytes& data) { write_file_atomic(path, text(data)); },
      "path"_a, "data"_a);
  m.def("same_file", &same_file, "a"_a, "b"_a);
  m.def("read_text", &read_file, "path"_a, "A whole file; OctetError naming the path if unreadable.");
  m.def(
      "read_npz",
      [](const std::string& path) {
        std::map<std::string, nb::object> arrays;
        for (const auto& [name, tensor] : read_npz(path)) arrays.emplace(name, to_numpy(tensor));
        return arrays;
      },
      "path"_a);
  m.def("read_npy", [](const std::string& path) { return to_numpy(read_npy(path)); }, "path"_a);
}

void bind_quantize(nb::module_& m) {
  nb::class_<StaticQuantOptions>(m, "StaticQuantOptions", "octet::StaticQuantOptions (octet/quantize.h)")
      .def(nb::init<>())
      .def_rw("observer", &StaticQuantOptions::observer)
      .def_rw("per_channel", &StaticQuantOptions::per_channel)
      .def_prop_rw(
          "act_dtype", [](const StaticQuantOptions& o) { return std::string(dtype_name(o.act_dtype)); },
          [](StaticQuantOptions& o, const std::string& name) {
            OCTET_CHECK(name == "uint8" || name == "int8", "activation_type must be 'uint8' or 'int8', not '", name,
                        "'");
            o.act_dtype = name == "uint8" ? DType::kUInt8 : DType::kInt8;
          })
      .def_rw("reduce_range", &StaticQuantOptions::reduce_range)
      .def_rw("reduce_weight_range", &StaticQuantOptions::reduce_weight_range)
      .def_rw("exclude", &StaticQuantOptions::exclude)
      .def_rw("config_json", &StaticQuantOptions::config_json)
      .def_rw("samples", &StaticQuantOptions::samples)
      .def_rw("batch", &StaticQuantOptions::batch)
      .def_prop_rw(
          "calib_layout", [](const StaticQuantOptions& o) { return std::string(data_layout_name(o.calib_layout)); },
          [](StaticQuantOptions& o, const std::string& name) { o.calib_layout = parse_data_layout(name); })
      .def_rw("bias_correction", &StaticQuantOptions::bias_correction)
      .def_rw("bias_correction_samples", &StaticQuantOptions::bias_correction_samples)
      .def_rw("keep_opset", &StaticQuantOptions::keep_opset)
      .def_rw("threads", &StaticQuantOptions::threads);

  nb::class_<DynamicQuantOptions>(m, "DynamicQuantOptions", "octet::DynamicQuantOptions (octet/quantize.h)")
      .def(nb::init<>())
      .def_rw("per_channel", &DynamicQuantOptions::per_channel)
      .def_rw("per_token", &DynamicQuantOptions::per_token)
      .def_rw("reduce_range", &DynamicQuantOptions::reduce_range)
      .def_rw("reduce_weight_range", &DynamicQuantOptions::reduce_weight_range)
      .def_rw("op_types", &DynamicQuantOptions::op_types)
      .def_rw("exclude", &DynamicQuantOptions::exclude)
      .def_rw("weight_only", &DynamicQuantOptions::weight_only)
      .def_rw("keep_opset", &DynamicQuantOptions::keep_opset);

  m.def("quantize_static", &quantize_static_checked, "model"_a, "calib"_a, "options"_a, "calib_name"_a,
        "Calibrates on `calib` (input name -> samples on axis 0) and converts to QDQ form; the GIL is released.");
  m.def(
      "quantize_dynamic", [](const Graph& model, const DynamicQuantOptions& o) { return quantize_dynamic(model, o); },
      "model"_a, "options"_a, nb::call_guard<nb::gil_scoped_release>());
}

void bind_qat(nb::module_& m) {
  nb::class_<QatOptions>(m, "QatOptions", "octet::QatOptions (octet/qat.h)")
      .def(nb::init<>())
      .def_rw("epochs", &QatOptions::epochs)
      .def_rw("batch", &QatOptions::batch)
      .def_rw("optimizer", &QatOptions::optimizer)
      .def_rw("lr", &QatOptions::lr)
      .def_rw("momentum", &QatOptions::momentum)
      .def_rw("weight_decay", &QatOptions::weight_decay)
      .def_rw("schedule", &QatOptions::schedule)
      .def_rw("step_epochs", &QatOptions::step_epochs)
      .def_rw("gamma", &QatOptions::gamma)
      .def_rw("freeze_observers_after", &QatOptions::freeze_observers_after)
      .def_rw("freeze_bn_after", &QatOptions::freeze_bn_after)
      .def_rw("learn_scales", &QatOptions::learn_scales)
      .def_rw("distill", &QatOptions::distill)
      .def_rw("temperature", &QatOptions::temperature)
      .def_rw("observer", &QatOptions::observer)
      .def_rw("per_channel", &QatOptions::per_channel)
      .def_prop_rw(
          "act_dtype", [](const QatOptions& o) { return std::string(dtype_name(o.act_dtype)); },
          [](QatOptions& o, const std::string& name) {
            OCTET_CHECK(name == "uint8" || name == "int8", "activation_type must be 'uint8' or 'int8', not '", name,
                        "'");
            o.act_dtype = name == "uint8" ? DType::kUInt8 : DType::kInt8;
          })
      .def_rw("exclude", &QatOptions::exclude)
      .def_rw("config_json", &QatOptions::config_json)
      .def_rw("seed", &QatOptions::seed)
      .def_rw("threads", &QatOptions::threads)
      .def_rw("checkpoint", &QatOptions::checkpoint)
      .def_rw("resume", &QatOptions::resume);

  // The GIL is released while training; `on_step` (or None) takes it back for each call.
  m.def(
      "quantize_aware_train",
      [](const Graph& model, const std::map<std::string, Array>& train, nb::object labels, QatOptions o,
         const std::map<std::string, Array>& val, nb::object val_labels, nb::object on_step) {
        const std::map<std::string, Tensor> train_t = to_tensors(train), val_t = to_tensors(val);
        const Tensor labels_t = labels.is_none() ? Tensor() : to_tensor(nb::cast<Array>(labels), "labels");
        const Tensor val_labels_t =
            val_labels.is_none() ? Tensor() : to_tensor(nb::cast<Array>(val_labels), "val_labels");
        if (!on_step.is_none())
          o.progress = [on_step](const QatProgress& p) {
            nb::gil_scoped_acquire gil;
            on_step(p.epoch, p.step, p.steps, p.loss, p.top1);
          };
        QatReport report;
        Graph q;
        {
          nb::gil_scoped_release no_gil;
          q = quantize_aware_train(model, train_t, labels_t, o, val_t, val_labels_t, &report);
        }
        nb::list epochs;
        for (const QatEpoch& e : report.epochs) {
          nb::dict d;
          d["loss"] = e.loss;
          d["top1"] = e.top1;
          d["val_top1"] = e.val_top1;
          d["lr"] = e.lr;
          d["seconds"] = e.seconds;
          epochs.append(d);
        }
        return std::make_pair(q, std::make_pair(epochs, report.float_val_top1));
      },
      "model"_a, "train"_a, "labels"_a.none(), "options"_a, "val"_a, "val_labels"_a.none(), "on_step"_a.none(),
      "Trains with the quantization simulated and converts to QDQ form; the GIL is released while training.");
}

void bind_session(nb::module_& m) {
  nb::class_<SharedSession>(m, "Session", "octet::Session shared by Python threads (their runs take turns).")
      .def(
          "__init__",
          [](SharedSession* self, const Graph& model, int threads, bool as_written, bool keep_freed_memory) {
            nb::gil_scoped_release no_gil;
            new (self) SharedSession(
                model, {.threads = threads, .as_written = as_written, .keep_freed_memory = keep_freed_memory});
          },
          "model"_a, "threads"_a = 1, "as_written"_a = false, "keep_freed_memory"_a = true)
      .def("run", &SharedSession::run, "feeds"_a, "Every graph input by name -> every graph output by name.")
      .def_prop_ro("inputs", [](const SharedSession& s) { return s.session().inputs(); })
      .def_prop_ro("outputs", [](const SharedSession& s) { return s.session().outputs(); });
}

}  // namespace

}  // namespace octet::python

NB_MODULE(_octet, m) {
  using namespace octet;
  using namespace octet::python;
  m.doc() = "octet's native module: the public C++ API (include/octet/) for the package octet.";
  static nb::exception<Error> octet_error(m, "OctetError", PyExc_RuntimeError);
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const Error& e) {
      PyErr_SetString(octet_error.ptr(), with_python_names(e.what()).c_str());
    }
  });
  m.def("kernel_paths", [] {
    const KernelPaths k = kernel_paths();
    return std::make_pair(k.chosen, k.supported);
  });
  bind_model(m);
  bind_quantize(m);
  bind_qat(m);
  bind_session(m);
}
