// octet's C++ API end to end: load the bundled MNIST CNN, quantize it to INT8 on its calibration
// data, save it, and run the INT8 model on test digits. Usage: quantize_and_run [EXAMPLES_DIR]
#include <octet/octet.h>

#include <cstdio>

int main(int argc, char** argv) {
  octet::restart_with_short_openmp_spin(argv);  // as the octet CLI does (octet/session.h)
  const std::string dir = argc > 1 ? argv[1] : "examples";
  try {
    const octet::Graph model = octet::load_onnx(dir + "/mnist_cnn.onnx");
    octet::StaticQuantOptions options;  // the flags of `octet quantize --mode static`
    options.samples = 256;
    const octet::Graph int8 = octet::quantize_static(model, octet::read_npz(dir + "/mnist_calib.npz"), options);
    octet::save_onnx(int8, "mnist_cnn.int8.onnx");

    octet::Session session(int8, {.threads = 2});  // lowered onto the INT8 kernels once
    const auto digits = octet::slice_samples(octet::read_npz(dir + "/mnist_test.npz"), 0, 100);
    const octet::Tensor logits = session.run(digits).at(session.outputs()[0].name);
    const octet::Tensor labels = octet::read_npy(dir + "/mnist_test_labels.npy");
    int correct = 0;
    for (int64_t i = 0; i < logits.dim(0); ++i) {
      const float* row = logits.data<float>() + i * logits.dim(1);
      int64_t best = 0;
      for (int64_t c = 1; c < logits.dim(1); ++c) best = row[c] > row[best] ? c : best;
      correct += best == labels.as_int64(i);
    }
    std::printf("INT8 MNIST: %d of %lld test digits right (wrote mnist_cnn.int8.onnx)\n", correct,
                static_cast<long long>(logits.dim(0)));
    return correct >= 95 ? 0 : 1;
  } catch (const octet::Error& e) {  // the message `octet` prints
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
