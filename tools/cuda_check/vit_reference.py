#!/usr/bin/env python3
"""The Python side of `cuda_check --vit`: the same training step in PyTorch
(the same TorchScript image encoder file, the gene MLP of core/engine/
Encoders.cpp, linear heads, CLIP loss with a learnable temperature, AdamW),
fed the same way (uint8 patches in host memory -> GPU -> /255), in float32
and bf16 autocast, frozen backbone and fine-tuned. Prints a Markdown table.
Colour jitter is left out here, so the C++ side does slightly more work.

usage: vit_reference.py VIT.pt [batch] [steps]"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class GeneMlp(nn.Module):
    def __init__(self, genes, hidden=512, dropout=0.1):
        super().__init__()
        layers = [nn.Linear(genes, hidden)]
        for _ in range(3):
            layers += [nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, hidden)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def run(path, bf16, trainable, batch, steps, px=224, genes=256, pool=1024):
    torch.manual_seed(0)
    image = torch.jit.load(path).cuda()
    image.train(trainable)
    for p in image.parameters():
        p.requires_grad_(trainable)
    with torch.no_grad():
        dim = image(torch.rand(2, 3, px, px, device="cuda")).shape[1]
    gene = GeneMlp(genes).cuda()
    heads = nn.ModuleList([nn.Linear(dim, 128), nn.Linear(512, 128)]).cuda()
    log_scale = torch.tensor(float(torch.log(torch.tensor(1 / 0.07))), device="cuda", requires_grad=True)
    params = list(gene.parameters()) + list(heads.parameters()) + [log_scale]
    if trainable:
        params += list(image.parameters())
    opt = torch.optim.AdamW(params, lr=1e-4)
    patches = torch.randint(0, 256, (pool, px, px, 3), dtype=torch.uint8)
    expression = torch.rand(pool, genes)

    def step():
        rows = torch.randint(0, pool, (batch,))
        images = patches.index_select(0, rows).cuda(non_blocking=True).permute(0, 3, 1, 2).float().div_(255)
        expr = expression.index_select(0, rows).cuda(non_blocking=True)
        opt.zero_grad()
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16):
            if trainable:
                feats = image(images)
            else:
                with torch.no_grad():
                    feats = image(images)
            img = heads[0](feats)
            gen = heads[1](gene(expr))
        img = F.normalize(img.float(), dim=1)
        gen = F.normalize(gen.float(), dim=1)
        z = log_scale.exp().clamp(max=100) * img @ gen.t()
        target = torch.arange(batch, device="cuda")
        loss = (F.cross_entropy(z, target) + F.cross_entropy(z.t(), target)) / 2
        loss.backward()
        opt.step()
        return loss

    for _ in range(3):
        step()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = step()
    last = loss.item()
    torch.cuda.synchronize()
    return steps * batch / (time.perf_counter() - t0), last


def main():
    path = sys.argv[1]
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 128
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    print(f"PyTorch {torch.__version__}, {torch.cuda.get_device_name()}; {path}, batch {batch}, {steps} steps per mode")
    print("\n| precision | backbone | pairs/s (Python) | loss |\n|--|--|--:|--:|")
    for trainable in (False, True):
        for bf16 in (False, True):
            pps, loss = run(path, bf16, trainable, batch, steps)
            print(f"| {'bf16 autocast' if bf16 else 'fp32'} | {'fine-tuned' if trainable else 'frozen'} | {pps:.0f} | {loss:.3f} |",
                  flush=True)


if __name__ == "__main__":
    main()
