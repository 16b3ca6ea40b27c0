#include "passes/written_out_norms.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "passes/graph_util.h"

namespace octet {
namespace {

// Ops that carry a statistic back to the elements' shape without changing its values.
bool is_shape_op(const Node& n) {
  static const std::set<std::string> ops = {"Reshape", "Expand", "Unsqueeze", "Squeeze", "Identity"};
  return n.domain.empty() && ops.count(n.op_type) > 0 && n.has_input(0);
}

// What a match has gathered so far. Alternatives work on a copy (attempt), so a failed one leaves
// no node behind.
struct Match {
  std::set<size_t> nodes;
  bool direct = true;
  bool have_axes = false;
  std::vector<int64_t> axes;  // as written by the first reduction
  int rank = -1;              // of the reduced values, when known
  float epsilon = 0;
  std::string scale, bias;
};

template <class F>
bool attempt(Match& m, F&& f) {
  Match t = m;
  if (!f(t)) return false;
  m = std::move(t);
  return true;
}

std::vector<int64_t> sorted_axes(std::vector<int64_t> axes, int rank) {
  if (axes.empty() && rank >= 0)
    for (int i = 0; i < rank; ++i) axes.push_back(i);
  if (rank >= 0)
    for (int64_t& a : axes) a = a < 0 ? a + rank : a;
  std::sort(axes.begin(), axes.end());
  return axes;
}

class Matcher {
 public:
  explicit Matcher(const Graph& g) : g_(g) {
    for (size_t i = 0; i < g.nodes.size(); ++i)
      for (const auto& o : g.nodes[i].outputs)
        if (!o.empty()) producer_[o] = i;
  }

  // The unit whose normalizing Div or Mul is node `end`, if any.
  std::optional<WrittenOutNorm> match(size_t end) const {
    const Node& n = g_.nodes[end];
    if (!n.domain.empty() || n.inputs.size() != 2 || n.outputs.size() != 1 ||
        (n.op_type != "Div" && n.op_type != "Mul"))
      return std::nullopt;
    WrittenOutNorm w;
    Match m;
    m.nodes.insert(end);
    if (!attempt(m, [&](Match& t) { return layer_norm(t, n, &w); }) &&
        !attempt(m, [&](Match& t) { return rms_norm(t, n, &w); }) &&
        !attempt(m, [&](Match& t) { return l2_norm(t, n, &w); }) &&
        !attempt(m, [&](Match& t) { return softmax(t, n, &w); }))
      return std::nullopt;
    w.output = n.outputs[0];
    if (w.kind == NormKind::kLayerNorm && m.scale.empty()) group_norm(m, &w);
    if (w.kind != NormKind::kL2Norm && w.kind != NormKind::kSoftmax) affine(m, &w.output);
    if (w.kind == NormKind::kLayerNorm && is_instance_norm(m)) w.kind = NormKind::kInstanceNorm;
    if (!closed(m, w.output)) return std::nullopt;
    w.nodes.assign(m.nodes.begin(), m.nodes.end());
    w.direct = m.direct;
    w.rank = m.rank;
    w.axes = sorted_axes(m.axes, m.rank);
    w.epsilon = m.epsilon;
    w.scale = m.scale;
    w.bias = m.bias;
    return w;
  }

 private:
  const Graph& g_;
  std::map<std::string, size_t> producer_;

  int rank_of(const std::string& v) const {
    const ValueInfo* vi = g_.find_value_info(v);
    return vi && vi->has_shape ? static_cast<int>(vi->shape.size()) : -1;
  }

  // The value of `v` when it is a constant one-element float32, else NaN.
  float scalar(const std::string& v) const {
    const Tensor* t = g_.find_initializer(v);
    return t && t->dtype() == DType::kFloat32 && t->numel() == 1 ? t->data<float>()[0] : NAN;
  }

  bool is_float_constant(const std::string& v) const {
    const Tensor* t = g_.find_initializer(v);
    return t && t->dtype() == DType::kFloat32;
  }

  // The node writing `v` when it is the default-domain `op` with one output; recorded in m.
  const Node* take(Match& m, const std::string& v, const char* op, size_t inputs = 0) const {
    auto it = producer_.find(v);
    if (it == producer_.end()) return nullptr;
    const Node& n = g_.nodes[it->second];
    if (n.op_type != op || !n.domain.empty() || n.outputs.size() != 1 || !n.has_input(0) ||
        (inputs && n.inputs.size() != inputs))
      return nullptr;
    m.nodes.insert(it->second);
    return &n;
  }

