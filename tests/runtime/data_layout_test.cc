// DATA layouts (octet/data_layout.h): auto-detection from the declared input ranks, the errors
// that name the array, and the per-sample feeds and stacked results of the stacked layout.
#include "octet/data_layout.h"

#include <gtest/gtest.h>

#include "octet/error.h"

namespace octet {
namespace {

ValueInfo input(const std::string& name, std::vector<int64_t> dims) {
  ValueInfo v{name, DType::kFloat32, true, {}};
  for (int64_t d : dims) v.shape.push_back(Dim{d, d < 0 ? "n" : ""});
  return v;
}

Tensor iota(const Shape& shape) {
  Tensor t(DType::kFloat32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(DataLayout, AutoFollowsTheDeclaredRanks) {
  Graph g;
  g.inputs = {input("audio", {-1, 576}), input("state", {2, -1, 128}), input("sr", {})};
  const std::map<std::string, Tensor> stacked{
      {"audio", iota({3, 1, 576})}, {"state", iota({3, 2, 1, 128})}, {"sr", iota({3})}};
  EXPECT_EQ(resolve_data_layout(g, stacked, DataLayout::kAuto, "d.npz"), DataLayout::kStacked);
  EXPECT_EQ(resolve_data_layout(g, stacked, DataLayout::kStacked, "d.npz"), DataLayout::kStacked);
  EXPECT_NE(error_of([&] {
              resolve_data_layout(g, stacked, DataLayout::kBatched, "d.npz");
            }).find("d.npz: the arrays are not batched model inputs: 'audio' has rank 3 for an input of rank 2"),
            std::string::npos);

  Graph image;
  image.inputs = {input("x", {-1, 3, 8, 8})};
  const std::map<std::string, Tensor> batched{{"x", iota({4, 3, 8, 8})}};
  EXPECT_EQ(resolve_data_layout(image, batched, DataLayout::kAuto, "d.npz"), DataLayout::kBatched);
  Graph undeclared;
  undeclared.inputs = {ValueInfo{"x", DType::kFloat32, false, {}}};
  EXPECT_EQ(resolve_data_layout(undeclared, batched, DataLayout::kAuto, "d.npz"), DataLayout::kBatched);
}

TEST(DataLayout, AMixOfRanksIsAnErrorNamingEveryArray) {
  Graph g;
  g.inputs = {input("a", {-1, 4}), input("b", {-1, 4})};
  const std::map<std::string, Tensor> mixed{{"a", iota({2, 4})}, {"b", iota({2, 1, 4})}};
  const std::string e = error_of([&] { resolve_data_layout(g, mixed, DataLayout::kAuto, "mix.npz"); });
  EXPECT_NE(e.find("mix.npz: the arrays fit the model's inputs neither batched nor stacked"), std::string::npos) << e;
  EXPECT_NE(e.find("'a' has rank 2 for an input of rank 2, 'b' has rank 3"), std::string::npos) << e;
  EXPECT_NE(error_of([] { parse_data_layout("rows"); }).find("data layout 'rows'"), std::string::npos);
}

TEST(DataLayout, StackedSamplesDropAxisZeroAndResultsStackBack) {
  const std::map<std::string, Tensor> data{{"s", iota({3, 2, 2})}, {"r", iota({3})}};
  const auto one = sample_feeds(data, DataLayout::kStacked, 2, 3);
  EXPECT_EQ(one.at("s").shape(), (Shape{2, 2}));
  EXPECT_EQ(one.at("s").data<float>()[0], 8.f);
  EXPECT_EQ(one.at("r").rank(), 0);
  EXPECT_EQ(one.at("r").data<float>()[0], 2.f);
  EXPECT_THROW(sample_feeds(data, DataLayout::kStacked, 0, 2), Error) << "one sample per call";
  EXPECT_EQ(sample_feeds(data, DataLayout::kBatched, 1, 3).at("s").shape(), (Shape{2, 2, 2}));

  const auto back =
      stack_results({sample_feeds(data, DataLayout::kStacked, 0, 1), sample_feeds(data, DataLayout::kStacked, 1, 2),
                     sample_feeds(data, DataLayout::kStacked, 2, 3)});
  EXPECT_EQ(back.at("s").shape(), (Shape{3, 2, 2}));
  for (int64_t i = 0; i < 12; ++i) EXPECT_EQ(back.at("s").data<float>()[i], float(i));
  const std::string e = error_of([&] { stack_results({{{"y", iota({2})}}, {{"y", iota({3})}}}); });
  EXPECT_NE(e.find("output 'y': sample 1 has shape [3]"), std::string::npos) << e;
}

}  // namespace
}  // namespace octet
