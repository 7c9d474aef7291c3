"""PyTorch CPU reference: one training step on a random batch, examples/sec.

--model lenet (default): d2l's LeNet-5 (sigmoid, avg-pool), SGD lr 0.9.
--model lenet-modern: the twin of typegrad's lenet-modern (examples/models.ts), d2l's BN-LeNet (ch. 8.5)
with ReLU and max-pool: conv/linear without bias before each BatchNorm, Kaiming-uniform weights, Adam lr 0.003
(the recipe's per-epoch decay does not act within the timed steps).

Usage: /usr/bin/python3 bench/pytorch_lenet.py [--model lenet] [--threads 2] [--steps 30] [--batch 256]
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


def lenet_modern() -> nn.Module:
    net = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2, bias=False), nn.BatchNorm2d(6), nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120, bias=False), nn.BatchNorm1d(120), nn.ReLU(),
        nn.Linear(120, 84, bias=False), nn.BatchNorm1d(84), nn.ReLU(),
        nn.Linear(84, 10))
    for m in net:
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            if m.bias is None:
                nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")  # U(-sqrt(6/fan_in), sqrt(6/fan_in))
            else:
                nn.init.xavier_uniform_(m.weight)  # the last layer keeps linear()'s default, as in typegrad
    return net


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--model", choices=["lenet", "lenet-modern"], default="lenet")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.model == "lenet":
        net = lenet()
        opt = torch.optim.SGD(net.parameters(), lr=0.9)
    else:
        net = lenet_modern()
        opt = torch.optim.Adam(net.parameters(), lr=0.003)
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
