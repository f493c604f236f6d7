#!/usr/bin/python3
"""Writes tiny TorchScript encoders with Debian's python3-torch for the
engine's tests: an image encoder ([B, 3, H, W] -> [B, 24]), a gene encoder
([B, G] -> [B, 12]) and a module with the wrong output shape.
usage: make_scripted_encoders.py OUTDIR GENES"""
import sys

import torch
import torch.nn as nn

out, genes = sys.argv[1], int(sys.argv[2])
torch.manual_seed(0)


class Image(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 24, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.conv(x)).mean(dim=(2, 3))


class Gene(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(genes, 12)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.lin(x))


class Wrong(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2  # 4-D out: not an encoder


torch.jit.script(Image()).save(f"{out}/image.pt")
torch.jit.script(Gene()).save(f"{out}/gene.pt")
torch.jit.script(Wrong()).save(f"{out}/wrong.pt")
print("ok")
