"""PyTorch peer of bench/lmc.mjs: the same LMC curve (λ grid, lerp of every tensor, eval-mode
cross-entropy and accuracy on the same samples) for two 784-512-512-512-10 LayerNorm+GELU MLPs.
Usage: python3 lmc_torch.py <dir written by lmc.mjs> [threads]. Prints one JSON line."""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def load(d):
    with open(os.path.join(d, "manifest.json")) as f:
        man = json.load(f)
    models = []
    for name in ("a", "b"):
        flat = np.fromfile(os.path.join(d, f"{name}.bin"), dtype=np.float32)
        sd, o = {}, 0
        for t in man["tensors"]:
            n = int(np.prod(t["shape"]))
            sd[t["name"]] = torch.from_numpy(flat[o : o + n].reshape(t["shape"]).copy())
            o += n
        models.append(sd)
    x = torch.from_numpy(np.fromfile(os.path.join(d, "x.bin"), dtype=np.float32).reshape(man["samples"], -1))
    y = torch.from_numpy(np.fromfile(os.path.join(d, "y.bin"), dtype=np.int32).astype(np.int64))
    return man, models, x, y


def run(sd, x, layers, eps):
    h = x
    for l in range(layers):
        h = F.linear(h, sd[f"lins.{l}.weight"], sd[f"lins.{l}.bias"])
        if l < layers - 1:
            h = F.layer_norm(h, (h.shape[1],), sd[f"norms.{l}.weight"], sd[f"norms.{l}.bias"], eps)
            h = F.gelu(h)
    return h


def main():
    man, (a, b), x, y = load(sys.argv[1])
    lambdas = man["lambdas"]
    layers = man["layers"]
    batch = man["batchSize"]
    if len(sys.argv) > 2:
        torch.set_num_threads(int(sys.argv[2]))
    torch.set_grad_enabled(False)
    t0 = time.perf_counter()
    losses, accs = [], []
    for lam in lambdas:
        sd = {k: (1 - lam) * a[k] + lam * b[k] for k in a}
        loss_sum, correct = 0.0, 0
        for s in range(0, x.shape[0], batch):
            logits = run(sd, x[s : s + batch], layers, 1e-5)
            loss_sum += F.cross_entropy(logits.double(), y[s : s + batch], reduction="sum").item()
            correct += (logits.argmax(1) == y[s : s + batch]).sum().item()
        losses.append(loss_sum / x.shape[0])
        accs.append(100.0 * correct / x.shape[0])
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "loss": losses, "accuracy": accs, "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
