// ClipTrainer: data preparation (readers, patch extraction, expression
// features) and the training loop (AdamW, warm-up + cosine schedule, gradient
// clipping, augmentation, early stopping, bf16 autocast on CUDA, in-batch
// evaluation, embeddings), in one process or as one rank of a data-parallel
// run (DistributedContext: sharded global batches, the loss over the global
// batch, gradients summed in buckets, rank 0 alone checkpoints).
#include "core/engine/ClipTrainer.h"
#include "core/engine/CountThinning.h"

#include "core/io/ZipIntegrity.h"

#include "core/engine/CudaAutocast.h"
#include "core/engine/DistributedContext.h"
#include "core/engine/DistributedOps.h"
#include "core/engine/HestPatches.h"
#include "core/engine/PatchStore.h"
#include "core/engine/StainNormalisation.h"
#include "core/eval/BatchMetrics.h"
#include "core/spatial/HestSample.h"
#include "core/spatial/DatasetOpener.h"

#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cctype>
#include <numeric>
#include <random>
#include <set>
#include <limits>
#include <stdexcept>
#include <thread>
#include <functional>
#include <optional>

namespace hescape {

namespace {

constexpr int kEvalBatch = 64;  // HESCAPE's in-batch protocol

torch::Tensor imagesToTensor(const PreparedSplit& s, const std::vector<std::int64_t>& rows, int size, torch::Device device) {
    const auto bytes = static_cast<std::int64_t>(size) * size * 3;
    auto t = torch::empty({static_cast<std::int64_t>(rows.size()), size, size, 3}, torch::kUInt8);
    auto* dst = t.data_ptr<std::uint8_t>();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        std::copy_n(s.patches.data() + rows[i] * bytes, bytes, dst + static_cast<std::int64_t>(i) * bytes);
    }
    return t.to(device).permute({0, 3, 1, 2}).to(torch::kFloat).div_(255.0);
}

torch::Tensor genesToTensor(const PreparedSplit& s, const std::vector<std::int64_t>& rows, std::size_t genes, torch::Device device) {
    auto t = torch::empty({static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(genes)}, torch::kFloat);
    auto* dst = t.data_ptr<float>();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        std::copy_n(s.expression.data() + static_cast<std::size_t>(rows[i]) * genes, genes, dst + i * genes);
    }
    return t.to(device);
}

// Everything a run needs to continue exactly: weights, optimizer moments, the
// step, the epoch's shuffled order, and both random generators.
struct RunState {
    int step = 0;
    std::vector<std::int64_t> order;
    std::string shuffleRng;  // std::mt19937_64 streamed as text
    double bestValidation = std::numeric_limits<double>::infinity();  // early stopping
    int epochsWithoutImprovement = 0;
    // Pairs per step (world size x batch size) when the checkpoint was made,
    // so that a run resumed with another world size finds its place in the
    // epoch; 0 in checkpoints from before multi-process training.
    std::int64_t globalBatch = 0;
    int worldSize = 1;
};

void writeScriptState(torch::serialize::OutputArchive& archive, ClipModel& model) {
    torch::serialize::OutputArchive scripts;
    for (const auto& [name, t] : model->scriptState()) scripts.write(name, t);
    archive.write("scripts", scripts);
}

void readScriptState(torch::serialize::InputArchive& archive, ClipModel& model) {
    const auto state = model->scriptState();
    if (state.empty()) return;
    torch::serialize::InputArchive scripts;
    archive.read("scripts", scripts);
    torch::NoGradGuard guard;
    for (const auto& [name, t] : state) {
        torch::Tensor saved;
        scripts.read(name, saved);
        auto target = t;
        target.copy_(saved);
    }
}

// Loads the model's and the loss's weights from a checkpoint, refusing one
// made for another model: Module::load adopts the saved tensors whatever
// their shape, so a checkpoint of, say, another embedding width would load
// "fine" and give wrong-sized embeddings.
void loadModelState(const std::string& path, torch::serialize::InputArchive& archive, ClipModel& model, ContrastiveLoss& loss) {
    std::vector<std::pair<std::string, std::vector<std::int64_t>>> expected;
    for (const auto& p : model->named_parameters()) expected.emplace_back(p.key(), p.value().sizes().vec());
    for (const auto& b : model->named_buffers()) expected.emplace_back(b.key(), b.value().sizes().vec());
    torch::serialize::InputArchive modelArchive, lossArchive;
    archive.read("model", modelArchive);
    archive.read("loss", lossArchive);
    model->load(modelArchive);
    loss->load(lossArchive);
    const auto shape = [](const std::vector<std::int64_t>& v) {
        std::string out = "[";
        for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
        return out + "]";
    };
    const auto params = model->named_parameters();
    const auto buffers = model->named_buffers();
    for (const auto& [name, sizes] : expected) {
        const torch::Tensor* t = params.find(name);
        if (!t) t = buffers.find(name);
        if (t && t->sizes().vec() != sizes) {
            throw std::runtime_error(path + ": made for another model: " + name + " is " + shape(t->sizes().vec()) +
                                     ", this configuration needs " + shape(sizes));
        }
    }
}

void saveCheckpoint(const std::string& path, ClipModel& model, ContrastiveLoss& loss, torch::optim::Optimizer& optimizer,
                    const RunState& state, BatchAdversary& adversary) {
    torch::serialize::OutputArchive archive, modelArchive, lossArchive, optimizerArchive;
    model->save(modelArchive);
    loss->save(lossArchive);
    optimizer.save(optimizerArchive);
    archive.write("model", modelArchive);
    archive.write("loss", lossArchive);
    archive.write("optimizer", optimizerArchive);
    archive.write("step", torch::tensor(static_cast<std::int64_t>(state.step)));
    archive.write("order", torch::tensor(state.order, torch::kLong));
    archive.write("shuffle_rng", torch::tensor(std::vector<std::int64_t>(state.shuffleRng.begin(), state.shuffleRng.end()), torch::kLong));
    archive.write("torch_rng", at::detail::getDefaultCPUGenerator().get_state());
    archive.write("best_validation", torch::tensor(state.bestValidation, torch::kDouble));
    archive.write("epochs_without_improvement", torch::tensor(static_cast<std::int64_t>(state.epochsWithoutImprovement)));
    archive.write("global_batch", torch::tensor(state.globalBatch));
    archive.write("world_size", torch::tensor(static_cast<std::int64_t>(state.worldSize)));
    writeScriptState(archive, model);
    if (adversary) {
        torch::serialize::OutputArchive adversaryArchive;
        adversary->save(adversaryArchive);
        archive.write("adversary", adversaryArchive);
    }
    const std::string temp = path + ".partial-" + std::to_string(::getpid());
    archive.save_to(temp);
    std::filesystem::rename(temp, path);  // a crash leaves the previous checkpoint whole
}

