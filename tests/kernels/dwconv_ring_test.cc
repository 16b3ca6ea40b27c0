// The depthwise ring paths (kernels/ref/dwconv_ring_ref.h), both lane formats (four rows per lane on vpdpbusd,
// two on vpmaddwd): each ISA's insert and convolution kernels bit for bit against their scalar twins, and the
// driver and weight packing of kernels/qconv.cc through the scalar twins (so they are checked on CPUs without the
// ISA too).
#include <gtest/gtest.h>

#include <cstdint>

#include "kernels/qconv.h"
#include "kernels/qgemm_test_util.h"
#include "kernels/ref/dwconv_ring_ref.h"

namespace octet::kernels {
namespace {

using testing::random_ints;

// The scalar twin of the format with `rows` rows per lane.
DwconvRingKernel twin(int rows) {
  if (rows == kDwC4Rows) return {kDwC4Rows, dw_insert_row__ref, dwconv_c4__ref};
  return {kDwC2Rows, dw_insert_row_c2__ref, dwconv_c2__ref, dw_insert_lanes_c2__ref};
}

std::vector<std::string> ring_isas() {
  std::vector<std::string> out;
  for (const std::string& isa : testing::all_isas())
    if (kernels_for(isa).dwconv_ring.conv) out.push_back(isa);
  return out;
}

class DwconvRingIsa : public ::testing::TestWithParam<std::string> {};

// Only part `part` of the first `channels` lanes of each column changes.
TEST_P(DwconvRingIsa, InsertRowMatchesTwin) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  const DwconvRingKernel& k = kernels_for(GetParam()).dwconv_ring;
  const DwconvRingKernel ref = twin(k.rows);
  std::mt19937 rng(3);
  for (int64_t channels : {1, 7, 8, 9, 15, 16, 17, 48, 64})
    for (int64_t cols : {1, 7})
      for (int part = 0; part < k.rows; ++part) {
        const int64_t x_stride = channels + 5, out_col = (channels + 15) / 16 * 16 + 16;
        auto row = random_ints<uint8_t>(rng, cols * x_stride, 0, 255);
        auto lanes = random_ints<uint32_t>(rng, cols * out_col, 0, 0x7fffffff);
        std::vector<uint32_t> want = lanes;
        k.insert_row(channels, cols, row.data(), x_stride, lanes.data(), out_col, part);
        ref.insert_row(channels, cols, row.data(), x_stride, want.data(), out_col, part);
        ASSERT_EQ(lanes, want) << "channels " << channels << " cols " << cols << " part " << part;
      }
}

// All parts of the first `channels` lanes of each column from R rows; the other lanes keep their value.
TEST_P(DwconvRingIsa, InsertLanesMatchesTwin) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  const DwconvRingKernel& k = kernels_for(GetParam()).dwconv_ring;
  if (!k.insert_lanes) GTEST_SKIP() << GetParam() << " inserts one row at a time";
  std::mt19937 rng(5);
  for (int64_t channels : {1, 7, 8, 9, 15, 16, 17, 48, 64})
    for (int64_t cols : {1, 7}) {
      const int64_t x_stride = channels + 5, out_col = (channels + 15) / 16 * 16 + 16;
      std::vector<std::vector<uint8_t>> rows;
      std::vector<const uint8_t*> ptrs;
      for (int j = 0; j < k.rows; ++j) rows.push_back(random_ints<uint8_t>(rng, cols * x_stride, 0, 255));
      for (const auto& r : rows) ptrs.push_back(r.data());
      auto lanes = random_ints<uint32_t>(rng, cols * out_col, INT32_MIN, INT32_MAX);
      std::vector<uint32_t> want = lanes;
      k.insert_lanes(channels, cols, ptrs.data(), x_stride, lanes.data(), out_col);
      twin(k.rows).insert_lanes(channels, cols, ptrs.data(), x_stride, want.data(), out_col);
      ASSERT_EQ(lanes, want) << "channels " << channels << " cols " << cols;
    }
}

