"""PyTorch CPU side of the end-to-end benchmark: d2l's train_ch6 loop for LeNet-5 on the Fashion-MNIST
examples typegrad trains on (exported by bench/e2e/typegrad-e2e.ts --export <dir> as .npy files).

No DataLoader: the uint8 images are scaled to float32 in [0, 1] once (untimed, as typegrad's data loading
is untimed), each epoch draws torch.randperm and slices batches of 256 (the last one smaller, as d2l keeps
it). Xavier-uniform weights (d2l's init_cnn), SGD lr 0.9, sigmoid/avg-pool LeNet, cross-entropy; per step
d2l's metric accumulation (summed loss, correct count). Timed: the training loop of each epoch; not timed:
loading, test evaluation after each epoch. Prints one JSON line.

Usage: /usr/bin/python3 bench/pytorch_lenet_e2e.py --data <dir> [--epochs 1] [--threads 2] [--batch 256]
"""
import argparse
import json
import resource
import time

import numpy as np
import torch
from torch import nn

from pytorch_lenet import lenet


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--lr", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    t_load = time.perf_counter()
    load = lambda name: torch.from_numpy(np.load(f"{args.data}/{name}.npy"))
    x_train = load("train-x").float().div_(255)
    y_train = load("train-y").long()
    x_test = load("test-x").float().div_(255)
    y_test = load("test-y").long()
    load_seconds = time.perf_counter() - t_load

    net = lenet()
    for m in net:
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
    opt = torch.optim.SGD(net.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    n = x_train.shape[0]
    train_seconds = 0.0
    loss_sum = correct = 0.0
    test_acc = float("nan")
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        net.train()
        loss_sum = correct = 0.0
        order = torch.randperm(n)
        for start in range(0, n, args.batch):
            idx = order[start:start + args.batch]
            x, y = x_train[idx], y_train[idx]
            opt.zero_grad()
            y_hat = net(x)
            loss = loss_fn(y_hat, y)
            loss.backward()
            opt.step()
            with torch.no_grad():
                loss_sum += float(loss) * x.shape[0]
                correct += float((y_hat.argmax(dim=1) == y).sum())
        train_seconds += time.perf_counter() - t0
        net.eval()
        with torch.no_grad():
            hits = sum(float((net(x_test[s:s + args.batch]).argmax(dim=1) == y_test[s:s + args.batch]).sum())
                       for s in range(0, x_test.shape[0], args.batch))
        test_acc = hits / x_test.shape[0]

    print(json.dumps({
        "epochs": args.epochs,
        "train_examples": n,
        "train_seconds": round(train_seconds, 3),
        "examples_per_sec": round(n * args.epochs / train_seconds),
        "load_seconds": round(load_seconds, 3),
        "loss": round(loss_sum / n, 4),
        "train_acc": round(correct / n, 4),
        "test_acc": round(test_acc, 4),
        "device": f"cpu ({torch.get_num_threads()} threads, torch {torch.__version__})",
        # Linux reports kilobytes
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    main()