RunState loadCheckpoint(const std::string& path, ClipModel& model, ContrastiveLoss& loss, torch::optim::Optimizer& optimizer,
                        BatchAdversary& adversary) {
    if (!std::filesystem::exists(path)) throw std::runtime_error(path + ": no such checkpoint");
    verifyZipCrcs(path);  // LibTorch would load a damaged entry without a word
    torch::serialize::InputArchive archive, optimizerArchive;
    try {
        archive.load_from(path);
        loadModelState(path, archive, model, loss);
        archive.read("optimizer", optimizerArchive);
        optimizer.load(optimizerArchive);
        readScriptState(archive, model);
        if (adversary) {
            torch::serialize::InputArchive adversaryArchive;
            if (!archive.try_read("adversary", adversaryArchive))
                throw std::runtime_error(path + ": made without the adversarial batch classifier this configuration trains");
            adversary->load(adversaryArchive);
        }
        RunState s;
        // Each read needs a fresh tensor: read() binds it to the archive's storage.
        torch::Tensor step, order, shuffle, rngState;
        archive.read("step", step);
        s.step = static_cast<int>(step.item<std::int64_t>());
        archive.read("order", order);
        order = order.contiguous();
        s.order.assign(order.data_ptr<std::int64_t>(), order.data_ptr<std::int64_t>() + order.numel());
        archive.read("shuffle_rng", shuffle);
        shuffle = shuffle.contiguous();
        for (std::int64_t i = 0; i < shuffle.numel(); ++i) s.shuffleRng.push_back(static_cast<char>(shuffle.data_ptr<std::int64_t>()[i]));
        archive.read("torch_rng", rngState);
        at::Generator generator = at::detail::getDefaultCPUGenerator();
        generator.set_state(rngState);
        torch::Tensor best, without;
        archive.read("best_validation", best);
        s.bestValidation = best.item<double>();
        archive.read("epochs_without_improvement", without);
        s.epochsWithoutImprovement = static_cast<int>(without.item<std::int64_t>());
        torch::Tensor globalBatch, worldSize;
        if (archive.try_read("global_batch", globalBatch)) s.globalBatch = globalBatch.item<std::int64_t>();
        if (archive.try_read("world_size", worldSize)) s.worldSize = static_cast<int>(worldSize.item<std::int64_t>());
        return s;
    } catch (const c10::Error& e) {
        throw std::runtime_error(path + ": not a readable checkpoint of this model (" + std::string(e.what_without_backtrace()) + ")");
    }
}

// The batch norms' running statistics estimated from a pass over some
// patches (the training split's, for the untrained baseline; one section's,
// for per-section batch norm) (a cumulative average), the weights
// untouched. At initialisation the statistics are 0 and 1, which makes an
// untrained network's eval-mode output nearly constant: a straw man, not a
// baseline. Everything is put back on destruction (statistics, momentum, the
// random generator that dropout drew from), so training is unaffected.
class CalibratedNorms {
public:
    CalibratedNorms(ClipModel& model, const std::function<void()>& pass)
        : model_(model), rng_(at::detail::getDefaultCPUGenerator().get_state()) {
        for (const auto& b : model_->buffers()) saved_.push_back(b.clone());
        for (const auto& m : model_->modules(false)) {
            if (auto n = std::dynamic_pointer_cast<torch::nn::BatchNorm1dImpl>(m)) calibrate(*n);
            if (auto n = std::dynamic_pointer_cast<torch::nn::BatchNorm2dImpl>(m)) calibrate(*n);
        }
        torch::NoGradGuard guard;
        model_->train();
        pass();
    }
    ~CalibratedNorms() {
        torch::NoGradGuard guard;
        auto buffers = model_->buffers();
        for (std::size_t i = 0; i < buffers.size(); ++i) buffers[i].copy_(saved_[i]);
        for (auto& [options, momentum] : momenta_) options->momentum(momentum);
        at::Generator generator = at::detail::getDefaultCPUGenerator();
        generator.set_state(rng_);
        model_->train();
    }
    CalibratedNorms(const CalibratedNorms&) = delete;
    CalibratedNorms& operator=(const CalibratedNorms&) = delete;

private:
    template <typename Norm>
    void calibrate(Norm& norm) {
        if (!norm.options.track_running_stats()) return;
        momenta_.emplace_back(&norm.options, norm.options.momentum());
        norm.options.momentum(c10::nullopt);
        norm.reset_running_stats();
    }

    ClipModel& model_;
    torch::Tensor rng_;
    std::vector<torch::Tensor> saved_;
    std::vector<std::pair<torch::nn::BatchNormOptions*, c10::optional<double>>> momenta_;
};

}  // namespace

ClipTrainer::ClipTrainer(TrainConfig config) : config_(std::move(config)) {}
ClipTrainer::~ClipTrainer() = default;

const PreparedSplit& ClipTrainer::split(const std::string& which) const {
    if (which == "train") return train_;
    if (which == "validation") return validation_;
    if (which == "test") return test_;
    if (which == "unassigned") return unassigned_;
    throw std::invalid_argument("unknown split '" + which + "'");
}