  // `v` with the shape ops in front of it passed (a statistic on its way back to the elements).
  std::string stat(Match& m, std::string v) const {
    for (auto it = producer_.find(v); it != producer_.end(); it = producer_.find(v)) {
      if (!is_shape_op(g_.nodes[it->second])) break;
      m.nodes.insert(it->second);
      m.direct = false;
      v = g_.nodes[it->second].inputs[0];
    }
    return v;
  }

  // v = op(a, c), or op(c, a) when `commutes`, with c a one-element constant (not NaN): a and c.
  bool with_scalar(Match& m, const std::string& v, const char* op, bool commutes, std::string* a, float* c) const {
    const Node* n = take(m, v, op, 2);
    if (!n) return false;
    for (int i = 0; i < (commutes ? 2 : 1); ++i)
      if (!std::isnan(scalar(n->inputs[1 - i])) && !g_.find_initializer(n->inputs[i])) {
        *a = n->inputs[i];
        *c = scalar(n->inputs[1 - i]);
        return true;
      }
    return false;
  }

  // v = a reduction `op` of `*in`, over the same axes as the match's other reductions.
  bool reduction(Match& m, const std::string& v0, const char* op, std::string* in) const {
    const Node* n = take(m, stat(m, v0), op);
    if (!n) return false;
    std::vector<int64_t> axes;
    if (n->has_attr("axes")) {
      axes = n->attr_ints("axes");
    } else if (n->has_input(1)) {
      const Tensor* t = g_.find_initializer(n->inputs[1]);
      if (!t || t->dtype() != DType::kInt64) return false;
      axes.assign(t->data<int64_t>(), t->data<int64_t>() + t->numel());
    } else if (n->attr_int("noop_with_empty_axes", 0) != 0) {
      return false;
    }
    if (n->attr_int("keepdims", 1) == 0) m.direct = false;
    const int rank = std::max(m.rank, rank_of(n->inputs[0]));
    if (m.have_axes && sorted_axes(axes, rank) != sorted_axes(m.axes, rank)) return false;
    if (!m.have_axes) m.axes = axes;
    m.have_axes = true;
    m.rank = rank;
    *in = n->inputs[0];
    return true;
  }

  // v = mean(*what): ReduceMean, or ReduceSum times or divided by a constant (its 1/n unchecked).
  bool mean_of(Match& m, const std::string& v0, std::string* what) const {
    const std::string v = stat(m, v0);
    if (attempt(m, [&](Match& t) { return reduction(t, v, "ReduceMean", what); })) return true;
    for (const char* op : {"Mul", "Div"})
      if (attempt(m, [&](Match& t) {
            std::string sum;
            float c;
            t.direct = false;
            return with_scalar(t, v, op, op[0] == 'M', &sum, &c) && reduction(t, sum, "ReduceSum", what);
          }))
        return true;
    return false;
  }

  // v = a * a or Pow(a, 2).
  bool square_of(Match& m, const std::string& v, std::string* a) const {
    if (attempt(m, [&](Match& t) {
          const Node* n = take(t, v, "Mul", 2);
          return n && n->inputs[0] == n->inputs[1] && (*a = n->inputs[0], true);
        }))
      return true;
    return attempt(m, [&](Match& t) {
      float c;
      return with_scalar(t, v, "Pow", false, a, &c) && c == 2.0f;
    });
  }

  // v = x - mean(x): x.
  bool centered(Match& m, const std::string& v, std::string* x) const {
    return attempt(m, [&](Match& t) {
      const Node* n = take(t, v, "Sub", 2);
      std::string of;
      return n && mean_of(t, n->inputs[1], &of) && of == n->inputs[0] && (*x = of, true);
    });
  }

  // v = mean((x - mean x)^2), or mean(x^2) - mean(x)^2 clamped at 0 or not.
  bool variance_of(Match& m, const std::string& v0, const std::string& x) const {
    const std::string v = stat(m, v0);
    if (attempt(m, [&](Match& t) {
          std::string sq, d, of;
          return mean_of(t, v, &sq) && square_of(t, sq, &d) && centered(t, d, &of) && of == x;
        }))
      return true;
    return attempt(m, [&](Match& t) {
      std::string u = v, sq, of, mu, of2;
      float c;
      if (Match clamp = t; with_scalar(clamp, v, "Max", true, &u, &c) && c == 0.0f) t = std::move(clamp);
      else if (u = v; const Node* r = take(t, v, "Relu")) u = r->inputs[0];
      const Node* n = take(t, stat(t, u), "Sub", 2);
      return n && mean_of(t, n->inputs[0], &sq) && square_of(t, sq, &of) && of == x &&
             square_of(t, stat(t, n->inputs[1]), &mu) && mean_of(t, mu, &of2) && of2 == x;
    });
  }

