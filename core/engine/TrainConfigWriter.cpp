// trainConfigJson: TrainConfig -> the JSON readTrainConfig reads, key for key.
#include "core/engine/TrainConfigFile.h"
#include "core/io/JsonWriter.h"

#include <sstream>

namespace hescape {

namespace {

std::string names(const std::vector<std::string>& list) {
    std::string out = "[";
    for (std::size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + jsonString(list[i]);
    return out + "]";
}

std::string encoder(const std::string& script, bool trainable, const char* builtin) {
    if (script.empty()) return jsonString(builtin);
    return "{\"torchscript\": " + jsonString(script) + ", \"trainable\": " + (trainable ? "true" : "false") + "}";
}

std::string augmentation(const TrainConfig& c) {
    if (!c.augment) return "false";
    const AugmentOptions& a = c.augmentation;
    return std::string("{\"flips\": ") + (a.flips ? "true" : "false") + ", \"rotations\": " + (a.rotations ? "true" : "false") +
           ", \"crop_scale\": " + jsonNumber(a.cropScale) + ", \"color_jitter\": " + jsonNumber(a.colorJitter) +
           ", \"blur_probability\": " + jsonNumber(a.blurProbability) + ", \"hed_jitter\": " + jsonNumber(a.hedJitter) + "}";
}

void writeData(std::ostringstream& o, const TrainConfig& c) {
    o << "  \"sections\": [";
    for (std::size_t i = 0; i < c.sections.size(); ++i)
        o << (i ? ",\n    " : "\n    ") << "{\"name\": " << jsonString(c.sections[i].name) << ", \"slide\": " << jsonString(c.sections[i].slide)
          << ", \"dataset\": " << jsonString(c.sections[i].dataset)
          << (c.sections[i].donor.empty() ? std::string() : ", \"donor\": " + jsonString(c.sections[i].donor)) << "}";
    o << "\n  ]";
    if (c.testDonors.empty())
        o << ",\n  \"train\": " << names(c.train) << ",\n  \"validation\": " << names(c.validation) << ",\n  \"test\": " << names(c.test);
    else
        o << ",\n  \"test_donors\": " << names(c.testDonors) << ",\n  \"validation_donors\": " << names(c.validationDonors)
          << ",\n  \"validation\": " << names(c.validation);
    o << ",\n  \"allow_shared_donors\": " << (c.allowSharedDonors ? "true" : "false") << ",\n  \"patch_size_um\": " << jsonNumber(c.patches.sizeMicrons) << ",\n  \"patch_pixels\": " << c.patches.outputPixels
      << ",\n  \"highly_variable_genes\": " << c.expression.highlyVariable;
    if (!c.expression.genes.empty()) o << ",\n  \"genes\": " << names(c.expression.genes);
    const auto target = c.expression.target;
    o << ",\n  \"normalise_to\": "
      << (target == ExpressionOptions::Target::TenThousand ? "10000"
          : target == ExpressionOptions::Target::SectionMedian ? "\"section_median\"" : "\"training_median\"")
      << ",\n  \"min_counts\": " << jsonNumber(c.expression.minCounts)
      << ",\n  \"gene_scaling\": " << (c.expression.standardisePerSection ? "\"section\"" : "\"none\"");
}

void writeModel(std::ostringstream& o, const TrainConfig& c) {
    o << ",\n  \"objective\": " << (c.objective == ContrastiveObjective::Siglip ? "\"siglip\"" : "\"clip\"")
      << ",\n  \"image_encoder\": " << encoder(c.imageScript, c.imageScriptTrainable, "small_cnn")
      << ",\n  \"gene_encoder\": " << encoder(c.geneScript, c.geneScriptTrainable, "mlp") << ",\n  \"embed_dim\": " << c.embedDim
      << ",\n  \"image_width\": " << c.imageWidth << ",\n  \"gene_hidden\": " << c.geneHidden << ",\n  \"batch_size\": " << c.batchSize
      << ",\n  \"epochs\": " << c.epochs << ",\n  \"learning_rate\": " << jsonNumber(c.learningRate)
      << ",\n  \"weight_decay\": " << jsonNumber(c.weightDecay) << ",\n  \"warmup_steps\": " << c.warmupSteps
      << ",\n  \"gradient_clip\": " << jsonNumber(c.gradientClip) << ",\n  \"augment\": " << augmentation(c)
      << ",\n  \"early_stopping_patience\": " << c.earlyStoppingPatience;
    if (c.seeds.empty()) {
        o << ",\n  \"seed\": " << c.seed;
    } else {
        o << ",\n  \"seeds\": [";
        for (std::size_t i = 0; i < c.seeds.size(); ++i) o << (i ? ", " : "") << c.seeds[i];
        o << "]";
    }
    if (!c.method.empty()) o << ",\n  \"method\": " << jsonString(c.method);
    const auto& r = c.robust;
    o << ",\n  \"section_batch_norm\": " << (r.sectionBatchNorm ? "true" : "false");
    o << ",\n  \"sampling\": "
      << (r.effectiveSampling() == BatchSampling::Balanced       ? "\"balanced\""
          : r.effectiveSampling() == BatchSampling::WithinSection ? "\"within_section\""
                                                                  : "\"random\"")
      << ",\n  \"stain_normalisation\": " << (r.stain == StainNormalisation::Reinhard ? "\"reinhard\"" : "\"none\"")
      << ",\n  \"adversarial_weight\": " << jsonNumber(r.adversarialWeight)
      << ",\n  \"adversary_batches\": " << (r.adversaryTarget == AdversaryTarget::Section ? "\"section\"" : "\"donor\"");
    o << ",\n  \"thinned_copies\": [";
    for (std::size_t i = 0; i < r.thinnedCopies.size(); ++i) o << (i ? ", " : "") << r.thinnedCopies[i];
    o << "]";
}

void writeRun(std::ostringstream& o, const TrainConfig& c) {
    o << ",\n  \"device\": " << (c.useCuda ? "\"cuda\"" : "\"cpu\"") << ",\n  \"precision\": " << (c.bf16 ? "\"bf16\"" : "\"fp32\"")
      << ",\n  \"patch_store\": " << (c.patchStore.empty() ? std::string("false") : jsonString(c.patchStore))
      << ",\n  \"patch_source\": " << (c.hestPatches ? "\"hest\"" : "\"slide\"");
    if (!c.checkpoint.empty()) o << ",\n  \"checkpoint\": " << jsonString(c.checkpoint);
    o << ",\n  \"checkpoint_every\": " << c.checkpointEvery;
    if (!c.resultsFile.empty()) o << ",\n  \"results\": " << jsonString(c.resultsFile);
    o << ",\n  \"distributed_timeout_s\": " << c.distributedTimeoutSeconds << ",\n  \"sync_batch_norm\": " << (c.syncBatchNorm ? "true" : "false");
}

}  // namespace

std::string trainConfigJson(const TrainConfig& c) {
    std::ostringstream o;
    o << "{\n";
    writeData(o, c);
    writeModel(o, c);
    writeRun(o, c);
    o << "\n}\n";
    return o.str();
}

}  // namespace hescape