PatchStoreResult ClipTrainer::sectionPatches(const SectionInput& sec, const SpatialDataset& dataset, const Progress& progress) {
    if (config_.hestPatches) {
        const auto sample = hestSampleOfFile(sec.slide);
        if (!sample || sample->patches.empty())
            throw std::invalid_argument("section " + sec.name + ": patch_source is \"hest\" but " + sec.slide +
                                        " is not the WSI of a HEST-1k sample with patches/<id>.h5");
        PatchStoreResult r;
        r.patches = hestPatches(sample->patches, dataset.obsNames, config_.patches, progress);
        r.note = "patches from " + sample->patches;
        return r;
    }
    const auto slide = openSlide(sec.slide);
    applyCompanionPixelSize(*slide);  // HEST's estimate, Visium's scale factors, experiment.xenium
    return extractPatchesWithStore(*slide, dataset.coordinates, config_.patches, config_.patchStore, progress);
}

namespace {

// Splits are by section; a section may not be in two of them.
void checkSplits(const TrainConfig& config) {
    std::set<std::string> seen, names;
    for (const auto& s : config.sections)
        if (!names.insert(s.name).second) throw std::invalid_argument("two sections are named " + s.name + ": section names must be unique");
    for (const auto* list : {&config.train, &config.validation, &config.test}) {
        for (const auto& name : *list) {
            if (!seen.insert(name).second) throw std::invalid_argument("section " + name + " is in more than one split");
            if (!names.count(name)) throw std::invalid_argument("split names section " + name + ", which is not among the sections");
        }
    }
    if (config.train.empty()) throw std::invalid_argument("the training split is empty");
}

// Partial checkpoints (<checkpoint>.partial-<pid>) whose writer is gone (a
// run killed mid-write) are removed; a live writer's file is left alone.
// Returns what was removed, for the run's notes.
std::vector<std::string> removeStalePartials(const std::string& checkpoint) {
    std::vector<std::string> removed;
    if (checkpoint.empty()) return removed;
    namespace fs = std::filesystem;
    const fs::path target(checkpoint);
    const std::string prefix = target.filename().string() + ".partial-";
    std::error_code ec;
    const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(prefix, 0) != 0) continue;
        const std::string digits = name.substr(prefix.size());
        if (digits.empty() || digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), ::isdigit)) continue;
        const pid_t pid = static_cast<pid_t>(std::stol(digits));
        if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to judge)
        std::error_code removeError;
        if (fs::remove(entry.path(), removeError)) removed.push_back(entry.path().string());
    }
    return removed;
}

// Training normalises X as counts (library size, log1p): scaled or centred
// values (negative somewhere) would train on nonsense without an error.
void refuseNegativeCounts(const SpatialDataset& ds, const std::string& section) {
    const ExpressionMatrix::ValueSummary v = ds.expression.summariseValues();
    if (v.negative == 0) return;
    throw std::invalid_argument(ds.source + " (section " + section + "): X holds " + std::to_string(v.negative) + " negative values (min " +
                                std::to_string(v.min) + ", first at observation '" + ds.obsNames[static_cast<std::size_t>(v.negativeRow)] +
                                "', gene '" + ds.geneNames[static_cast<std::size_t>(v.negativeCol)] +
                                "'); training needs raw counts: write them to X (or export the counts layer)");
}

// Keeps the pairs whose observation passes the count filter; returns how many went.
std::size_t dropLowCountPairs(PatchSet& patches, const SpatialDataset& ds, double minCounts) {
    const auto libs = ds.expression.rowSums();
    const auto bytes = static_cast<std::size_t>(patches.size) * static_cast<std::size_t>(patches.size) * 3;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < patches.observation.size(); ++i) {
        const double lib = libs[static_cast<std::size_t>(patches.observation[i])];
        if (!passesCountFilter(lib, minCounts)) continue;
        if (kept != i) {
            patches.observation[kept] = patches.observation[i];
            std::copy_n(patches.rgb.begin() + static_cast<std::ptrdiff_t>(i * bytes), bytes, patches.rgb.begin() + static_cast<std::ptrdiff_t>(kept * bytes));
        }
        ++kept;
    }
    const std::size_t dropped = patches.observation.size() - kept;
    patches.observation.resize(kept);
    patches.rgb.resize(kept * bytes);
    return dropped;
}

}  // namespace

PreparedSplit* ClipTrainer::splitOf(const std::string& section) {
    if (std::count(config_.train.begin(), config_.train.end(), section)) return &train_;
    if (std::count(config_.validation.begin(), config_.validation.end(), section)) return &validation_;
    if (std::count(config_.test.begin(), config_.test.end(), section)) return &test_;
    return config_.includeUnassigned ? &unassigned_ : nullptr;
}

void ClipTrainer::prepareSection(std::size_t index, const SpatialDataset& ds, PreparedSplit& target, const Progress& progress) {
    const SectionInput& sec = config_.sections[index];
    PatchStoreResult stored = sectionPatches(sec, ds, progress);
    if (stored.reused) ++patchStoreReuses_;
    if (!stored.note.empty()) notes_.push_back(sec.name + ": " + stored.note);
    PatchSet& patches = stored.patches;
    for (const auto& s : patches.skipped)
        skipped_.push_back(sec.name + ": " + ds.obsNames[static_cast<std::size_t>(s.observation)] + ": " + s.reason);
    const double minCounts = config_.expression.minCounts;
    if (const auto dropped = dropLowCountPairs(patches, ds, minCounts); dropped > 0)
        notes_.push_back(sec.name + ": " + std::to_string(dropped) + " spot(s) with fewer than " + std::to_string(static_cast<long long>(minCounts)) +
                         " counts left out (min_counts)");
    if (config_.robust.stain == StainNormalisation::Reinhard)
        sectionColour_[sec.name] = labStatistics(patches.rgb.data(), patches.rgb.size() / 3);
    const auto features = expressionFeatures(ds, patches.observation, genes_, target_, config_.expression.standardisePerSection);
    if (&target == &train_ && !config_.robust.thinnedCopies.empty()) addThinnedCopies(index, ds, patches.observation, train_.count);
    target.patches.insert(target.patches.end(), patches.rgb.begin(), patches.rgb.end());
    target.expression.insert(target.expression.end(), features.begin(), features.end());
    target.count += static_cast<std::int64_t>(patches.count());
    for (const auto obs : patches.observation) {
        target.section.push_back(sec.name);
        target.obsName.push_back(ds.obsNames[static_cast<std::size_t>(obs)]);
        target.centre.push_back(ds.coordinates[static_cast<std::size_t>(obs)]);
    }
}