  // v = s + eps (eps a constant >= 0): s.
  bool plus_eps(Match& m, const std::string& v, std::string* s) const {
    float eps;
    if (!with_scalar(m, stat(m, v), "Add", true, s, &eps) || !(eps >= 0) || !std::isfinite(eps)) return false;
    m.epsilon = eps;
    return true;
  }

  // v = sqrt(s + eps), or sqrt(s) (eps 0): s.
  bool root_of(Match& m, const std::string& v, std::string* s) const {
    const Node* n = take(m, stat(m, v), "Sqrt");
    if (!n) return false;
    if (!attempt(m, [&](Match& t) { return plus_eps(t, n->inputs[0], s); })) *s = n->inputs[0];
    return true;
  }

  // v = 1 / sqrt(s + eps) as Reciprocal(Sqrt), Div(1, Sqrt) or Pow(s + eps, -0.5): s.
  bool inv_root_of(Match& m, const std::string& v0, std::string* s) const {
    const std::string v = stat(m, v0);
    return attempt(m,
                   [&](Match& t) {
                     const Node* n = take(t, v, "Reciprocal");
                     return n && root_of(t, n->inputs[0], s);
                   }) ||
           attempt(m,
                   [&](Match& t) {
                     const Node* n = take(t, v, "Div", 2);
                     return n && scalar(n->inputs[0]) == 1.0f && root_of(t, n->inputs[1], s);
                   }) ||
           attempt(m, [&](Match& t) {
             std::string w;
             float c;
             return with_scalar(t, v, "Pow", false, &w, &c) && c == -0.5f && plus_eps(t, w, s);
           });
  }

  // end = numer / sqrt(s + eps), or numer * 1/sqrt(s + eps), the factor times gamma or not.
  bool normalized(Match& m, const Node& end, std::string* numer, std::string* s) const {
    if (end.op_type == "Div") return (*numer = end.inputs[0], root_of(m, end.inputs[1], s));
    for (int i = 0; i < 2; ++i) {
      const std::string& other = end.inputs[1 - i];
      *numer = end.inputs[i];
      if (attempt(m, [&](Match& t) { return inv_root_of(t, other, s); })) return true;
      if (attempt(m, [&](Match& t) {
            const Node* n = take(t, stat(t, other), "Mul", 2);
            for (int j = 0; n && j < 2; ++j)
              if (is_float_constant(n->inputs[1 - j]) &&
                  attempt(t, [&](Match& u) { return inv_root_of(u, n->inputs[j], s); }))
                return (t.scale = n->inputs[1 - j], true);
            return false;
          }))
        return true;
    }
    return false;
  }

  bool layer_norm(Match& m, const Node& end, WrittenOutNorm* w) const {
    std::string numer, s, x;
    if (!normalized(m, end, &numer, &s) || !centered(m, numer, &x) || !variance_of(m, s, x)) return false;
    w->kind = NormKind::kLayerNorm;
    w->input = x;
    return true;
  }

  bool rms_norm(Match& m, const Node& end, WrittenOutNorm* w) const {
    std::string numer, s, sq, x, ignored;
    if (!normalized(m, end, &numer, &s) || !mean_of(m, s, &sq) || !square_of(m, sq, &x) || x != numer) return false;
    Match scratch;  // a LayerNorm that did not match (its reductions disagree) is no RMSNorm of x - mean
    if (centered(scratch, numer, &ignored)) return false;
    w->kind = NormKind::kRmsNorm;
    w->input = x;
    return true;
  }

  // v = max(u, c) for a constant c (Max either way round, or Clip with a constant min): u.
  bool clamped(Match& m, const std::string& v, std::string* u) const {
    float c;
    if (attempt(m, [&](Match& t) { return with_scalar(t, v, "Max", true, u, &c); })) return true;
    return attempt(m, [&](Match& t) {
      const Node* n = take(t, v, "Clip");
      if (!n || !std::isfinite(clip_bound(g_, *n, 1, "min", NAN)) || std::isnan(clip_bound(g_, *n, 2, "max", INFINITY)))
        return false;
      *u = n->inputs[0];
      return true;
    });
  }

  // v = sum(x^2) as ReduceSumSquare(x) or ReduceSum(x^2).
  bool sum_of_squares(Match& m, const std::string& v, const std::string& x) const {
    std::string of, sq;
    return attempt(m, [&](Match& t) { return reduction(t, v, "ReduceSumSquare", &of) && of == x; }) ||
           attempt(m, [&](Match& t) { return reduction(t, v, "ReduceSum", &sq) && square_of(t, sq, &of) && of == x; });
  }

