// readTrainConfig: every field optional except sections and train; unknown
// fields are errors (a typo must not silently fall back to a default).
#include "core/engine/TrainConfigFile.h"

#include "core/io/Json.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

namespace hescape {

namespace {

class Reader {
public:
    Reader(const std::string& path, const JsonValue& root) : path_(path), root_(root) {}

    [[noreturn]] void fail(const std::string& field, const std::string& what) const {
        throw ConfigError(path_ + ": field '" + field + "': " + what);
    }

    double number(const JsonValue& obj, const std::string& field, double fallback, double lo, double hi) const {
        const JsonValue* v = obj.find(field);
        if (!v) return fallback;
        if (!v->isNumber()) fail(field, "must be a number");
        const double x = v->asNumber();
        if (!(x >= lo && x <= hi)) fail(field, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
        return x;
    }
    int integer(const JsonValue& obj, const std::string& field, int fallback, int lo, int hi) const {
        const double x = number(obj, field, fallback, lo, hi);
        if (x != static_cast<int>(x)) fail(field, "must be a whole number");
        return static_cast<int>(x);
    }
    std::vector<std::string> strings(const JsonValue& obj, const std::string& field) const {
        std::vector<std::string> out;
        const JsonValue* v = obj.find(field);
        if (!v) return out;
        if (!v->isArray()) fail(field, "must be a list of names");
        for (const auto& e : v->asArray()) {
            if (!e.isString()) fail(field, "must be a list of names");
            out.push_back(e.asString());
        }
        return out;
    }
    std::string resolve(const std::string& p) const {
        const std::filesystem::path fp(p);
        return fp.is_absolute() ? p : (std::filesystem::path(path_).parent_path() / fp).lexically_normal().string();
    }

    // One entry of "sections": {"name", "slide", "dataset"}; or a HEST-1k
    // sample, by ID (a string, or {"name"?, "hest_id", "hest_dir"?}) in
    // "hest_dir": wsis/<id>.tif and st/<id>.h5ad.
    SectionInput section(const JsonValue& s) const {
        const JsonValue* hestId = s.isString() ? &s : s.find("hest_id");
        if (hestId) {
            const JsonValue* dir = s.isObject() && s.find("hest_dir") ? s.find("hest_dir") : root_.find("hest_dir");
            if (!hestId->isString() || !dir || !dir->isString())
                fail("sections", "a HEST sample needs its ID as a string and \"hest_dir\" (the HEST-1k folder) as a string");
            const std::string folder = resolve(dir->asString()), id = hestId->asString();
            const JsonValue* name = s.isObject() ? s.find("name") : nullptr;
            return {name && name->isString() ? name->asString() : id, folder + "/wsis/" + id + ".tif", folder + "/st/" + id + ".h5ad",
                    donorOf(s)};
        }
        const JsonValue* name = s.find("name");
        const JsonValue* slide = s.find("slide");
        const JsonValue* dataset = s.find("dataset");
        if (!name || !name->isString() || !slide || !slide->isString() || !dataset || !dataset->isString())
            fail("sections", "each entry needs \"name\", \"slide\" and \"dataset\" strings (or a HEST sample ID with \"hest_dir\")");
        return {name->asString(), resolve(slide->asString()), resolve(dataset->asString()), donorOf(s)};
    }

    std::string donorOf(const JsonValue& s) const {
        const JsonValue* d = s.isObject() ? s.find("donor") : nullptr;
        if (!d) return {};
        if (!d->isString() || d->asString().empty()) fail("sections", "a section's \"donor\" must be a non-empty string");
        return d->asString();
    }

    TrainConfig read() const {
        if (!root_.isObject()) throw ConfigError(path_ + ": the configuration must be a JSON object");
        static const std::set<std::string> known = {"sections", "train", "validation", "test", "patch_size_um", "patch_pixels",
                                                    "highly_variable_genes", "genes", "normalise_to", "objective", "embed_dim",
                                                    "image_width", "gene_hidden", "batch_size", "epochs", "learning_rate",
                                                    "weight_decay", "warmup_steps", "gradient_clip", "augment", "seed", "device",
                                                    "checkpoint", "checkpoint_every", "image_encoder", "gene_encoder",
                                                    "early_stopping_patience", "precision", "patch_store", "results",
                                                    "distributed_timeout_s", "sync_batch_norm", "hest_dir", "patch_source",
                                                    "test_donors", "validation_donors", "allow_shared_donors", "min_counts",
                                                    "gene_scaling", "seeds", "method", "sampling", "stain_normalisation",
                                                    "adversarial_weight", "adversary_batches", "section_batch_norm",
                                                    "thinned_copies"};
        for (const auto& [k, v] : root_.asObject())
            if (!known.count(k)) fail(k, "is not a known setting (see docs/training.md)");
        TrainConfig c;
        const JsonValue* sections = root_.find("sections");
        if (!sections || !sections->isArray() || sections->asArray().empty()) fail("sections", "must be a non-empty list");
        for (const auto& s : sections->asArray()) c.sections.push_back(section(s));
        c.train = strings(root_, "train");
        c.testDonors = strings(root_, "test_donors");
        c.validationDonors = strings(root_, "validation_donors");
        if (!c.testDonors.empty() && (root_.find("train") || root_.find("test")))
            fail("test_donors", "splits by donor replace \"train\" and \"test\": give one or the other (\"validation\" may name sections)");
        if (c.testDonors.empty() && !c.validationDonors.empty()) fail("validation_donors", "needs \"test_donors\"");
        if (c.train.empty() && c.testDonors.empty()) fail("train", "must name at least one section (or split by \"test_donors\")");
        c.allowSharedDonors = flag("allow_shared_donors", false);
        c.validation = strings(root_, "validation");
        c.test = strings(root_, "test");
        c.patches.sizeMicrons = number(root_, "patch_size_um", 110, 1, 10000);
        c.patches.outputPixels = integer(root_, "patch_pixels", 64, 8, 1024);
        c.expression.highlyVariable = integer(root_, "highly_variable_genes", 256, 0, 1000000);
        c.expression.genes = strings(root_, "genes");
        for (std::size_t i = 0; i < c.expression.genes.size(); ++i)
            if (std::find(c.expression.genes.begin(), c.expression.genes.begin() + static_cast<std::ptrdiff_t>(i), c.expression.genes[i]) !=
                c.expression.genes.begin() + static_cast<std::ptrdiff_t>(i))
                fail("genes", "gene " + c.expression.genes[i] + " is listed twice");
        if (const JsonValue* t = root_.find("normalise_to")) {
            if (t->isString() && t->asString() == "training_median") c.expression.target = ExpressionOptions::Target::TrainingMedian;
            // "median" is the old name of "section_median" (configurations written before donor-safe splits).
            else if (t->isString() && (t->asString() == "section_median" || t->asString() == "median"))
                c.expression.target = ExpressionOptions::Target::SectionMedian;
            else if (t->isNumber() && t->asNumber() == 1e4) c.expression.target = ExpressionOptions::Target::TenThousand;
            else fail("normalise_to", "must be \"training_median\", \"section_median\" or 10000");
        }
        c.expression.minCounts = number(root_, "min_counts", 10, 0, 1e12);
        if (const JsonValue* g = root_.find("gene_scaling")) {
            if (!g->isString() || (g->asString() != "none" && g->asString() != "section")) fail("gene_scaling", "must be \"none\" or \"section\"");
            c.expression.standardisePerSection = g->asString() == "section";
        }
        c.seeds = seedList();
        robustness(c.robust);
        if (const JsonValue* m = root_.find("method")) {
            if (!m->isString() || m->asString().empty()) fail("method", "must be a name for the comparison table");
            c.method = m->asString();
        }
        if (const JsonValue* o = root_.find("objective")) {
            if (o->isString() && o->asString() == "clip") c.objective = ContrastiveObjective::Clip;
            else if (o->isString() && o->asString() == "siglip") c.objective = ContrastiveObjective::Siglip;
            else fail("objective", "must be \"clip\" or \"siglip\"");
        }
        c.embedDim = integer(root_, "embed_dim", 128, 2, 8192);
        c.imageWidth = integer(root_, "image_width", 16, 4, 512);
        c.geneHidden = integer(root_, "gene_hidden", 256, 4, 16384);
        c.batchSize = integer(root_, "batch_size", 32, 2, 65536);
        c.epochs = integer(root_, "epochs", 5, 1, 100000);
        c.learningRate = number(root_, "learning_rate", 1e-3, 1e-9, 10);
        c.weightDecay = number(root_, "weight_decay", 1e-4, 0, 10);
        c.warmupSteps = integer(root_, "warmup_steps", 10, 0, 10000000);
        c.gradientClip = number(root_, "gradient_clip", 1.0, 1e-6, 1e6);
        if (const JsonValue* a = root_.find("augment")) {
            if (a->isBool()) {
                c.augment = a->asBool();
            } else if (a->isObject()) {
                static const std::set<std::string> keys = {"flips", "rotations", "crop_scale", "color_jitter", "blur_probability", "hed_jitter"};
                for (const auto& [k, v] : a->asObject())
                    if (!keys.count(k)) fail("augment." + k, "is not a known augmentation (flips, rotations, crop_scale, color_jitter, blur_probability, hed_jitter)");
                auto flag = [&](const char* key, bool fallback) {
                    const JsonValue* v = a->find(key);
                    if (!v) return fallback;
                    if (!v->isBool()) fail(std::string("augment.") + key, "must be true or false");
                    return v->asBool();
                };
                c.augmentation.flips = flag("flips", true);
                c.augmentation.rotations = flag("rotations", true);
                c.augmentation.cropScale = number(*a, "crop_scale", 1.0, 0.1, 1.0);
                c.augmentation.colorJitter = number(*a, "color_jitter", 0.0, 0.0, 0.9);
                c.augmentation.blurProbability = number(*a, "blur_probability", 0.0, 0.0, 1.0);
                c.augmentation.hedJitter = number(*a, "hed_jitter", 0.0, 0.0, 0.5);
            } else {
                fail("augment", "must be true, false or an object of augmentations");
            }
        }
        c.earlyStoppingPatience = integer(root_, "early_stopping_patience", 0, 0, 100000);
        c.seed = static_cast<std::uint64_t>(number(root_, "seed", 0, 0, 9007199254740992.0));
        if (root_.find("seed") && root_.find("seeds")) fail("seeds", "give \"seed\" or \"seeds\", not both");
        if (const JsonValue* d = root_.find("device")) {
            if (!d->isString() || (d->asString() != "cpu" && d->asString() != "cuda")) fail("device", "must be \"cpu\" or \"cuda\"");
            c.useCuda = d->asString() == "cuda";
        }
        if (const JsonValue* k = root_.find("checkpoint")) {
            if (!k->isString() || k->asString().empty()) fail("checkpoint", "must be a file path");
            c.checkpoint = resolve(k->asString());
        }
        c.checkpointEvery = integer(root_, "checkpoint_every", 50, 1, 100000000);
        c.distributedTimeoutSeconds = integer(root_, "distributed_timeout_s", 60, 1, 86400);
        c.syncBatchNorm = flag("sync_batch_norm", true);
        if (const JsonValue* p = root_.find("precision")) {
            if (!p->isString() || (p->asString() != "fp32" && p->asString() != "bf16")) fail("precision", "must be \"fp32\" or \"bf16\"");
            c.bf16 = p->asString() == "bf16";
            if (c.bf16 && !c.useCuda) fail("precision", "\"bf16\" needs \"device\": \"cuda\"");
        }
        encoder("image_encoder", "small_cnn", c.imageScript, c.imageScriptTrainable);
        encoder("gene_encoder", "mlp", c.geneScript, c.geneScriptTrainable);
        if (const JsonValue* s = root_.find("patch_source")) {
            if (s->isString() && (s->asString() == "slide" || s->asString() == "hest")) c.hestPatches = s->asString() == "hest";
            else fail("patch_source", "must be \"slide\" or \"hest\"");
        }
        c.patchStore = defaultPatchStore();
        if (const JsonValue* p = root_.find("patch_store")) {
            if (p->isBool() && !p->asBool()) c.patchStore.clear();
            else if (p->isString() && !p->asString().empty()) c.patchStore = resolve(p->asString());
            else fail("patch_store", "must be a folder, or false for none");
        }
        if (const JsonValue* r = root_.find("results")) {
            if (!r->isString() || r->asString().empty()) fail("results", "must be a file path (.h5)");
            c.resultsFile = resolve(r->asString());
        }
        return c;
    }

private:
    bool flag(const std::string& field, bool fallback) const {
        const JsonValue* v = root_.find(field);
        if (!v) return fallback;
        if (!v->isBool()) fail(field, "must be true or false");
        return v->asBool();
    }

    template <typename Enum>
    Enum choice(const std::string& field, const std::vector<std::pair<std::string, Enum>>& names, Enum fallback) const {
        const JsonValue* v = root_.find(field);
        if (!v) return fallback;
        std::string all;
        for (const auto& [name, value] : names) {
            if (v->isString() && v->asString() == name) return value;
            all += (all.empty() ? "\"" : ", \"") + name + "\"";
        }
        fail(field, "must be one of " + all);
    }

    void robustness(BatchRobustOptions& r) const {
        r.sampling = choice<BatchSampling>("sampling", {{"random", BatchSampling::Random}, {"balanced", BatchSampling::Balanced},
                                                        {"within_section", BatchSampling::WithinSection}}, BatchSampling::Random);
        r.stain = choice<StainNormalisation>("stain_normalisation", {{"none", StainNormalisation::None}, {"reinhard", StainNormalisation::Reinhard}},
                                             StainNormalisation::None);
        r.adversarialWeight = number(root_, "adversarial_weight", 0, 0, 100);
        r.sectionBatchNorm = flag("section_batch_norm", false);
        if (r.sectionBatchNorm && root_.find("sampling") && r.sampling != BatchSampling::WithinSection)
            fail("sampling", "\"section_batch_norm\" trains on within-section batches: leave \"sampling\" out or make it \"within_section\"");
        r.adversaryTarget = choice<AdversaryTarget>("adversary_batches", {{"section", AdversaryTarget::Section}, {"donor", AdversaryTarget::Donor}},
                                                    AdversaryTarget::Section);
        r.thinnedCopies = thinnedCopies();
    }

    // "thinned_copies": divisors 2..1024, each once, at most 8 (every copy
    // adds the training set again to each epoch).
    std::vector<int> thinnedCopies() const {
        std::vector<int> out;
        const JsonValue* v = root_.find("thinned_copies");
        if (!v) return out;
        const std::string what = "must be a list of up to 8 different whole divisors from 2 to 1024, e.g. [2, 4, 8, 16]";
        if (!v->isArray() || v->asArray().size() > 8) fail("thinned_copies", what);
        for (const auto& e : v->asArray()) {
            if (!e.isNumber() || e.asNumber() < 2 || e.asNumber() > 1024 || e.asNumber() != static_cast<double>(static_cast<int>(e.asNumber())))
                fail("thinned_copies", what);
            const int d = static_cast<int>(e.asNumber());
            if (std::find(out.begin(), out.end(), d) != out.end()) fail("thinned_copies", "divisor " + std::to_string(d) + " is listed twice");
            out.push_back(d);
        }
        return out;
    }

    std::vector<std::uint64_t> seedList() const {
        std::vector<std::uint64_t> out;
        const JsonValue* v = root_.find("seeds");
        if (!v) return out;
        if (!v->isArray() || v->asArray().empty()) fail("seeds", "must be a non-empty list of whole numbers");
        for (const auto& e : v->asArray()) {
            if (!e.isNumber() || e.asNumber() < 0 || e.asNumber() != static_cast<double>(static_cast<std::uint64_t>(e.asNumber())))
                fail("seeds", "must be a non-empty list of whole numbers");
            const auto seed = static_cast<std::uint64_t>(e.asNumber());
            if (std::find(out.begin(), out.end(), seed) != out.end()) fail("seeds", "seed " + std::to_string(seed) + " is listed twice");
            out.push_back(seed);
        }
        return out;
    }

    // "small_cnn" / "mlp", a TorchScript file, or {"torchscript": FILE, "trainable": BOOL}.
    void encoder(const std::string& field, const std::string& builtin, std::string& script, bool& trainable) const {
        const JsonValue* e = root_.find(field);
        if (!e) return;
        const std::string what = "must be \"" + builtin + "\", a TorchScript file, or {\"torchscript\": FILE, \"trainable\": true|false}";
        if (e->isString()) {
            if (e->asString() != builtin) script = resolve(e->asString());
            return;
        }
        if (!e->isObject()) fail(field, what);
        for (const auto& [k, v] : e->asObject())
            if (k != "torchscript" && k != "trainable") fail(field + "." + k, "is not a known setting; " + what);
        const JsonValue* file = e->find("torchscript");
        if (!file || !file->isString() || file->asString().empty()) fail(field + ".torchscript", "must be a TorchScript file");
        script = resolve(file->asString());
        if (const JsonValue* t = e->find("trainable")) {
            if (!t->isBool()) fail(field + ".trainable", "must be true or false");
            trainable = t->asBool();
        }
    }

    const std::string& path_;
    const JsonValue& root_;
};

}  // namespace

std::string defaultPatchStore() {
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return (std::filesystem::path(xdg) / "hescape" / "patches").string();
    if (const char* home = std::getenv("HOME"); home && *home)
        return (std::filesystem::path(home) / ".cache" / "hescape" / "patches").string();
    return (std::filesystem::temp_directory_path() / "hescape-patches").string();
}

TrainConfig readTrainConfig(const std::string& path) {
    JsonValue root;
    try {
        root = readJsonFile(path);
    } catch (const JsonError& e) {
        throw ConfigError(e.what());
    }
    return Reader(path, root).read();
}

}  // namespace hescape