void ClipTrainer::addThinnedCopies(std::size_t sectionIndex, const SpatialDataset& ds, const std::vector<std::int64_t>& observations,
                                   std::int64_t firstRow) {
    const std::string& name = config_.sections[sectionIndex].name;
    const SpotCounts counts = spotCounts(ds, observations, genes_);
    for (const int divisor : config_.robust.thinnedCopies) {
        std::mt19937_64 rng = thinningGenerator(config_.seed, sectionIndex, divisor);
        const SpotCounts thin = thinnedCounts(counts, divisor, rng, ds.source + " (section " + name + ")");
        // The count filter applies to a copy as to a section.
        SpotCounts kept;
        kept.genes = thin.genes;
        std::vector<std::int64_t> rows;
        for (std::size_t r = 0; r < thin.spots(); ++r) {
            if (!passesCountFilter(thin.library[r], config_.expression.minCounts)) continue;
            rows.push_back(firstRow + static_cast<std::int64_t>(r));
            kept.library.push_back(thin.library[r]);
            kept.counts.insert(kept.counts.end(), thin.counts.begin() + static_cast<std::ptrdiff_t>(r * thin.genes),
                               thin.counts.begin() + static_cast<std::ptrdiff_t>((r + 1) * thin.genes));
        }
        // "section_median": the copy's own median, like a section's over its spots with counts.
        const double median = medianLibrary(thin.library);  // also for the note
        const auto features = normalisedFeatures(kept, targetSum(thin.library, target_), config_.expression.standardisePerSection);
        const std::string label = name + " /" + std::to_string(divisor);
        thinned_.expression.insert(thinned_.expression.end(), features.begin(), features.end());
        thinned_.trainRow.insert(thinned_.trainRow.end(), rows.begin(), rows.end());
        thinned_.section.insert(thinned_.section.end(), rows.size(), label);
        thinned_.origin.insert(thinned_.origin.end(), rows.size(), name);
        char line[200];
        std::snprintf(line, sizeof line, "thinned copy %s: %zu pairs, median %.0f counts (%zu under min_counts left out)", label.c_str(),
                      rows.size(), median, thin.spots() - rows.size());
        notes_.push_back(line);
    }
}

std::vector<std::string> ClipTrainer::trainingBatchLabels() const {
    std::vector<std::string> labels = train_.section;
    labels.insert(labels.end(), thinned_.section.begin(), thinned_.section.end());
    return labels;
}

std::pair<torch::Tensor, torch::Tensor> ClipTrainer::trainingTensors(const std::vector<std::int64_t>& rows, torch::Device device) const {
    std::vector<std::int64_t> patchRows = rows;
    const std::size_t genes = genes_.size();
    auto expression = torch::empty({static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(genes)}, torch::kFloat);
    auto* dst = expression.data_ptr<float>();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const bool copy = rows[i] >= train_.count;
        const auto r = static_cast<std::size_t>(copy ? rows[i] - train_.count : rows[i]);
        if (copy) patchRows[i] = thinned_.trainRow[r];
        std::copy_n((copy ? thinned_.expression : train_.expression).data() + r * genes, genes, dst + i * genes);
    }
    return {imagesToTensor(train_, patchRows, config_.patches.outputPixels, device), expression.to(device)};
}

torch::Tensor ClipTrainer::batchSpots(const std::vector<std::int64_t>& order, std::int64_t first, std::int64_t n) const {
    if (thinned_.count() == 0) return {};
    auto spots = torch::empty({n}, torch::kLong);
    auto* out = spots.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < n; ++i) {
        const std::int64_t row = order[static_cast<std::size_t>(first + i)];
        out[i] = row < train_.count ? row : thinned_.trainRow[static_cast<std::size_t>(row - train_.count)];
    }
    return spots;
}

void ClipTrainer::prepare(const Progress& progress) {
    if (config_.useCuda && !torch::cuda::is_available()) {
        throw std::invalid_argument("device \"cuda\" was asked for, but this LibTorch has no CUDA or sees no GPU "
                                    "(build against a CUDA LibTorch, see README)");
    }
    if (config_.bf16 && !config_.useCuda) throw std::invalid_argument("bf16 precision needs device \"cuda\"");
    if (config_.testDonors.empty()) checkSplits(config_);  // before reading anything, when the splits are given
    for (const auto& stale : removeStalePartials(config_.checkpoint))
        notes_.push_back("removed " + stale + ", a partial checkpoint left by a run that was killed while writing it");

    std::vector<SpatialDataset> datasets;
    std::vector<SectionDonor> donors;
    for (std::size_t k = 0; k < config_.sections.size(); ++k) {
        progress.throwIfCancelled();
        progress.update(0.1 * static_cast<double>(k) / config_.sections.size(), "reading " + config_.sections[k].name);
        datasets.push_back(openSpatialDataset(config_.sections[k].dataset));
        refuseNegativeCounts(datasets.back(), config_.sections[k].name);
        datasets.back().expression.buildColumnIndex();
        donors.push_back(sectionDonor(config_.sections[k], datasets.back()));
    }
    donors_ = applyDonorSplits(config_, donors);
    checkSplits(config_);
    for (const auto& n : donors_.notes) notes_.push_back(n);
    // Genes and the normalisation target from the training sections alone.
    std::vector<const SpatialDataset*> training, all;
    for (std::size_t k = 0; k < datasets.size(); ++k) {
        all.push_back(&datasets[k]);
        if (splitOf(config_.sections[k].name) == &train_) training.push_back(&datasets[k]);
    }
    target_ = hescape::normalisationTarget(training, config_.expression);
    genes_ = selectGenes(training, all, config_.expression, target_);

    for (std::size_t k = 0; k < config_.sections.size(); ++k) {
        const SectionInput& sec = config_.sections[k];
        PreparedSplit* target = splitOf(sec.name);
        if (!target) continue;
        Progress sub;
        sub.cancel = progress.cancel;
        const double base = 0.1 + 0.9 * static_cast<double>(k) / config_.sections.size();
        sub.report = [&](double f, const std::string&) {
            progress.update(base + 0.9 * f / config_.sections.size(), "patches of " + sec.name);
        };
        prepareSection(k, datasets[k], *target, sub);
    }
    if (train_.count < 2) throw std::invalid_argument("fewer than 2 training pairs after patch extraction");
    if (config_.robust.stain == StainNormalisation::Reinhard) normaliseStains();
    buildModel();
    progress.update(1.0, "prepared");
}