  // v = the L2 norm of x, its eps (if any) by Add, Max or Clip inside or outside the root.
  bool l2_norm_of(Match& m, const std::string& v0, const std::string& x) const {
    std::string v = stat(m, v0), u, of;
    if (attempt(m, [&](Match& t) { return clamped(t, v, &u); })) v = stat(m, u);
    if (attempt(m, [&](Match& t) { return reduction(t, v, "ReduceL2", &of) && of == x; })) return true;
    const Node* root = take(m, v, "Sqrt");
    if (!root) return false;
    std::string s = stat(m, root->inputs[0]);
    float eps;
    if (attempt(m, [&](Match& t) { return clamped(t, s, &u); }) ||
        attempt(m, [&](Match& t) { return with_scalar(t, s, "Add", true, &u, &eps); }))
      s = stat(m, u);
    return sum_of_squares(m, s, x);
  }

  // v = 1 / d (Reciprocal or Div(1, d)): d.
  bool reciprocal_of(Match& m, const std::string& v, std::string* d) const {
    if (const Node* n = take(m, v, "Reciprocal")) return (*d = n->inputs[0], true);
    const Node* n = take(m, v, "Div", 2);
    return n && scalar(n->inputs[0]) == 1.0f && (*d = n->inputs[1], true);
  }

  // end = x / d or x * (1 / d), with `denominator(t, d, x)` the rest: x.
  template <class F>
  bool divided(Match& m, const Node& end, std::string* x, F&& denominator) const {
    if (end.op_type == "Div") return (*x = end.inputs[0], denominator(m, end.inputs[1], *x));
    for (int i = 0; i < 2; ++i)
      if (attempt(m, [&](Match& t) {
            std::string d;
            *x = end.inputs[i];
            return reciprocal_of(t, stat(t, end.inputs[1 - i]), &d) && denominator(t, d, *x);
          }))
        return true;
    return false;
  }

  bool l2_norm(Match& m, const Node& end, WrittenOutNorm* w) const {
    auto norm_of = [&](Match& t, const std::string& d, const std::string& x) { return l2_norm_of(t, d, x); };
    if (!divided(m, end, &w->input, norm_of)) return false;
    w->kind = NormKind::kL2Norm;
    return true;
  }

  // e = Exp(x - max(x)) or Exp(x): x.
  bool exp_of(Match& m, const std::string& e, std::string* x) const {
    const Node* ex = take(m, e, "Exp");
    if (!ex) return false;
    *x = ex->inputs[0];
    attempt(m, [&](Match& t) {  // the max subtracted first, when it is
      const Node* sub = take(t, ex->inputs[0], "Sub", 2);
      if (!sub) return false;
      std::string mx = stat(t, sub->inputs[1]), r, of;
      float c;
      if (attempt(t, [&](Match& u) { return with_scalar(u, mx, "Max", true, &r, &c); })) {
        mx = r;
        t.direct = t.direct && c == -INFINITY;  // a finite floor changes rows below it
      }
      return reduction(t, mx, "ReduceMax", &of) && of == sub->inputs[0] && (*x = of, true);
    });
    return true;
  }

  bool softmax(Match& m, const Node& end, WrittenOutNorm* w) const {
    std::string e;
    auto sum_of = [&](Match& t, const std::string& d, const std::string& ev) {
      std::string of;
      return reduction(t, d, "ReduceSum", &of) && of == ev;
    };
    if (!divided(m, end, &e, sum_of) || !exp_of(m, e, &w->input)) return false;
    w->kind = NormKind::kSoftmax;
    return true;
  }

  // Whether `a` and `b` may have the same shape: no known dim or symbol of one contradicts the other.
  bool may_match(const std::string& a, const std::string& b) const {
    const ValueInfo *va = g_.find_value_info(a), *vb = g_.find_value_info(b);
    if (!va || !vb || !va->has_shape || !vb->has_shape) return true;
    if (va->shape.size() != vb->shape.size()) return false;
    for (size_t i = 0; i < va->shape.size(); ++i) {
      const Dim &x = va->shape[i], &y = vb->shape[i];
      if (x.known() && y.known() && x.value != y.value) return false;
      if (!x.symbol.empty() && !y.symbol.empty() && x.symbol != y.symbol) return false;
    }
    return true;
  }