// Extreme inputs against extreme weights (c4: bytes 255 against -128; c2: halves 255 against -32768), strides,
// dilations, 1 to 3 row groups, channel tails. c2's input halves are zero-extended bytes, as its inserts write them.
TEST_P(DwconvRingIsa, ConvMatchesTwin) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  const DwconvRingKernel& k = kernels_for(GetParam()).dwconv_ring;
  const bool c4 = k.rows == kDwC4Rows;
  const uint32_t x_mask = c4 ? 0xffffffffu : 0x00ff00ffu, w_min = c4 ? 0x80808080u : 0x80008000u;
  std::mt19937 rng(4);
  for (int64_t channels : {1, 7, 16, 23, 64})
    for (int64_t kw : {1, 3, 5})
      for (int64_t groups : {1, 2, 3})
        for (int64_t pixels : {1, 5, 8, 19})
          for (int64_t stride : {1, 2}) {
            const int64_t dil = kw == 3 && pixels == 5 ? 2 : 1, ib_col = (channels + 15) / 16 * 16;
            const int64_t cols = (pixels - 1) * stride + (kw - 1) * dil + 1, ib_group = cols * ib_col + 16;
            auto ib = random_ints<uint32_t>(rng, groups * ib_group, INT32_MIN, INT32_MAX);
            for (size_t i = 0; i < ib.size(); ++i) ib[i] = (i % 7 == 0 ? 0xffffffffu : ib[i]) & x_mask;
            const int64_t w_tap = ib_col + 16;
            auto w = random_ints<uint32_t>(rng, kw * groups * w_tap, INT32_MIN, INT32_MAX);
            for (size_t i = 0; i < w.size(); i += 5) w[i] = w_min;
            const int64_t ld = channels + 3;
            std::vector<int32_t> got(pixels * ld, 7), want(pixels * ld, 7);
            DwRingArgs a{channels, kw,       groups,   pixels, stride,     dil, ib.data(),
                         ib_col,   ib_group, w.data(), w_tap,  got.data(), ld};
            k.conv(a);
            a.acc = want.data();
            twin(k.rows).conv(a);
            ASSERT_EQ(got, want) << "channels " << channels << " kw " << kw << " groups " << groups << " pixels "
                                 << pixels << " stride " << stride;
          }
}

INSTANTIATE_TEST_SUITE_P(DwconvRing, DwconvRingIsa, ::testing::ValuesIn(ring_isas()), testing::isa_param_name);

// acc[m][c] = sum over taps of (x - x_zp) * (w - w_zp[c]), padding = real 0.
std::vector<int32_t> direct_depthwise(const Conv2dShape& s, const std::vector<uint8_t>& x, uint8_t x_zp,
                                      const std::vector<int8_t>& w, const std::vector<int8_t>& w_zp) {
  const int64_t oh = s.out_h(), ow = s.out_w(), C = s.in_c;
  std::vector<int32_t> acc(s.batch * oh * ow * C, 0);
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox)
        for (int64_t c = 0; c < C; ++c) {
          int32_t sum = 0;
          for (int64_t ky = 0; ky < s.kernel_h; ++ky)
            for (int64_t kx = 0; kx < s.kernel_w; ++kx) {
              const int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
              const int64_t ix = ox * s.stride_w - s.pad_left + kx * s.dilation_w;
              if (iy < 0 || iy >= s.in_h || ix < 0 || ix >= s.in_w) continue;
              sum += (x[((b * s.in_h + iy) * s.in_w + ix) * C + c] - x_zp) *
                     (w[(c * s.kernel_h + ky) * s.kernel_w + kx] - (w_zp.empty() ? 0 : w_zp[c]));
            }
          acc[((b * oh + oy) * ow + ox) * C + c] = sum;
        }
  return acc;
}

class DwconvRingFormat : public ::testing::TestWithParam<int> {};

