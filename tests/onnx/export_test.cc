#include "onnx/export.h"

#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <filesystem>

#include "onnx/import.h"

namespace octet {
namespace {

const std::string kModels = std::string(OCTET_SOURCE_DIR) + "/tests/fixtures/models/";

void expect_same_graph(const Graph& a, const Graph& b) {
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    EXPECT_EQ(a.nodes[i].name, b.nodes[i].name);
    EXPECT_EQ(a.nodes[i].op_type, b.nodes[i].op_type);
    EXPECT_EQ(a.nodes[i].inputs, b.nodes[i].inputs);
    EXPECT_EQ(a.nodes[i].outputs, b.nodes[i].outputs);
    EXPECT_EQ(a.nodes[i].attrs.size(), b.nodes[i].attrs.size());
  }
  ASSERT_EQ(a.initializers.size(), b.initializers.size());
  for (const auto& [name, t] : a.initializers) {
    const Tensor& u = b.initializers.at(name);
    ASSERT_EQ(t.shape(), u.shape()) << name;
    ASSERT_EQ(t.dtype(), u.dtype()) << name;
    EXPECT_EQ(std::memcmp(t.raw(), u.raw(), t.nbytes()), 0) << name;
  }
  ASSERT_EQ(a.inputs.size(), b.inputs.size());
  for (size_t i = 0; i < a.inputs.size(); ++i) EXPECT_EQ(a.inputs[i].shape_str(), b.inputs[i].shape_str());
}

TEST(Export, RoundTripsFixtureModelsAndPassesTheChecker) {
  for (const char* name : {"resnet_op17", "transformer_op17", "lstm_op17"}) {
    Graph g = load_onnx(kModels + name + ".onnx");
    onnx::ModelProto m = export_onnx(g);
    EXPECT_NO_THROW(onnx::checker::check_model(m)) << name;
    Graph back = import_onnx(m, kModels, name);
    expect_same_graph(g, back);
  }
}

TEST(Export, SavesAtomicallyAndLoadsBack) {
  auto dir = std::filesystem::temp_directory_path() / ("octet_export_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  Graph g = load_onnx(kModels + "mlp_op17.onnx");
  std::string path = (dir / "m.onnx").string();
  save_onnx(g, path);
  expect_same_graph(g, load_onnx(path));
  size_t files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
  std::filesystem::remove_all(dir);
}

TEST(Export, BytesAreWhatSaveWrites) {
  Graph g = load_onnx(kModels + "mlp_op17.onnx");
  const std::string bytes = save_onnx_bytes(g);
  EXPECT_EQ(bytes, export_onnx(g).SerializeAsString());
  expect_same_graph(g, load_onnx_bytes(bytes));
}

}  // namespace
}  // namespace octet