  // Reshape -> LayerNorm without gamma and beta -> Reshape back: the groups of a GroupNorm.
  void group_norm(Match& m, WrittenOutNorm* w) const {
    Match t = m;
    const Node* in = take(t, w->input, "Reshape");
    const int64_t c = sole_consumer(g_, w->output);
    if (!in || c < 0 || g_.nodes[c].op_type != "Reshape" || !g_.nodes[c].domain.empty() ||
        !may_match(in->inputs[0], g_.nodes[c].outputs[0]))
      return;
    t.nodes.insert(static_cast<size_t>(c));
    m = t;
    w->kind = NormKind::kGroupNorm;
    w->input = in->inputs[0];
    w->output = g_.nodes[c].outputs[0];
  }

  // The Mul by gamma (unless folded already) and the Add of beta that follow, when constants.
  void affine(Match& m, std::string* y) const {
    for (const char* op : {"Mul", "Add"}) {
      std::string& slot = op[0] == 'M' ? m.scale : m.bias;
      const int64_t c = sole_consumer(g_, *y);
      if (!slot.empty() || c < 0) continue;
      const Node& n = g_.nodes[c];
      if (n.op_type != op || !n.domain.empty() || n.inputs.size() != 2) continue;
      const std::string& other = n.inputs[n.inputs[0] == *y ? 1 : 0];
      if (!is_float_constant(other) || other == *y) continue;
      slot = other;
      m.nodes.insert(static_cast<size_t>(c));
      *y = n.outputs[0];
    }
  }

  // Axes 2.. of a rank >= 3 value, gamma and beta (when present) one value per channel (axis 1).
  bool is_instance_norm(const Match& m) const {
    if (m.rank < 3) return false;
    std::vector<int64_t> want;
    for (int i = 2; i < m.rank; ++i) want.push_back(i);
    if (sorted_axes(m.axes, m.rank) != want) return false;
    for (const std::string& c : {m.scale, m.bias}) {
      const Tensor* t = c.empty() ? nullptr : g_.find_initializer(c);
      if (!t) continue;
      if (t->rank() > m.rank || t->rank() < m.rank - 1) return false;
      for (int i = 0; i < t->rank(); ++i)
        if (t->dim(i) != 1 && i != t->rank() - (m.rank - 1)) return false;
    }
    return true;
  }

  // Every value inside the unit is read by the unit alone and is no graph output.
  bool closed(const Match& m, const std::string& output) const {
    for (size_t i : m.nodes)
      for (const auto& o : g_.nodes[i].outputs) {
        if (o == output || o.empty()) continue;
        if (is_graph_output(g_, o)) return false;
        for (size_t c : consumers(g_, o))
          if (!m.nodes.count(c)) return false;
      }
    return true;
  }
};

}  // namespace

const char* norm_kind_name(NormKind kind) {
  switch (kind) {
    case NormKind::kLayerNorm: return "LayerNorm";
    case NormKind::kInstanceNorm: return "InstanceNorm";
    case NormKind::kGroupNorm: return "GroupNorm";
    case NormKind::kRmsNorm: return "RMSNorm";
    case NormKind::kL2Norm: return "L2-normalize";
    case NormKind::kSoftmax: return "softmax";
  }
  return "?";
}

const char* fused_op_of(NormKind kind) {
  switch (kind) {
    case NormKind::kLayerNorm: return "LayerNormalization";
    case NormKind::kInstanceNorm: return "InstanceNormalization";
    case NormKind::kSoftmax: return "Softmax";
    default: return "";
  }
}

std::vector<WrittenOutNorm> find_written_out_norms(const Graph& g) {
  const Matcher matcher(g);
  std::vector<WrittenOutNorm> found;
  std::set<size_t> taken;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (taken.count(i)) continue;
    std::optional<WrittenOutNorm> w = matcher.match(i);
    if (!w || std::any_of(w->nodes.begin(), w->nodes.end(), [&](size_t k) { return taken.count(k) > 0; })) continue;
    taken.insert(w->nodes.begin(), w->nodes.end());
    found.push_back(std::move(*w));
  }
  return found;
}

std::string describe_norms(const std::vector<NormKind>& fused, const std::vector<NormKind>& kept) {
  auto counts = [](const std::vector<NormKind>& kinds, bool with_op) {
    std::map<NormKind, int> n;
    for (NormKind k : kinds) ++n[k];
    std::string s;
    for (const auto& [k, count] : n) {
      s += (s.empty() ? "" : ", ") + std::to_string(count) + " " + norm_kind_name(k);
      if (with_op) s += std::string(" fused into ") + fused_op_of(k);
    }
    return s;
  };
  if (fused.empty() && kept.empty()) return "";
  std::string s = "written-out normalizations: " + counts(fused, true);
  if (!kept.empty())
    s += (fused.empty() ? "" : "; ") + counts(kept, false) + " kept in float as one unit each (no Q/DQ inside)";
  return s;
}

}  // namespace octet