// The driver on the scalar twins of each format: the ring of input rows across output rows, batches and channel
// blocks (C > 64), rows above and below the image, both strides, dilation 2 (a window of 5 rows: two or three
// row groups), non-square kernels, every thread split; per-channel weight zero points where the format takes them
// (c2). A dequantize with scale 1 shows the sums.
TEST_P(DwconvRingFormat, DriverOnTheScalarTwinsMatchesDirectLoop) {
  KernelTable table = kernels_for("ref");
  table.dwconv_ring = twin(GetParam());
  std::mt19937 rng(8);
  auto r = [&](int lo, int hi) { return int64_t(std::uniform_int_distribution<int>(lo, hi)(rng)); };
  int ran = 0;
  for (int i = 0; i < 40; ++i) {
    Conv2dShape s;
    s.batch = r(1, 2), s.in_h = r(1, 12), s.in_w = r(1, 12);
    s.in_c = s.out_c = s.groups = std::vector<int64_t>{2, 17, 64, 130, 144}[i % 5];
    s.kernel_h = std::vector<int64_t>{3, 5, 3, 1, 7}[i % 5 == 3 ? 3 : (i / 5) % 5];
    s.kernel_w = i % 4 == 1 ? 1 : s.kernel_h;
    s.stride_h = s.stride_w = r(1, 2);
    s.dilation_h = s.dilation_w = i % 3 == 2 ? 2 : 1;
    s.pad_top = r(0, 3), s.pad_left = r(0, 3), s.pad_bottom = r(0, 3), s.pad_right = r(0, 3);
    if (s.in_h + s.pad_top + s.pad_bottom <= s.dilation_h * (s.kernel_h - 1) ||
        s.in_w + s.pad_left + s.pad_right <= s.dilation_w * (s.kernel_w - 1))
      continue;
    ++ran;
    const uint8_t x_zp = uint8_t(std::vector<int>{0, 128, 255, 77}[i % 4]);
    auto x = random_ints<uint8_t>(rng, s.batch * s.in_h * s.in_w * s.in_c, 0, 255);
    auto w = random_ints<int8_t>(rng, s.in_c * s.kernel_h * s.kernel_w, -128, 127);
    const std::vector<int8_t> w_zp =
        GetParam() == kDwC2Rows && i % 2 ? random_ints<int8_t>(rng, s.in_c, -128, 127) : std::vector<int8_t>{};
    PackedConvWeights pw = pack_conv_weights_s8(w.data(), s, w_zp, table);
    ASSERT_FALSE(pw.dw_weights_ring.empty());
    const int64_t M = s.batch * s.out_h() * s.out_w();
    std::vector<float> got(M * s.in_c), one{1.0f};
    ThreadPool pool(1 + i % 2);
    qconv2d_u8s8_nhwc(x.data(), x_zp, pw, Epilogue::dequantize(got.data(), s.in_c, 1.0f, one), pool);
    const std::vector<int32_t> want = direct_depthwise(s, x, x_zp, w, w_zp);
    for (int64_t j = 0; j < M * s.in_c; ++j)
      ASSERT_EQ(got[j], float(want[j])) << "case " << i << " C " << s.in_c << " k " << s.kernel_h << "x" << s.kernel_w
                                        << " stride " << s.stride_h << " dil " << s.dilation_h << " at " << j;
  }
  EXPECT_GE(ran, 30);
}

INSTANTIATE_TEST_SUITE_P(DwconvRing, DwconvRingFormat, ::testing::Values(kDwC4Rows, kDwC2Rows),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == kDwC4Rows ? "c4" : "c2";
                         });

// Weights with a zero point fit c2 (w - w_zp is a 16-bit half) but not c4 (w - w_zp may not be a byte): the
// table's other kernel runs them there. A table without a ring kernel never packs for one.
TEST(DwconvRing, ZeroPointWeightsTakeTheRingOnlyInTwoRowLanes) {
  KernelTable c4 = kernels_for("ref"), c2 = kernels_for("ref");
  c4.dwconv_ring = twin(kDwC4Rows), c2.dwconv_ring = twin(kDwC2Rows);
  Conv2dShape s;
  s.in_h = s.in_w = 4, s.in_c = s.out_c = s.groups = 8, s.kernel_h = s.kernel_w = 3;
  std::vector<int8_t> w(8 * 9, 1), zp{3}, none{0};
  EXPECT_TRUE(pack_conv_weights_s8(w.data(), s, zp, c4).dw_weights_ring.empty());
  EXPECT_FALSE(pack_conv_weights_s8(w.data(), s, none, c4).dw_weights_ring.empty());
  EXPECT_FALSE(pack_conv_weights_s8(w.data(), s, zp, c2).dw_weights_ring.empty());
  EXPECT_TRUE(pack_conv_weights_s8(w.data(), s, {}, kernels_for("ref")).dw_weights_ring.empty());
}

}  // namespace
}  // namespace octet::kernels
