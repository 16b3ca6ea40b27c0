#include "debug/svg_chart.h"

#include <gtest/gtest.h>

#include <cmath>

namespace octet {
namespace {

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(SvgChart, EscapesEveryCharacterThatEndsTextOrAnAttribute) {
  EXPECT_EQ(html_escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
  EXPECT_EQ(html_escape("/features/features.0/Conv"), "/features/features.0/Conv");
  EXPECT_EQ(short_number(0.012723), "0.01272");
  EXPECT_EQ(short_number(INFINITY), "inf");
}

TEST(SvgChart, BarChartEscapesLabelsAndDrawsInfinityAsAFullBar) {
  const std::string evil = "<script>alert('x')</script>&\"";
  const std::string svg =
      svg_bar_chart({{evil, {12.5, 9.0}}, {"conv", {INFINITY, NAN}}}, {"isolated", "accumulated"}, "SQNR (dB)");
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"), std::string::npos);
  EXPECT_NE(svg.find(">inf</text>"), std::string::npos);
  EXPECT_EQ(count(svg, "<svg "), 1u);
  EXPECT_EQ(count(svg, "<title>conv accumulated"), 0u);  // NaN: no bar
  EXPECT_EQ(count(svg, "<title>conv isolated: inf"), 1u);
}

TEST(SvgChart, LongLabelsAreCutInTheMiddleAndWholeInTheTooltip) {
  const std::string name = "/encoder/layer.11/attention/self/query/" + std::string(60, 'x') + "/MatMul";
  const std::string svg = svg_bar_chart({{name, {30}}}, {"isolated"}, "dB");
  EXPECT_NE(svg.find("<title>" + name + "</title>"), std::string::npos);
  const std::string cut = name.substr(0, 26) + "..." + name.substr(name.size() - 27);  // 56 characters
  EXPECT_NE(svg.find(cut + "</text>"), std::string::npos) << svg;
}

TEST(SvgChart, HistogramDrawsOneBarPerNonEmptyBinAndMarksTheRange) {
  Histogram h(-1, 3, 4);
  for (double v : {-0.5, 0.5, 0.5, 2.5}) h.add(v);  // bins 0, 1, 1, 3
  const std::string svg = svg_histogram(h, 0, 2);
  EXPECT_EQ(count(svg, "<rect"), 4u);               // the shaded range and three bins
  EXPECT_EQ(count(svg, "#c62828"), 2u) << svg;      // bins 0 and 3 lie outside [0, 2]: clipped
  EXPECT_EQ(count(svg, "stroke=\"#2e7d32\""), 2u);  // the range's two ends
  EXPECT_NE(svg.find("quantization range [0, 2]"), std::string::npos);
}

TEST(SvgChart, ChannelChartUsesALogAxisOnlyForChannelsFarApartAndMarksFlaggedOnes) {
  const std::string near = svg_channel_chart({1, 2, 50}, {}, "max |w|");
  EXPECT_EQ(near.find("log scale"), std::string::npos);
  EXPECT_EQ(near.find("#c62828"), std::string::npos);
  const std::string far = svg_channel_chart({0.001, 2, 0, 50}, {2}, "max |w|");
  EXPECT_NE(far.find("log scale"), std::string::npos);
  EXPECT_EQ(count(far, "(flagged)</title>"), 1u);  // the dead channel has no bar, only its marker
  EXPECT_EQ(count(far, "channel 0: 0.001</title>"), 1u);
}

}  // namespace
}  // namespace octet
