"""PyTorch CPU reference: d2l LeNet-5 train step (batch 256, SGD lr 0.9), examples/sec.

Usage: /usr/bin/python3 bench/pytorch_lenet.py [--threads 2] [--steps 30]
"""
import argparse
import time

import torch
from torch import nn


def lenet() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = lenet()
    opt = torch.optim.SGD(net.parameters(), lr=0.9)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(args.batch, 1, 28, 28)
    y = torch.randint(0, 10, (args.batch,))

    def step() -> float:
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(3):
        step()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    ms = (time.perf_counter() - t0) / args.steps * 1000
    print(f"pytorch {torch.__version__} ({torch.get_num_threads()} threads): {ms:.2f} ms/step, "
          f"{args.batch * 1000 / ms:.0f} examples/s (loss {loss:.4f})")


if __name__ == "__main__":
    main()
