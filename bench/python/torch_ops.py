"""Python PyTorch reference for `go run ./bench torch`.

Times the same work as bench/torch.go with Debian's python3-torch (the same
libtorch 1.13.1 the Go binding links), and prints one JSON object of seconds.
Run with /usr/bin/python3 (the interpreter that has Debian's torch).
"""
import json
import sys
import time

import torch


def op_overhead(n):
    """n iterations of one add of two 4-element tensors."""
    a = torch.ones(4)
    b = torch.ones(4)
    with torch.no_grad():
        for _ in range(1000):
            a + b
        t0 = time.perf_counter()
        for _ in range(n):
            a + b
        return time.perf_counter() - t0


class SmallCNN(torch.nn.Module):
    """3x32x32 -> conv16 -> conv32 -> fc256 -> 15, as in bench/torch.go."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(16, 32, 3, padding=1)
        self.fc = torch.nn.Linear(32 * 8 * 8, 256)
        self.out = torch.nn.Linear(256, 15)

    def forward(self, x):
        x = torch.nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.relu(self.fc(x.flatten(1)))
        return self.out(x)


def cnn_train(steps, batch):
    torch.manual_seed(0)
    net = SmallCNN()
    opt = torch.optim.Adam(net.parameters(), lr=5e-4, eps=1e-5)
    x = torch.randn(batch, 3, 32, 32)
    y = torch.randint(0, 15, (batch,))

    def step():
        logits = net(x)
        loss = -torch.log_softmax(logits, 1).gather(1, y[:, None]).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return time.perf_counter() - t0


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    torch.set_num_threads(threads)
    ops = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    # The minimum over repeats is the figure least disturbed by other load.
    print(json.dumps({
        "op_overhead_s": min(op_overhead(ops) for _ in range(repeats)),
        "cnn_train_s": min(cnn_train(steps, 256) for _ in range(repeats)),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