void ClipTrainer::normaliseStains() {
    std::vector<LabStatistics> training;
    for (const auto& name : config_.train)
        if (const auto it = sectionColour_.find(name); it != sectionColour_.end()) training.push_back(it->second);
    const LabStatistics target = pooledStatistics(training);
    const std::size_t pixels = static_cast<std::size_t>(config_.patches.outputPixels) * static_cast<std::size_t>(config_.patches.outputPixels);
    for (PreparedSplit* s : {&train_, &validation_, &test_, &unassigned_})
        for (std::int64_t i = 0; i < s->count; ++i)
            reinhardTransfer(s->patches.data() + static_cast<std::size_t>(i) * pixels * 3, pixels,
                             sectionColour_.at(s->section[static_cast<std::size_t>(i)]), target);
    char line[160];
    std::snprintf(line, sizeof line, "stain normalisation (Reinhard) to the training sections' L*a*b* mean %.1f, %.1f, %.1f, sd %.1f, %.1f, %.1f",
                  target.mean[0], target.mean[1], target.mean[2], target.sd[0], target.sd[1], target.sd[2]);
    notes_.push_back(line);
}

void ClipTrainer::buildModel() {
    torch::manual_seed(config_.seed);
    model_ = ClipModel(ClipModelOptions{static_cast<int>(genes_.size()), config_.embedDim, config_.imageWidth,
                                        config_.geneHidden, config_.imageScript, config_.geneScript,
                                        config_.patches.outputPixels, config_.imageScriptTrainable,
                                        config_.geneScriptTrainable});
    loss_ = ContrastiveLoss(config_.objective);
    const torch::Device device = config_.useCuda && torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;
    model_->moveTo(device);
    loss_->to(device);
    if (config_.robust.adversarialWeight > 0) {
        std::vector<std::string> labels = trainingBatchLabels();
        const bool byDonor = config_.robust.adversaryTarget == AdversaryTarget::Donor;
        if (byDonor) {
            for (std::size_t i = 0; i < labels.size(); ++i) {
                const bool copy = i >= train_.section.size();
                labels[i] = donors_.donorOf.at(copy ? thinned_.origin[i - train_.section.size()] : labels[i]);
            }
        }
        std::vector<std::string> names;
        const std::vector<int> codes = codesInNameOrder(labels, &names);
        adversaryCodes_.assign(codes.begin(), codes.end());
        // Thinned copies are batches of their own, but two of them are not two sections.
        std::vector<std::string> originals = train_.section;
        if (byDonor)
            for (auto& l : originals) l = donors_.donorOf.at(l);
        std::sort(originals.begin(), originals.end());
        const int distinct = static_cast<int>(names.size());
        if (std::unique(originals.begin(), originals.end()) - originals.begin() < 2)
            throw std::invalid_argument(std::string("the adversarial batch classifier needs two or more training ") +
                                        (byDonor ? "donors (the training sections have one; use \"adversary_batches\": \"section\")"
                                                 : "sections"));
        adversary_ = BatchAdversary(config_.embedDim, distinct);
        adversary_->to(device);
    }
}

std::string ClipTrainer::deviceName() const {
    if (!model_) return config_.useCuda ? "cuda" : "cpu";
    return model_->parameters().front().device().is_cuda() ? "cuda" : "cpu";
}

PairEmbeddings ClipTrainer::embed(const std::string& which) {
    const PreparedSplit& s = split(which);
    PairEmbeddings e;
    e.split = which;
    e.dim = config_.embedDim;
    e.genes = static_cast<int>(genes_.size());
    e.expression = s.expression;
    e.section = s.section;
    e.obsName = s.obsName;
    for (const auto& c : s.centre) {
        e.centreX.push_back(c.x);
        e.centreY.push_back(c.y);
    }
    if (!config_.robust.sectionBatchNorm) {
        embedRows(s, 0, s.count, e);
        return e;
    }
    // AdaBN: each section's rows (contiguous, as prepared) through batch norms
    // whose statistics come from that section's own pairs.
    for (std::int64_t first = 0; first < s.count;) {
        std::int64_t last = first;
        while (last < s.count && s.section[static_cast<std::size_t>(last)] == s.section[static_cast<std::size_t>(first)]) ++last;
        const CalibratedNorms norms(model_, [&] { normPass(s, first, last); });
        embedRows(s, first, last, e);
        first = last;
    }
    return e;
}

void ClipTrainer::normPass(const PreparedSplit& s, std::int64_t first, std::int64_t last) {
    const torch::Device device = model_->parameters().front().device();
    for (std::int64_t start = first; start < last; start += kEvalBatch) {
        const std::int64_t n = std::min<std::int64_t>(kEvalBatch, last - start);
        if (n > 1) encodeRows(s, start, n, device);
    }
}

