#include "onnx/import.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>

#include "octet/io.h"

namespace octet {
namespace {

namespace fs = std::filesystem;

// A one-node model: y = Add(x, w) with w a [2] float initializer.
onnx::ModelProto add_model(int opset = 17) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* os = m.add_opset_import();
  os->set_domain("");
  os->set_version(opset);
  auto* g = m.mutable_graph();
  g->set_name("g");
  auto* in = g->add_input();
  in->set_name("x");
  auto* tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  tt->mutable_shape()->add_dim()->set_dim_param("batch");
  tt->mutable_shape()->add_dim()->set_dim_value(2);
  auto* out = g->add_output();
  out->set_name("y");
  out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(2);
  w->add_float_data(1.5f);
  w->add_float_data(-2.f);
  auto* n = g->add_node();
  n->set_op_type("Add");
  n->add_input("x");
  n->add_input("w");
  n->add_output("y");
  return m;
}

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("octet_import_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ / "model");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string save(const onnx::ModelProto& m, const std::string& name = "model/m.onnx") {
    std::string path = (dir_ / name).string();
    write_file_atomic(path, m.SerializeAsString());
    return path;
  }

  void expect_load_error(const std::string& path, const std::string& fragment) {
    try {
      load_onnx(path);
      ADD_FAILURE() << "no error; expected one containing: " << fragment;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  }

  // Turns w into external data at `location` (relative to the model folder).
  onnx::ModelProto with_external(const std::string& location) {
    onnx::ModelProto m = add_model();
    auto* w = m.mutable_graph()->mutable_initializer(0);
    w->clear_float_data();
    w->set_data_location(onnx::TensorProto::EXTERNAL);
    auto* kv = w->add_external_data();
    kv->set_key("location");
    kv->set_value(location);
    return m;
  }

  fs::path dir_;
};

TEST_F(ImportTest, ReadsGraphInitializersAndDims) {
  Graph g = load_onnx(save(add_model()));
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].name, "Add_0");  // unnamed nodes get a name
  EXPECT_EQ(g.nodes[0].opset, 17);
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.inputs[0].shape_str(), "[batch,2]");
  EXPECT_EQ(g.initializers.at("w").data<float>()[1], -2.f);
}

TEST_F(ImportTest, ConstantNodesBecomeInitializers) {
  onnx::ModelProto m = add_model();
  auto* g = m.mutable_graph();
  g->clear_initializer();
  auto* c = g->add_node();
  c->set_op_type("Constant");
  c->add_output("w");
  auto* a = c->add_attribute();
  a->set_name("value_floats");
  a->set_type(onnx::AttributeProto::FLOATS);
  a->add_floats(3.f);
  a->add_floats(4.f);
  Graph imported = load_onnx(save(m));
  EXPECT_EQ(imported.nodes.size(), 1u);
  EXPECT_EQ(imported.initializers.at("w").data<float>()[1], 4.f);
}

TEST_F(ImportTest, RawDataOfWrongSizeIsAnError) {
  onnx::ModelProto m = add_model();
  auto* w = m.mutable_graph()->mutable_initializer(0);
  w->clear_float_data();
  w->set_raw_data(std::string(7, '\0'));
  expect_load_error(save(m), "tensor 'w': raw_data has 7 bytes");
}

TEST_F(ImportTest, TruncatedAndGarbageFilesAreErrors) {
  std::string good = add_model().SerializeAsString();
  std::string path = (dir_ / "t.onnx").string();
  write_file_atomic(path, good.substr(0, good.size() / 2));
  expect_load_error(path, "t.onnx: not a valid ONNX model");
  write_file_atomic(path, "this is not a protobuf at all \xff\xff\xff\xff");
  expect_load_error(path, "t.onnx: not a valid ONNX model");
  expect_load_error((dir_ / "missing.onnx").string(), "missing.onnx: cannot open");
}

TEST_F(ImportTest, LoadsBytesAndNamesThemInErrors) {
  const std::string good = add_model().SerializeAsString();
  Graph g = load_onnx_bytes(good);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.initializers.at("w").data<float>()[1], -2.f);
  try {
    load_onnx_bytes(good.substr(0, good.size() / 2), "upload.onnx");
    ADD_FAILURE() << "truncated bytes loaded";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "upload.onnx: not a valid ONNX model (truncated or corrupt protobuf)");
  }
}

TEST_F(ImportTest, BytesReadExternalDataOnlyInTheFolderGiven) {
  write_file_atomic((dir_ / "w.bin").string(), std::string("\0\0\xc0\x3f\0\0\0\xc0", 8));  // 1.5f, -2.f
  const std::string bytes = with_external("w.bin").SerializeAsString();
  EXPECT_EQ(load_onnx_bytes(bytes, "m", dir_.string()).initializers.at("w").data<float>()[1], -2.f);
  EXPECT_THROW(load_onnx_bytes(bytes, "m", (dir_ / "elsewhere").string()), Error);
}

TEST_F(ImportTest, OpsetOutOfRangeAndBadDtypeAreErrors) {
  expect_load_error(save(add_model(99)), "opset 99 is not supported");
  onnx::ModelProto m = add_model();
  m.mutable_graph()->mutable_initializer(0)->set_data_type(onnx::TensorProto::STRING);
  expect_load_error(save(m), "unsupported dtype STRING");
}

TEST_F(ImportTest, ExternalDataBesideTheModelLoads) {
  float values[2] = {5.f, 6.f};
  write_file_atomic((dir_ / "model/w.bin").string(), std::string(reinterpret_cast<char*>(values), 8));
  Graph g = load_onnx(save(with_external("w.bin")));
  EXPECT_EQ(g.initializers.at("w").data<float>()[1], 6.f);
}

TEST_F(ImportTest, ExternalDataMissingShortOrEscapingIsRefused) {
  expect_load_error(save(with_external("nothere.bin")), "external data file");
  write_file_atomic((dir_ / "model/short.bin").string(), "1234");
  expect_load_error(save(with_external("short.bin")), "is too short");
  write_file_atomic((dir_ / "secret.bin").string(), std::string(8, 'x'));
  expect_load_error(save(with_external("../secret.bin")), "leaves the model's folder");
  expect_load_error(save(with_external((dir_ / "secret.bin").string())), "is an absolute path");
  fs::create_symlink(dir_ / "secret.bin", dir_ / "model/link.bin");
  expect_load_error(save(with_external("link.bin")), "resolves outside the model's folder");
  expect_load_error(save(with_external(".")), "location '.' is a directory, not a regular file");
}

// Messages raised deep in the importer (a node's, a tensor's) still say which file holds them.
TEST_F(ImportTest, EveryImportErrorNamesTheFile) {
  onnx::ModelProto m = add_model();
  m.mutable_graph()->mutable_node(0)->set_domain("com.example");
  const std::string path = save(m);
  expect_load_error(path, path + ": node 'Add_0' (op 'Add', opset 0): domain 'com.example' is not imported");
}

}  // namespace
}  // namespace octet
