// Training-patch augmentations: the same seed gives the same batch; flips and
// rotations only rearrange pixels (each output is one of the eight symmetries
// of its input); colour jitter and crops stay in [0, 1] and change patches
// independently; a blur lowers high-frequency energy; all off is the identity;
// HED jitter maps each patch's stain concentrations (Ruifrok & Johnston's
// matrix, as skimage.color.rgb2hed, in optical density) by a per-stain affine
// map in its range.
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

    void hedJitterIsAffineInStainSpace() {
        AugmentOptions o = none();
        o.hedJitter = 0.05;
        std::mt19937_64 rng(9);
        // H&E-like patches: positive stain amounts through the stain matrix, so nothing is clamped.
        const auto rgbFromHed = torch::tensor({0.65, 0.70, 0.29, 0.07, 0.99, 0.11, 0.27, 0.57, 0.78}, torch::kDouble).view({3, 3});
        torch::manual_seed(4);
        const auto amounts = torch::rand({8, 16, 16, 3}, torch::kDouble) * 0.5 + 0.1;
        const auto x = torch::exp(-torch::matmul(amounts, rgbFromHed)).permute({0, 3, 1, 2}).to(torch::kFloat).contiguous();
        const auto y = augmentPatches(x, o, rng);
        QVERIFY(!torch::allclose(x, y));
        QVERIFY(y.max().item<float>() < 1.f);  // no pixel clamped
        // Stains as optical density times hed_from_rgb.
        const auto hedFromRgb = torch::linalg::inv(rgbFromHed);
        const auto stains = [&](const torch::Tensor& t) {
            return torch::matmul(-torch::log(t.to(torch::kDouble)).permute({0, 2, 3, 1}).reshape({t.size(0), -1, 3}), hedFromRgb);
        };
        const auto a = stains(x), b = stains(y);
        for (int p = 0; p < 8; ++p)
            for (int c = 0; c < 3; ++c) {
                // Least squares b = alpha * a + beta over the patch's pixels.
                const auto u = a[p].select(1, c), v = b[p].select(1, c);
                const double mu = u.mean().item<double>(), mv = v.mean().item<double>();
                const double alpha = ((u - mu) * (v - mv)).sum().item<double>() / (u - mu).pow(2).sum().item<double>();
                const double beta = mv - alpha * mu;
                const double residual = (v - (alpha * u + beta)).abs().max().item<double>();
                QVERIFY2(alpha >= 0.95 - 1e-4 && alpha <= 1.05 + 1e-4 && std::abs(beta) <= 0.05 + 1e-4 && residual < 1e-4,
                         qPrintable(QStringLiteral("patch %1 stain %2: alpha %3 beta %4 residual %5").arg(p).arg(c).arg(alpha).arg(beta).arg(residual)));
            }
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
