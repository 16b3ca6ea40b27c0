// Control flow: If (ONNX opset 1/11/13/16/19/21 -- the versions differ only in allowed types).
// Each branch is a subgraph with no inputs that reads values of the enclosing scope.
#include "ops/registry.h"

namespace octet {

namespace {

class IfKernel : public OpKernel {
 public:
  explicit IfKernel(const KernelInit& init) {
    for (const char* key : {"then_branch", "else_branch"}) {
      const Attribute* a = init.node.find_attr(key);
      OCTET_CHECK(a && a->kind == Attribute::Kind::kGraph && a->g, init.node.describe(), ": missing graph attribute '",
                  key, "'");
      OCTET_CHECK(a->g->outputs.size() == init.node.outputs.size(), init.node.describe(), ": branch '", key, "' has ",
                  a->g->outputs.size(), " outputs, the node ", init.node.outputs.size());
      branches_.push_back(init.make_subgraph_runner(*a->g));
    }
  }

  void run(KernelContext& ctx) override {
    const Tensor& cond = ctx.input(0);
    OCTET_CHECK(cond.numel() == 1, ctx.node.describe(), ": condition must hold one element, has shape ",
                shape_str(cond.shape()));
    std::vector<Tensor> results = branches_[cond.as_double(0) != 0 ? 0 : 1]->run(ctx.lookup);
    for (size_t i = 0; i < results.size(); ++i) ctx.outputs[i] = std::move(results[i]);
  }

 private:
  std::vector<std::unique_ptr<SubgraphRunner>> branches_;
};

}  // namespace

void register_control_flow_ops(OpRegistry& r) {
  r.add("If", [](const KernelInit& init) -> std::unique_ptr<OpKernel> { return std::make_unique<IfKernel>(init); });
}

}  // namespace octet