void ClipTrainer::embedRows(const PreparedSplit& s, std::int64_t first, std::int64_t last, PairEmbeddings& e) {
    const torch::Device device = model_->parameters().front().device();
    model_->eval();
    torch::NoGradGuard guard;
    for (std::int64_t start = first; start < last; start += kEvalBatch) {
        const std::int64_t n = std::min<std::int64_t>(kEvalBatch, last - start);
        auto [img, gen] = encodeRows(s, start, n, device);
        namespace F = torch::nn::functional;
        for (auto* t : {&img, &gen}) {
            auto unit = F::normalize(*t, F::NormalizeFuncOptions().p(2).dim(1)).to(torch::kCPU).contiguous();
            auto& out = t == &img ? e.image : e.gene;
            out.insert(out.end(), unit.data_ptr<float>(), unit.data_ptr<float>() + unit.numel());
        }
    }
    model_->train();
}

std::pair<torch::Tensor, torch::Tensor> ClipTrainer::encode(const torch::Tensor& images, const torch::Tensor& expression) {
    torch::Tensor img, gen;
    {
        const CudaAutocast autocast(config_.bf16);
        img = model_->encodeImage(images);
        gen = model_->encodeGenes(expression);
    }
    // Losses and metrics (normalisation, logits, softmax) run in float32.
    return {img.to(torch::kFloat), gen.to(torch::kFloat)};
}

std::pair<torch::Tensor, torch::Tensor> ClipTrainer::encodeRows(const PreparedSplit& s, std::int64_t start, std::int64_t n,
                                                                torch::Device device) {
    std::vector<std::int64_t> rows(static_cast<std::size_t>(n));
    std::iota(rows.begin(), rows.end(), start);
    return encode(imagesToTensor(s, rows, config_.patches.outputPixels, device), genesToTensor(s, rows, genes_.size(), device));
}

RunResults ClipTrainer::startResults() {
    RunResults r;
    // The untrained model as it is: its validation before any step.
    if (validation_.count > 1) r.untrainedValidation = evaluate("validation");
    {
        const CalibratedNorms norms(model_, [&] { normPass(train_, 0, train_.count); });
        for (const char* which : {"train", "validation", "test"}) {
            if (split(which).count == 0) continue;
            PairEmbeddings e = embed(which);
            e.imageInitial = std::move(e.image);
            e.image.clear();
            e.gene.clear();
            r.embeddings.push_back(std::move(e));
        }
    }
    r.device = deviceName();
    r.precision = config_.bf16 ? "bf16" : "fp32";
    r.checkpoint = config_.checkpoint;
    r.genes = genes_;
    r.train = config_.train;
    r.validation = config_.validation;
    r.test = config_.test;
    r.skipped = skipped_;
    r.notes = notes_;
    for (const auto& s : config_.sections) {
        r.sections.push_back(s.name);
        r.donors.push_back(donors_.donorOf.count(s.name) ? donors_.donorOf.at(s.name) : s.name);
    }
    r.donorSafe = donors_.donorSafe;
    r.normalisationTarget = target_;
    r.minCounts = config_.expression.minCounts;
    r.method = config_.method;
    r.seed = config_.seed;
    return r;
}

void ClipTrainer::recordStep(RunResults& r, const TrainStep& s) {
    r.steps.push_back({s.step, s.epoch, s.loss, s.learningRate, s.temperature});
    if (s.validation) r.epochs.push_back({s.epoch + 1, s.loss, *s.validation});
    if (s.stoppedEarly) r.stoppedEarly = true;
}

void ClipTrainer::finishResults(RunResults& r) {
    const EvalMetrics test = evaluate("test");
    if (test.pairs > 0) r.testMetrics = test;
    for (auto& e : r.embeddings) {
        PairEmbeddings trained = embed(e.split);
        trained.imageInitial = std::move(e.imageInitial);
        e = std::move(trained);
    }
}

void ClipTrainer::loadWeights(const std::string& path) {
    if (!std::filesystem::exists(path)) throw std::runtime_error(path + ": no such checkpoint");
    verifyZipCrcs(path);
    try {
        torch::serialize::InputArchive archive;
        archive.load_from(path);
        loadModelState(path, archive, model_, loss_);
        readScriptState(archive, model_);
        model_->moveTo(model_->parameters().front().device());
    } catch (const c10::Error& e) {
        throw std::runtime_error(path + ": not a readable checkpoint of this model (" + std::string(e.what_without_backtrace()) + ")");
    }
}

// Sums over HESCAPE's in-batch evaluation batches, each weighted by its
// pairs: loss, recall@1, recall@5, chance@5, and the pairs (a double so that
// the five travel as one tensor).
struct EvalSums {
    double loss = 0, r1 = 0, r5 = 0, chance = 0, pairs = 0;
};

namespace {

EvalMetrics metricsOf(const EvalSums& sums, std::int64_t pairs) {
    EvalMetrics m;
    if (sums.pairs == 0) return m;
    m.loss = sums.loss / sums.pairs;
    m.recallAt1 = sums.r1 / sums.pairs;
    m.recallAt5 = sums.r5 / sums.pairs;
    m.chanceAt5 = sums.chance / sums.pairs;
    m.pairs = pairs;
    return m;
}

}  // namespace

EvalMetrics ClipTrainer::evaluate(const std::string& which) {
    const PreparedSplit& s = split(which);
    if (s.count == 0) return {};
    return metricsOf(evaluateBatches(s, 0, 1), s.count);
}

