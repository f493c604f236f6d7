#!/usr/bin/env python3
"""Exports an image backbone to TorchScript for HEScape Studio's engine
("image_encoder" in a training configuration). The exported module takes
[B, 3, H, W] RGB in [0, 1], applies the ImageNet normalisation the backbone
expects, and returns [B, D] pooled features. The engine uses it frozen and
trains a projection head on top.

usage: export_torchscript.py OUT.pt [--arch resnet18] [--weights FILE.pth] [--size 224]

--arch is any torchvision classification model (resnet18, resnet50,
convnext_tiny, ...) or, with timm installed, "timm:NAME". --weights loads a
local state dict (pathology foundation models such as UNI or CONCH ship one);
without it the backbone has random weights, which is only useful for testing.
Nothing is downloaded."""
import argparse

import torch
import torch.nn as nn


class Wrapped(nn.Module):
    def __init__(self, backbone: nn.Module):
        super().__init__()
        self.backbone = backbone
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.backbone((x - self.mean) / self.std)
        return y.flatten(1)


def build(arch: str) -> nn.Module:
    if arch.startswith("timm:"):
        import timm  # noqa: only when asked for
        return timm.create_model(arch[5:], pretrained=False, num_classes=0)
    import torchvision.models as models
    net = getattr(models, arch)(weights=None)
    # Drop the classifier: keep pooled features.
    for attr in ("fc", "classifier", "head"):
        if hasattr(net, attr):
            setattr(net, attr, nn.Identity())
            break
    return net


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--arch", default="resnet18")
    ap.add_argument("--weights")
    ap.add_argument("--size", type=int, default=224)
    args = ap.parse_args()
    backbone = build(args.arch)
    if args.weights:
        state = torch.load(args.weights, map_location="cpu")
        missing, unexpected = backbone.load_state_dict(state, strict=False)
        print(f"loaded {args.weights}: {len(missing)} missing, {len(unexpected)} unexpected keys")
    model = Wrapped(backbone).eval()
    with torch.no_grad():
        example = torch.rand(2, 3, args.size, args.size)
        scripted = torch.jit.trace(model, example)
        print(f"{args.out}: features {tuple(scripted(example).shape)}")
    scripted.save(args.out)


if __name__ == "__main__":
    main()
