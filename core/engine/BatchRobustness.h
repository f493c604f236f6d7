// The batch-robust training options beyond the gene side's normalisation
// (ExpressionOptions): how training batches are drawn, stain normalisation
// and HED stain augmentation of the image side, and an adversarial batch
// classifier on both embeddings. Each is a configuration key and a Training
// dock control; docs/training.md says what each does and docs/evaluation.md
// what each did on the demo's held-out donor. No torch, so Qt code can include it.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace hescape {

enum class BatchSampling {
    Random,         // one shuffle of all training pairs (HESCAPE's)
    Balanced,       // every batch holds the training sections in equal shares (round robin over shuffled sections)
    WithinSection,  // every full batch comes from one section: its negatives share the section's batch effect
};

enum class StainNormalisation {
    None,
    Reinhard,  // each section's patches moved to the training sections' mean and sd per CIE L*a*b* channel
};

enum class AdversaryTarget { Section, Donor };

struct BatchRobustOptions {
    BatchSampling sampling = BatchSampling::Random;
    StainNormalisation stain = StainNormalisation::None;
    double hedJitter = 0;           // > 0: per-patch HED stain augmentation of this strength (Tellez et al. 2018)
    double adversarialWeight = 0;   // > 0: a batch classifier on both embeddings through gradient reversal, this weight
    AdversaryTarget adversaryTarget = AdversaryTarget::Section;
    // AdaBN (Li et al. 2016): batch norms see one section at a time, in
    // training (within-section batches) and when embedding (each section's
    // statistics from its own pairs), so a section's offset never reaches
    // the embedding. Implies WithinSection sampling.
    bool sectionBatchNorm = false;
    // Depth augmentation: for each divisor d, every training section is also
    // trained on as a copy with each spot's counts binomially thinned to 1/d
    // (CountThinning.h), sharing the spot's patch; each copy is a batch of
    // its own for z-scoring, sampling and the adversary. Empty: off.
    std::vector<int> thinnedCopies;
    BatchSampling effectiveSampling() const { return sectionBatchNorm ? BatchSampling::WithinSection : sampling; }
};

// The order of one epoch's training pairs (a permutation of 0..n-1) for the
// sampling mode; `sections` labels each pair; `batch` is the global batch.
// Random is exactly std::shuffle of `order` (runs made before these modes repeat).
void shuffleEpoch(std::vector<std::int64_t>& order, const std::vector<std::string>& sections, std::int64_t batch,
                  BatchSampling sampling, std::mt19937_64& rng);

}  // namespace hescape