EvalSums ClipTrainer::evaluateBatches(const PreparedSplit& s, int first, int stride) {
    const torch::Device device = model_->parameters().front().device();
    // With per-section batch norm the embeddings come from embed() (each
    // section through its own statistics); otherwise straight from the encoders.
    std::optional<PairEmbeddings> sectionwise;
    if (config_.robust.sectionBatchNorm) sectionwise = embed(&s == &train_ ? "train" : &s == &validation_ ? "validation" : &s == &test_ ? "test" : "unassigned");
    const auto rows = [&](std::int64_t start, std::int64_t n) -> std::pair<torch::Tensor, torch::Tensor> {
        if (!sectionwise) return encodeRows(s, start, n, device);
        const auto take = [&](std::vector<float>& v) {
            return torch::from_blob(v.data() + start * sectionwise->dim, {n, sectionwise->dim}, torch::kFloat).clone().to(device);
        };
        return {take(sectionwise->image), take(sectionwise->gene)};
    };
    model_->eval();
    torch::NoGradGuard guard;
    EvalSums sums;
    for (std::int64_t start = static_cast<std::int64_t>(first) * kEvalBatch; start < s.count;
         start += static_cast<std::int64_t>(stride) * kEvalBatch) {
        const std::int64_t n = std::min<std::int64_t>(kEvalBatch, s.count - start);
        if (n < 2) break;  // a batch of one has no negatives
        const auto [img, gen] = rows(start, n);
        const double w = static_cast<double>(n);
        sums.loss += w * loss_->forward(img, gen).item<double>();
        // The same tie-fair recall as RetrievalMetrics: tied rivals share the places.
        const auto z = loss_->logits(img, gen);
        const auto partner = z.diagonal().unsqueeze(1);
        const auto above = z.gt(partner).sum(1).to(torch::kDouble);
        const auto tied = z.eq(partner).sum(1).to(torch::kDouble);  // includes the partner
        const auto recall = [&](double k) { return (k - above).div(tied).clamp(0.0, 1.0).sum().item<double>(); };
        sums.r1 += recall(1);
        sums.r5 += recall(5);
        sums.chance += std::min<double>(5.0, w);
        sums.pairs += w;
    }
    model_->train();
    return sums;
}

EvalMetrics ClipTrainer::evaluateDuringTraining(const std::string& which) {
    if (!dist_ || dist_->worldSize() == 1) return evaluate(which);
    const PreparedSplit& s = split(which);
    if (s.count == 0) return {};
    EvalSums sums = evaluateBatches(s, dist_->rank(), dist_->worldSize());
    auto t = torch::tensor({sums.loss, sums.r1, sums.r5, sums.chance, sums.pairs}, torch::kDouble);
    dist_->allReduceSum(t, "validation metrics");
    sums = {t[0].item<double>(), t[1].item<double>(), t[2].item<double>(), t[3].item<double>(), t[4].item<double>()};
    return metricsOf(sums, s.count);
}

void ClipTrainer::setDistributed(std::shared_ptr<DistributedContext> context) { dist_ = std::move(context); }

namespace {

// Sets the model's global batch for the length of a training run.
class GlobalBatchScope {
public:
    GlobalBatchScope(ClipModel& model, DistributedContext* dist, bool globalNorm) : model_(model) {
        model_->setGlobalBatch(dist, globalNorm);
    }
    ~GlobalBatchScope() { model_->setGlobalBatch(nullptr); }
    GlobalBatchScope(const GlobalBatchScope&) = delete;
    GlobalBatchScope& operator=(const GlobalBatchScope&) = delete;

private:
    ClipModel& model_;
};

}  // namespace

