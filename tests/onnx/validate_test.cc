// Model validation before import goes further (onnx/validate.h): what would crash ONNX shape
// inference or an op is refused naming the node, ONNX's checker refuses what the spec forbids,
// and sizes are checked against the data before anything is allocated.
#include "onnx/validate.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <string>

#include "octet/error.h"
#include "onnx/import.h"

namespace octet {
namespace {

// y = Conv(x, w) at `opset`, x [1,1,4,4], w [1,1,2,2].
onnx::ModelProto conv_model(int opset = 17) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* os = m.add_opset_import();
  os->set_version(opset);
  auto* g = m.mutable_graph();
  g->set_name("g");
  auto* in = g->add_input();
  in->set_name("x");
  auto* tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (int d : {1, 1, 4, 4}) tt->mutable_shape()->add_dim()->set_dim_value(d);
  g->add_output()->set_name("y");
  g->mutable_output(0)->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  for (int d : {1, 1, 2, 2}) w->add_dims(d);
  for (int i = 0; i < 4; ++i) w->add_float_data(0.25f);
  auto* n = g->add_node();
  n->set_name("conv0");
  n->set_op_type("Conv");
  n->add_input("x");
  n->add_input("w");
  n->add_output("y");
  return m;
}

onnx::AttributeProto* add_ints(onnx::NodeProto* n, const std::string& name, std::initializer_list<int64_t> v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
  return a;
}

// Node 0 of `g` reads x through a new Relu (xr), so its input's rank is known only by inference.
void read_through_relu(onnx::GraphProto* g) {
  auto* relu = g->add_node();
  relu->set_op_type("Relu");
  relu->add_input("x");
  relu->add_output("xr");
  g->mutable_node()->SwapElements(0, g->node_size() - 1);
  g->mutable_node(g->node_size() - 1)->set_input(0, "xr");
}

std::string import_error(const onnx::ModelProto& m) {
  try {
    import_onnx(m, ".", "m.onnx");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Validate, ValidModelImports) { EXPECT_EQ(import_error(conv_model()), "(no error)"); }

TEST(Validate, ZeroStridesDilationsAndKernelsAreRefusedBeforeShapeInference) {
  for (const char* attr : {"strides", "dilations", "kernel_shape"}) {
    onnx::ModelProto m = conv_model();
    add_ints(m.mutable_graph()->mutable_node(0), attr, {1, 0});
    const std::string e = import_error(m);
    EXPECT_NE(e.find("node 'conv0' (Conv): attribute '" + std::string(attr) + "' holds 0"), std::string::npos) << e;
  }
  onnx::ModelProto m = conv_model();
  add_ints(m.mutable_graph()->mutable_node(0), "pads", {0, 0, -1, 0});
  EXPECT_NE(import_error(m).find("pads must be >= 0"), std::string::npos);
  for (const char* op : {"MaxPool", "AveragePool"}) {
    onnx::ModelProto p = conv_model();
    auto* n = p.mutable_graph()->mutable_node(0);
    n->set_op_type(op);
    n->mutable_input()->RemoveLast();
    add_ints(n, "kernel_shape", {2, 2});
    add_ints(n, "strides", {0, 0});
    EXPECT_NE(import_error(p).find("attribute 'strides' holds 0"), std::string::npos) << op;
  }
}

// The onnx_import fuzzer's finds: a rank-4 weight on a rank-3 input read past the input's dims in
// ONNX's Conv shape inference (Conv and ConvInteger alike).
TEST(Validate, ConvolutionInputAndWeightRanksMustAgree) {
  for (const char* op : {"Conv", "ConvInteger"}) {
    onnx::ModelProto m = conv_model();
    auto* g = m.mutable_graph();
    g->mutable_node(0)->set_op_type(op);
    g->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim()->RemoveLast();
    if (std::string(op) == "ConvInteger") {
      g->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::UINT8);
      auto* w = g->mutable_initializer(0);
      w->clear_float_data();
      w->set_data_type(onnx::TensorProto::UINT8);
      w->set_raw_data(std::string(4, '\1'));
    }
    const std::string e = import_error(m);
    EXPECT_NE(e.find("node 'conv0' (" + std::string(op) + "): input 'x' has rank 3 but weight 'w' has rank 4"),
              std::string::npos)
        << e;
  }
  // A rank known only by inference (x [1, 2] through a Relu; on a rank-2 input ONNX's Conv rule
  // dereferenced an empty vector).
  onnx::ModelProto m = conv_model();
  auto* g = m.mutable_graph();
  auto* dims = g->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim();
  dims->RemoveLast();
  dims->RemoveLast();
  read_through_relu(g);
  const std::string e = import_error(m);
  EXPECT_NE(e.find("node 'conv0' (Conv): input 'xr' has rank 2 but weight 'w' has rank 4"), std::string::npos) << e;
}

// The onnx_run fuzzer's find: LayerNormalization with axis -262145 read out of bounds in ONNX's
// shape inference. Its axis is checked against the input's rank, declared (x [1, 1, 4, 4]) or
// inferred (through a Relu), before inference runs; -4 .. 3 import.
TEST(Validate, LayerNormalizationAxisMustLieWithinTheInputRank) {
  auto layer_norm_model = [](int64_t axis, bool through_relu) {
    onnx::ModelProto m = conv_model();
    auto* g = m.mutable_graph();
    auto* n = g->mutable_node(0);
    n->set_op_type("LayerNormalization");
    n->clear_attribute();
    n->set_input(1, "gamma");
    auto* gamma = g->add_initializer();
    gamma->set_name("gamma");
    gamma->set_data_type(onnx::TensorProto::FLOAT);
    gamma->add_dims(4);
    for (int i = 0; i < 4; ++i) gamma->add_float_data(1.0f);
    auto* a = n->add_attribute();
    a->set_name("axis");
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(axis);
    if (through_relu) read_through_relu(g);
    return m;
  };
  for (bool through_relu : {false, true}) {
    const std::string x = through_relu ? "xr" : "x";
    for (int64_t axis : {int64_t{-262145}, int64_t{-5}, int64_t{4}}) {
      const std::string e = import_error(layer_norm_model(axis, through_relu));
      EXPECT_NE(e.find("node 'conv0' (LayerNormalization): attribute 'axis' is " + std::to_string(axis) +
                       ", out of range for input '" + x + "' of rank 4"),
                std::string::npos)
          << e;
    }
    for (int64_t axis : {-4, -1, 3})
      EXPECT_EQ(import_error(layer_norm_model(axis, through_relu)), "(no error)") << axis;
  }
}

// An empty tensor may declare huge dims beside its 0 (the onnx_import fuzzer's: [4, 0, 3e10, 99]);
// sizing it for the rank check must not overflow (UBSan in the sanitizer build).
TEST(Validate, EmptyTensorsWithHugeDimsImport) {
  onnx::ModelProto m = conv_model();
  auto* z = m.mutable_graph()->add_initializer();
  z->set_name("z");
  z->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : {int64_t{4}, int64_t{0}, int64_t{30064771028}, int64_t{99}, int64_t{30064771028}}) z->add_dims(d);
  EXPECT_EQ(import_error(m), "(no error)");
}

