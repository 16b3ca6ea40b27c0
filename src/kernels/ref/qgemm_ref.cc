#include "kernels/ref/qgemm_ref.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/qmath.h"
#include "kernels/ref/qelementwise_ref.h"

namespace octet::kernels {

namespace {

// int32 add/mul that wrap like the vector instructions instead of being undefined on overflow.
inline int32_t wrap_add(int32_t a, int32_t b) { return int32_t(uint32_t(a) + uint32_t(b)); }
inline int32_t wrap_mul(int32_t a, int32_t b) { return int32_t(uint32_t(a) * uint32_t(b)); }

}  // namespace

void qgemm_acc_u8s8__ref(int64_t M, int64_t N, int64_t K, const uint8_t* a, int64_t lda, uint8_t a_zp, const int8_t* w,
                         int64_t ldw, const int8_t* w_zp, int32_t* acc) {
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      int32_t zb = w_zp ? w_zp[n] : 0, s = 0;
      for (int64_t k = 0; k < K; ++k)
        s = wrap_add(s, (int32_t(a[m * lda + k]) - a_zp) * (int32_t(w[k * ldw + n]) - zb));
      acc[m * N + n] = s;
    }
}

namespace {

// The microkernel contract of qgemm_ukernel.h, one multiply-add at a time.
template <int MR, int NR, int KR, class AElem, class BElem>
void ukernel_ref(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c) {
  const auto* bp = static_cast<const BElem*>(b);
  for (int64_t i = 0; i < mr; ++i) {
    const auto* ar = reinterpret_cast<const AElem*>(a + i * a_stride);
    for (int64_t n = 0; n < NR; ++n) {
      int32_t s = 0;
      for (int64_t g = 0; g < kp / KR; ++g)
        for (int64_t j = 0; j < KR; ++j) s = wrap_add(s, int32_t(ar[g * KR + j]) * int32_t(bp[(g * NR + n) * KR + j]));
      c[i * NR + n] = s;
    }
  }
}

}  // namespace

void qgemm_u8s8_8x32c2__ref(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c) {
  ukernel_ref<8, 32, 2, uint16_t, int16_t>(mr, kp, a, a_stride, b, c);
}
void qgemm_u8s8_8x16c2__ref(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c) {
  ukernel_ref<8, 16, 2, uint16_t, int16_t>(mr, kp, a, a_stride, b, c);
}
void qgemm_u8s8_8x32c4__ref(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c) {
  ukernel_ref<8, 32, 4, uint8_t, int8_t>(mr, kp, a, a_stride, b, c);
}
void qgemm_u8s8_8x16c4__ref(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c) {
  ukernel_ref<8, 16, 4, uint8_t, int8_t>(mr, kp, a, a_stride, b, c);
}
void qgemm_u8s8_4x16c2__ref(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c) {
  ukernel_ref<4, 16, 2, uint16_t, int16_t>(mr, kp, a, a_stride, b, c);
}
void qgemm_u8s8_4x16c4__ref(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c) {
  ukernel_ref<4, 16, 4, uint8_t, int8_t>(mr, kp, a, a_stride, b, c);
}

void qgemm_epilogue_one__ref(int32_t c, int64_t m, int64_t n, const EpilogueParams& p) {
  int32_t acc = wrap_add(c, p.col_term[n]);
  if (p.b_zero_point) acc = wrap_add(acc, -wrap_mul(p.row_sum[m], p.b_zero_point[n]));
  float v = float(acc);
  int64_t at = m * p.ldo + n;
  switch (p.kind) {
    case EpilogueParams::Kind::requant_u8: {
      uint8_t* y = static_cast<uint8_t*>(p.out) + at;
      *y = uint8_t(round_clamp(v * p.scale[n], p.zero_point, p.qmin, p.qmax));
      if (const ResidualAdd* r = p.residual) {  // Int8Add's own arithmetic, then the ReLU after it
        qadd_u8__ref(1, y, r->out_zp, r->out_m, r->shortcut + m * r->ld + n, r->shortcut_zp, r->shortcut_m, r->y_zp, y);
        *y = std::max(*y, uint8_t(r->qmin));
      }
      break;
    }
    case EpilogueParams::Kind::requant_s8:
      static_cast<int8_t*>(p.out)[at] = int8_t(round_clamp(v * p.scale[n], p.zero_point, p.qmin, p.qmax));
      break;
    case EpilogueParams::Kind::dequant_f32:
      static_cast<float*>(p.out)[at] =
          std::fma(v * (p.row_scale ? p.row_scale[m] : 1.0f), p.scale[n], p.bias_f32 ? p.bias_f32[n] : 0.0f);
      break;
    case EpilogueParams::Kind::int32: static_cast<int32_t*>(p.out)[at] = acc; break;
  }
}

void qgemm_epilogue__ref(const int32_t* tile, int64_t tile_stride, int64_t mr, int64_t nc, int64_t m0, int64_t n0,
                         const EpilogueParams& p) {
  for (int64_t i = 0; i < mr; ++i)
    for (int64_t j = 0; j < nc; ++j) qgemm_epilogue_one__ref(tile[i * tile_stride + j], m0 + i, n0 + j, p);
}

}  // namespace octet::kernels