void ClipTrainer::train(const std::function<void(const TrainStep&)>& onStep, const std::atomic<bool>* cancel,
                        const std::string& resumeFrom, const std::atomic<bool>* pause) {
    const torch::Device device = model_->parameters().front().device();
    std::vector<torch::Tensor> params = model_->trainableParameters();
    if (adversary_)
        for (const auto& p : adversary_->parameters()) params.push_back(p);
    for (const auto& p : loss_->parameters())
        if (p.requires_grad()) params.push_back(p);
    torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(config_.learningRate).weight_decay(config_.weightDecay));
    DistributedContext* dist = dist_ && dist_->worldSize() > 1 ? dist_.get() : nullptr;
    const int world = dist ? dist->worldSize() : 1;
    const int rank = dist ? dist->rank() : 0;
    const std::int64_t localBatch = config_.batchSize;
    const std::int64_t globalBatch = localBatch * world;
    const std::int64_t pairs = trainingPairs();
    const std::vector<std::string> batchLabels = trainingBatchLabels();
    const std::int64_t perEpoch = pairs / globalBatch;  // drop the last partial batch
    if (perEpoch == 0) {
        throw std::invalid_argument(world == 1 ? "batch size is larger than the training set"
                                               : "the global batch (" + std::to_string(world) + " ranks x batch size " +
                                                     std::to_string(localBatch) + ") is larger than the training set (" +
                                                     std::to_string(pairs) + " pairs)");
    }
    const int total = static_cast<int>(perEpoch) * config_.epochs;
    std::mt19937_64 rng(config_.seed);
    RunState state;
    state.order.resize(static_cast<std::size_t>(pairs));
    std::iota(state.order.begin(), state.order.end(), 0);
    if (!resumeFrom.empty()) {
        state = loadCheckpoint(resumeFrom, model_, loss_, optimizer, adversary_);
        if (state.order.size() != static_cast<std::size_t>(pairs)) {
            throw std::runtime_error(resumeFrom + ": the checkpoint was made with " + std::to_string(state.order.size()) +
                                     " training pairs, this configuration has " + std::to_string(pairs));
        }
        std::istringstream in(state.shuffleRng);
        in >> rng;
        // Another world size: the same epoch and the same place in its shuffled
        // order (the pairs done so far), in the new number of steps per epoch.
        const std::int64_t savedBatch = state.globalBatch > 0 ? state.globalBatch : localBatch;
        if (savedBatch != globalBatch) {
            const std::int64_t savedPerEpoch = std::max<std::int64_t>(1, pairs / savedBatch);
            const std::int64_t epoch = state.step / savedPerEpoch;
            const std::int64_t pairsDone = (state.step % savedPerEpoch) * savedBatch;
            state.step = static_cast<int>(epoch * perEpoch + std::min(perEpoch, pairsDone / globalBatch));
        }
    }
    state.globalBatch = globalBatch;
    state.worldSize = world;
    if (dist) {
        // Every rank must hold the same data; then start from rank 0's weights
        // (equal already when seeds agree, but a fine-tuned TorchScript file or
        // a checkpoint read from a stale copy need not be).
        auto shape = torch::tensor({pairs, static_cast<std::int64_t>(genes_.size()), validation_.count}, torch::kLong);
        auto mine = shape.clone();
        dist->broadcast(shape, 0, "data check");
        auto differs = torch::tensor({shape.equal(mine) ? 0.0 : 1.0}, torch::kDouble);
        dist->allReduceSum(differs, "data check");
        if (differs.item<double>() > 0) {
            throw std::runtime_error("rank " + std::to_string(rank) + " has " + std::to_string(pairs) + " training pairs, " +
                                     std::to_string(genes_.size()) + " genes and " + std::to_string(validation_.count) +
                                     " validation pairs; rank 0 has " + std::to_string(shape[0].item<std::int64_t>()) + ", " +
                                     std::to_string(shape[1].item<std::int64_t>()) + " and " +
                                     std::to_string(shape[2].item<std::int64_t>()) +
                                     ": every rank needs the same configuration and data files");
        }
        torch::NoGradGuard guard;
        for (auto& t : model_->parameters()) dist->broadcast(t, 0, "parameter broadcast");
        for (auto& t : model_->buffers()) dist->broadcast(t, 0, "buffer broadcast");
        for (auto& t : loss_->parameters()) dist->broadcast(t, 0, "parameter broadcast");
        for (auto& [name, t] : model_->scriptState()) dist->broadcast(t, 0, "parameter broadcast");
    }
    std::optional<BucketedGradientReducer> reducer;
    if (dist) reducer.emplace(params, *dist);
    const GlobalBatchScope globalBatchScope(model_, dist, config_.syncBatchNorm);
    auto snapshot = [&](int step) {
        if (config_.checkpoint.empty() || rank != 0) return;  // one writer; every rank holds the same state
        std::ostringstream out;
        out << rng;
        state.step = step;
        state.shuffleRng = out.str();
        saveCheckpoint(config_.checkpoint, model_, loss_, optimizer, state, adversary_);
    };
    model_->train();
    for (int step = state.step; step < total;) {
        const int epoch = static_cast<int>(step / perEpoch);
        const std::int64_t b = step % perEpoch;
        while (pause && pause->load() && !(cancel && cancel->load())) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (cancel && cancel->load()) throw CancelledError();
        if (b == 0) shuffleEpoch(state.order, batchLabels, globalBatch, config_.robust.effectiveSampling(), rng);
        // Linear warm-up, then cosine decay to zero.
        const double lr = step < config_.warmupSteps
                              ? config_.learningRate * (step + 1) / config_.warmupSteps
                              : config_.learningRate * 0.5 *
                                    (1 + std::cos(M_PI * (step - config_.warmupSteps) / std::max(1, total - config_.warmupSteps)));
        for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
        // This rank's share of the global batch.
        const std::int64_t first = b * globalBatch + rank * localBatch;
        const std::vector<std::int64_t> rows(state.order.begin() + first, state.order.begin() + first + localBatch);
        auto [images, expression] = trainingTensors(rows, device);
        if (config_.augment && config_.augmentation.any()) {
            images = augmentPatches(images, config_.augmentation, rng, globalBatch, rank * localBatch);
        }
        optimizer.zero_grad();
        const auto [imageEmbedding, geneEmbedding] = encode(images, expression);
        torch::Tensor value;
        double lossValue = 0;
        const torch::Tensor spots = batchSpots(state.order, b * globalBatch, globalBatch);
        if (!dist) {
            value = loss_->forward(imageEmbedding, geneEmbedding, spots);
            lossValue = value.item<double>();
        } else {
            // The loss of the global batch: every rank sees all embeddings and
            // takes its share; the shares sum to the global loss.
            const auto allImages = allGatherWithGrad(imageEmbedding, *dist, "image embedding all-gather");
            const auto allGenes = allGatherWithGrad(geneEmbedding, *dist, "gene embedding all-gather");
            value = loss_->shardForward(allImages, allGenes, rank * localBatch, localBatch, spots);
            auto sum = value.detach().to(torch::kDouble).reshape({1}).clone();
            dist->allReduceSum(sum, "loss all-reduce");
            lossValue = sum.item<double>();  // the same on every rank, so all stop together when it is not finite
        }
        if (!std::isfinite(lossValue)) {
            throw std::runtime_error("training stopped at step " + std::to_string(step + 1) +
                                     ": the loss is not finite; the last checkpoint is kept");
        }
        if (adversary_) {
            // Each rank's share of the global batch's mean adversarial loss.
            const auto batch = torch::tensor(std::vector<std::int64_t>(rows.size()), torch::kLong);
            auto* codes = batch.data_ptr<std::int64_t>();
            for (std::size_t i = 0; i < rows.size(); ++i) codes[i] = adversaryCodes_[static_cast<std::size_t>(rows[i])];
            value = value + (config_.robust.adversarialWeight / world) * adversary_->loss(imageEmbedding, geneEmbedding, batch.to(device));
        }
        if (reducer) reducer->beginBackward();
        value.backward();
        if (reducer) reducer->finish();  // gradients summed over the ranks before clipping
        torch::nn::utils::clip_grad_norm_(params, config_.gradientClip);
        optimizer.step();
        ++step;
        TrainStep info;
        info.step = step;
        info.totalSteps = total;
        info.epoch = epoch;
        info.loss = lossValue;
        info.learningRate = lr;
        info.temperature = 1.0 / loss_->logitScale();
        if (b + 1 == perEpoch && validation_.count > 1) {
            info.validation = evaluateDuringTraining("validation");
            if (info.validation->loss < state.bestValidation) {
                state.bestValidation = info.validation->loss;
                state.epochsWithoutImprovement = 0;
            } else {
                ++state.epochsWithoutImprovement;
            }
            info.stoppedEarly = config_.earlyStoppingPatience > 0 && state.epochsWithoutImprovement >= config_.earlyStoppingPatience;
        }
        if (step % std::max(1, config_.checkpointEvery) == 0 || step == total || info.stoppedEarly) snapshot(step);
        if (onStep) onStep(info);
        if (info.stoppedEarly) return;
    }
}

}  // namespace hescape