TEST(Validate, NodesWithoutOutputsAndValuesDefinedTwiceAreRefused) {
  onnx::ModelProto m = conv_model();
  m.mutable_graph()->mutable_node(0)->clear_output();
  EXPECT_NE(import_error(m).find("node 'conv0' (Conv): has no output"), std::string::npos) << import_error(m);

  onnx::ModelProto split = conv_model();  // the Split of issue 20: no outputs at all
  auto* n = split.mutable_graph()->add_node();
  n->set_op_type("Split");
  n->add_input("y");
  EXPECT_NE(import_error(split).find("(Split): has no output"), std::string::npos);

  onnx::ModelProto twice = conv_model();
  *twice.mutable_graph()->add_input() = twice.graph().input(0);
  EXPECT_NE(import_error(twice).find("graph input 'x' is listed twice"), std::string::npos);

  onnx::ModelProto shadow = conv_model();
  auto* relu = shadow.mutable_graph()->add_node();
  relu->set_op_type("Relu");
  relu->add_input("y");
  relu->add_output("x");
  EXPECT_NE(import_error(shadow).find("value 'x' is defined twice"), std::string::npos);
}

TEST(Validate, TheOnnxCheckerRefusesAnOpNewerThanTheOpset) {
  onnx::ModelProto m = conv_model(7);
  auto* n = m.mutable_graph()->add_node();
  n->set_name("hs");
  n->set_op_type("HardSwish");  // since opset 14
  n->add_input("y");
  n->add_output("z");
  const std::string e = import_error(m);
  EXPECT_NE(e.find("m.onnx: node 'hs' (HardSwish): not valid ONNX (ONNX checker): No Op registered for HardSwish"),
            std::string::npos)
      << e;
}

TEST(Validate, HugeDeclaredTensorsAreRefusedAsShortWithoutAllocating) {
  for (int64_t gib : {6, 40}) {
    onnx::ModelProto m = conv_model();
    auto* w = m.mutable_graph()->mutable_initializer(0);
    w->clear_float_data();
    w->clear_dims();
    for (int64_t d : {gib << 28, int64_t{1}, int64_t{1}, int64_t{1}}) w->add_dims(d);  // float32: gib GiB
    w->set_raw_data(std::string(16, '\0'));
    const std::string e = import_error(m);
    EXPECT_NE(e.find("tensor 'w': raw_data has 16 bytes"), std::string::npos) << e;
  }
  onnx::ModelProto m = conv_model();
  auto* w = m.mutable_graph()->mutable_initializer(0);
  w->clear_dims();
  for (int i = 0; i < 4; ++i) w->add_dims(int64_t{1} << 20);
  EXPECT_NE(import_error(m).find("has too many elements"), std::string::npos) << import_error(m);
  w->clear_dims();
  for (int64_t d : {int64_t{1} << 40, int64_t{1}, int64_t{1}, int64_t{1}}) w->add_dims(d);  // float_data holds 4 values
  EXPECT_NE(import_error(m).find("holds 4 values for shape"), std::string::npos) << import_error(m);
}

}  // namespace
}  // namespace octet
