#include "octet/report.h"

#include <gtest/gtest.h>

#include "debug/svg_chart.h"
#include "octet/io.h"
#include "octet/quantize.h"
#include "onnx/import.h"

namespace octet {
namespace {

const std::string kSrc = OCTET_SOURCE_DIR;

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

void expect_self_contained(const std::string& html) {
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
}

TEST(HtmlReport, EscapesEveryNameFromTheModels) {
  ReportData d;
  d.float_name = "a<b>&\"c'.onnx";
  d.quantized_name = "<img src=x onerror=alert(1)>";
  d.data_name = "d&d.npz";
  d.kernel_coverage = "runs on INT8 kernels: 1 of 2\nfloat ops (1), by op and reason:\n  Foo<T> x1: why & how (n<1>)\n";
  LayerError l;
  l.name = "</h3><script>";
  l.op = "Conv";
  d.comparison.layers.push_back(l);
  QTensorReport q;
  q.name = "x\"><b>";
  q.node = "q&node";
  q.scale = {0.1};
  q.zero_point = {0};
  q.observed = ObservedRange{.count = 2, .min = 0, .max = 1};
  q.flags.push_back({"clipped", QParamsFlag::Severity::kWarning, "1 < 2 & 3", {}});
  d.qparams.push_back(q);
  d.histograms.emplace(q.name, Histogram(0, 25.5, 8));
  const std::string html = html_report(d);
  expect_self_contained(html);
  for (const std::string& raw : {d.float_name, d.quantized_name, d.data_name, l.name, q.name, q.node,
                                 std::string("Foo<T>"), std::string("1 < 2 & 3")}) {
    EXPECT_EQ(html.find(raw), std::string::npos) << raw;
    EXPECT_NE(html.find(html_escape(raw)), std::string::npos) << raw;
  }
  EXPECT_EQ(count(html, "<section class=\"activation\""), 1u);
  // Library text names the library (the CLI maps the names to its verbs, tools/octet/cli_flags.h).
  EXPECT_EQ(html.find("octet inspect"), std::string::npos);
  EXPECT_NE(html.find("<code>QParamsCheck</code> over the data"), std::string::npos);
}

TEST(HtmlReport, MnistHasEveryLayerAndAHistogramPerQuantizedActivation) {
  const Graph f = load_onnx(kSrc + "/examples/mnist_cnn.onnx");
  StaticQuantOptions qopts;
  qopts.samples = 64;
  qopts.bias_correction_samples = 16;
  const Graph q = quantize_static(f, read_npz(kSrc + "/examples/mnist_calib.npz"), qopts);
  CompareOptions options;
  options.samples = 50;
  options.batch = 16;  // a short last batch
  const ReportData d = collect_report_data(f, q, read_npz(kSrc + "/examples/mnist_test.npz"), options);
  EXPECT_EQ(d.comparison.samples, 50);
  EXPECT_EQ(d.float_nodes, static_cast<int64_t>(f.nodes.size()));

  // Every quantized activation: a histogram holding exactly the values the first pass observed,
  // none outside its range (the observed range is part of it).
  int activations = 0;
  for (const QTensorReport& r : d.qparams) {
    if (r.kind != QTensorKind::kActivation) continue;
    ++activations;
    ASSERT_TRUE(r.observed) << r.name;
    const Histogram& h = d.histograms.at(r.name);
    EXPECT_EQ(h.counts.size(), size_t(kReportHistogramBins));
    EXPECT_EQ(h.in_range(), r.observed->count) << r.name;
    EXPECT_EQ(h.below + h.above + h.nan, 0) << r.name;
    const auto [lo, hi] = r.range_envelope();
    EXPECT_LE(h.low, std::min(lo, r.observed->min));
    EXPECT_GE(h.high, std::max(hi, r.observed->max));
  }
  EXPECT_GE(activations, 5);

  const std::string html = html_report(d);
  expect_self_contained(html);
  EXPECT_EQ(count(html, "<section class=\"activation\""), size_t(activations));
  for (const QTensorReport& r : d.qparams) {
    if (r.kind == QTensorKind::kActivation) {
      EXPECT_NE(html.find("<h3>" + html_escape(r.name) + "</h3>"), std::string::npos) << r.name;
    } else if (r.kind == QTensorKind::kWeight) {
      EXPECT_FALSE(r.channel_max_abs.empty()) << r.name;
    }
  }
  EXPECT_EQ(count(html, "<section class=\"weight\""), 4u);  // two Conv, two Gemm
  int layers = 0;
  for (const Node& n : f.nodes)
    if (n.op_type == "Conv" || n.op_type == "Gemm") {
      ++layers;
      EXPECT_NE(html.find("<title>" + html_escape(n.name) + " (" + n.op_type + ")</title>"), std::string::npos)
          << n.name;
    }
  EXPECT_EQ(layers, 4);
  for (const char* id : {"summary", "sqnr", "activations", "weights", "qparams", "float-ops"})
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
}

}  // namespace
}  // namespace octet
