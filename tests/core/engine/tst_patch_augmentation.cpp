// Training-patch augmentations: the same seed gives the same batch; flips and
// rotations only rearrange pixels (each output is one of the eight symmetries
// of its input); colour jitter and crops stay in [0, 1] and change patches
// independently; a blur lowers high-frequency energy; all off is the identity.
#include "core/engine/PatchAugmentation.h"

#include <torch/torch.h>

#include <QtTest/QtTest>

using namespace hescape;

namespace {

torch::Tensor batch() {
    torch::manual_seed(3);
    return torch::rand({8, 3, 16, 16});
}

AugmentOptions none() {
    AugmentOptions o;
    o.flips = false;
    o.rotations = false;
    return o;
}

bool isSymmetryOf(const torch::Tensor& out, const torch::Tensor& in) {
    for (int k = 0; k < 4; ++k) {
        const auto r = torch::rot90(in, k, {1, 2});
        if (torch::equal(out, r) || torch::equal(out, r.flip({2}))) return true;
    }
    return false;
}

// Mean squared difference between horizontal neighbours.
double roughness(const torch::Tensor& x) {
    return (x.narrow(3, 1, x.size(3) - 1) - x.narrow(3, 0, x.size(3) - 1)).pow(2).mean().item<double>();
}

}  // namespace

class TestPatchAugmentation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sameSeedSameBatch() {
        AugmentOptions o;
        o.cropScale = 0.7;
        o.colorJitter = 0.3;
        o.blurProbability = 0.5;
        std::mt19937_64 a(42), b(42), c(43);
        const auto x = batch();
        const auto ya = augmentPatches(x, o, a), yb = augmentPatches(x, o, b), yc = augmentPatches(x, o, c);
        QVERIFY(torch::equal(ya, yb));
        QVERIFY(!torch::equal(ya, yc));
        QCOMPARE(ya.sizes().vec(), x.sizes().vec());
        QVERIFY(ya.min().item<float>() >= 0.f && ya.max().item<float>() <= 1.f + 1e-6f);
    }

    void flipsAndRotationsOnlyRearrange() {
        AugmentOptions o;  // flips and rotations
        std::mt19937_64 rng(1);
        const auto x = batch();
        const auto y = augmentPatches(x, o, rng);
        int changed = 0;
        for (int i = 0; i < 8; ++i) {
            QVERIFY(isSymmetryOf(y[i], x[i]));
            changed += torch::equal(y[i], x[i]) ? 0 : 1;
        }
        QVERIFY(changed >= 4);  // per patch, not one transform for the batch (7/8 chance each)
    }

    void allOffIsIdentity() {
        std::mt19937_64 rng(1);
        const auto x = batch();
        QVERIFY(torch::equal(augmentPatches(x, none(), rng), x));
        QVERIFY(!none().any());
    }

    void colourJitterChangesEachPatch() {
        AugmentOptions o = none();
        o.colorJitter = 0.4;
        std::mt19937_64 rng(5);
        const auto x = batch() * 0.5 + 0.25;
        const auto y = augmentPatches(x, o, rng);
        // Brightness moves each patch's mean by its own factor.
        const auto ratio = y.mean({1, 2, 3}) / x.mean({1, 2, 3});
        QVERIFY(ratio.max().item<double>() - ratio.min().item<double>() > 0.05);
        QVERIFY(y.min().item<float>() >= 0.f && y.max().item<float>() <= 1.f);
    }

    void cropZoomsIn() {
        // Left half black, right half white: a crop zooms in, so the share of
        // white changes from one half for some patches.
        auto x = torch::zeros({8, 3, 16, 16});
        x.narrow(3, 8, 8).fill_(1.0);
        AugmentOptions o = none();
        o.cropScale = 0.3;
        std::mt19937_64 rng(9);
        const auto y = augmentPatches(x, o, rng);
        const auto white = y.mean({1, 2, 3});
        QVERIFY((white - 0.5).abs().max().item<double>() > 0.1);
        QVERIFY(y.min().item<float>() >= 0.f && y.max().item<float>() <= 1.f + 1e-6f);
    }

    void blurSmooths() {
        AugmentOptions o = none();
        o.blurProbability = 1.0;
        std::mt19937_64 rng(2);
        const auto x = batch();
        const auto y = augmentPatches(x, o, rng);
        QVERIFY(roughness(y) < roughness(x) * 0.9);
        // A blur keeps the mean (the kernel sums to one; reflection at the border).
        QVERIFY(std::abs(y.mean().item<double>() - x.mean().item<double>()) < 0.01);
    }
};

QTEST_GUILESS_MAIN(TestPatchAugmentation)
#include "tst_patch_augmentation.moc"
