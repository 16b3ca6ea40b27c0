// The four-rows-per-lane depthwise path (kernels/ref/dwconv_c4_ref.h): each ISA's insert and
// convolution kernels bit for bit against their scalar twins, and the driver and weight packing of
// kernels/qconv.cc through the scalar twins (so they are checked on CPUs without vpdpbusd too).
#include <gtest/gtest.h>

#include "kernels/qconv.h"
#include "kernels/qgemm_test_util.h"

namespace octet::kernels {
namespace {

using testing::random_ints;

std::vector<std::string> c4_isas() {
  std::vector<std::string> out;
  for (const std::string& isa : testing::all_isas())
    if (kernels_for(isa).dwconv_c4.conv) out.push_back(isa);
  return out;
}

class DwconvC4Isa : public ::testing::TestWithParam<std::string> {};

// Only byte `byte` of the first `channels` lanes of each column changes.
TEST_P(DwconvC4Isa, InsertRowMatchesTwin) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  const DwconvC4Kernel& k = kernels_for(GetParam()).dwconv_c4;
  std::mt19937 rng(3);
  for (int64_t channels : {1, 15, 16, 17, 48, 64})
    for (int64_t cols : {1, 7})
      for (int byte = 0; byte < 4; ++byte) {
        const int64_t x_stride = channels + 5, out_col = (channels + 15) / 16 * 16 + 16;
        auto row = random_ints<uint8_t>(rng, cols * x_stride, 0, 255);
        auto lanes = random_ints<uint32_t>(rng, cols * out_col, 0, 0x7fffffff);
        std::vector<uint32_t> want = lanes;
        k.insert_row(channels, cols, row.data(), x_stride, lanes.data(), out_col, byte);
        dw_insert_row__ref(channels, cols, row.data(), x_stride, want.data(), out_col, byte);
        ASSERT_EQ(lanes, want) << "channels " << channels << " cols " << cols << " byte " << byte;
      }
}

// Every byte value against every weight value, strides, dilations, 1 and 2 row groups, channel tails.
TEST_P(DwconvC4Isa, ConvMatchesTwin) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  const DwconvC4Kernel& k = kernels_for(GetParam()).dwconv_c4;
  std::mt19937 rng(4);
  for (int64_t channels : {1, 16, 23, 64})
    for (int64_t kw : {1, 3, 5})
      for (int64_t groups : {1, 2})
        for (int64_t pixels : {1, 5, 8, 19})
          for (int64_t stride : {1, 2}) {
            const int64_t dil = kw == 3 && pixels == 5 ? 2 : 1, ib_col = (channels + 15) / 16 * 16;
            const int64_t cols = (pixels - 1) * stride + (kw - 1) * dil + 1, ib_group = cols * ib_col + 16;
            auto ib = random_ints<uint32_t>(rng, groups * ib_group, 0, 0x7fffffff);
            for (size_t i = 0; i < ib.size(); i += 7) ib[i] = 0xffffffffu;  // 255 in every byte
            const int64_t w_tap = ib_col + 16;
            auto w = random_ints<uint32_t>(rng, kw * groups * w_tap, 0, 0x7fffffff);
            for (size_t i = 0; i < w.size(); i += 5) w[i] = 0x80808080u;  // -128 in every byte
            const int64_t ld = channels + 3;
            std::vector<int32_t> got(pixels * ld, 7), want(pixels * ld, 7);
            DwC4Args a{channels, kw,       groups,   pixels, stride,     dil, ib.data(),
                       ib_col,   ib_group, w.data(), w_tap,  got.data(), ld};
            k.conv(a);
            a.acc = want.data();
            dwconv_c4__ref(a);
            ASSERT_EQ(got, want) << "channels " << channels << " kw " << kw << " groups " << groups << " pixels "
                                 << pixels << " stride " << stride;
          }
}

INSTANTIATE_TEST_SUITE_P(DwconvC4, DwconvC4Isa, ::testing::ValuesIn(c4_isas()), testing::isa_param_name);

// acc[m][c] = sum over taps of (x - x_zp) * w, padding = real 0.
std::vector<int32_t> direct_depthwise(const Conv2dShape& s, const std::vector<uint8_t>& x, uint8_t x_zp,
                                      const std::vector<int8_t>& w) {
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
              sum += (x[((b * s.in_h + iy) * s.in_w + ix) * C + c] - x_zp) * w[(c * s.kernel_h + ky) * s.kernel_w + kx];
            }
          acc[((b * oh + oy) * ow + ox) * C + c] = sum;
        }
  return acc;
}

// The driver on the scalar twins: the ring of input rows across output rows, batches and channel
// blocks (C > 64), rows above and below the image, both strides, dilation 2 (a window of 5 rows: two
// row groups), non-square kernels, every thread split. A dequantize with scale 1 shows the sums.
TEST(DwconvC4, DriverOnTheScalarTwinsMatchesDirectLoop) {
  KernelTable twin = kernels_for("ref");
  twin.dwconv_c4 = {dw_insert_row__ref, dwconv_c4__ref};
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
    PackedConvWeights pw = pack_conv_weights_s8(w.data(), s, {}, twin);
    ASSERT_FALSE(pw.dw_weights_c4.empty());
    const int64_t M = s.batch * s.out_h() * s.out_w();
    std::vector<float> got(M * s.in_c), one{1.0f};
    ThreadPool pool(1 + i % 2);
    qconv2d_u8s8_nhwc(x.data(), x_zp, pw, Epilogue::dequantize(got.data(), s.in_c, 1.0f, one), pool);
    const std::vector<int32_t> want = direct_depthwise(s, x, x_zp, w);
    for (int64_t j = 0; j < M * s.in_c; ++j)
      ASSERT_EQ(got[j], float(want[j])) << "case " << i << " C " << s.in_c << " k " << s.kernel_h << "x" << s.kernel_w
                                        << " stride " << s.stride_h << " dil " << s.dilation_h << " at " << j;
  }
  EXPECT_GE(ran, 30);
}

// Weights with a zero point do not fit the path (w - w_zp may not be a byte): the table's other
// kernel runs them.
TEST(DwconvC4, ZeroPointWeightsTakeTheOtherPath) {
  KernelTable twin = kernels_for("ref");
  twin.dwconv_c4 = {dw_insert_row__ref, dwconv_c4__ref};
  Conv2dShape s;
  s.in_h = s.in_w = 4, s.in_c = s.out_c = s.groups = 8, s.kernel_h = s.kernel_w = 3;
  std::vector<int8_t> w(8 * 9, 1), zp{3}, none{0};
  EXPECT_TRUE(pack_conv_weights_s8(w.data(), s, zp, twin).dw_weights_c4.empty());
  EXPECT_FALSE(pack_conv_weights_s8(w.data(), s, none, twin).dw_weights_c4.empty());
  EXPECT_TRUE(pack_conv_weights_s8(w.data(), s, {}, kernels_for("ref")).dw_weights_c4.empty());
}

}  // namespace
}  // namespace octet::kernels
