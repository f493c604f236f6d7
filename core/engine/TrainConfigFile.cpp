// readTrainConfig: every field optional except sections and train; unknown
// fields are errors (a typo must not silently fall back to a default).
#include "core/engine/TrainConfigFile.h"

#include "core/io/Json.h"

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

    TrainConfig read() const {
        if (!root_.isObject()) throw ConfigError(path_ + ": the configuration must be a JSON object");
        static const std::set<std::string> known = {"sections", "train", "validation", "test", "patch_size_um", "patch_pixels",
                                                    "highly_variable_genes", "genes", "normalise_to", "objective", "embed_dim",
                                                    "image_width", "gene_hidden", "batch_size", "epochs", "learning_rate",
                                                    "weight_decay", "warmup_steps", "gradient_clip", "augment", "seed", "device",
                                                    "checkpoint", "checkpoint_every", "image_encoder", "gene_encoder"};
        for (const auto& [k, v] : root_.asObject())
            if (!known.count(k)) fail(k, "is not a known setting (see docs/training.md)");
        TrainConfig c;
        const JsonValue* sections = root_.find("sections");
        if (!sections || !sections->isArray() || sections->asArray().empty()) fail("sections", "must be a non-empty list");
        for (const auto& s : sections->asArray()) {
            const JsonValue* name = s.find("name");
            const JsonValue* slide = s.find("slide");
            const JsonValue* dataset = s.find("dataset");
            if (!name || !name->isString() || !slide || !slide->isString() || !dataset || !dataset->isString()) {
                fail("sections", "each entry needs \"name\", \"slide\" and \"dataset\" strings");
            }
            c.sections.push_back({name->asString(), resolve(slide->asString()), resolve(dataset->asString())});
        }
        c.train = strings(root_, "train");
        if (c.train.empty()) fail("train", "must name at least one section");
        c.validation = strings(root_, "validation");
        c.test = strings(root_, "test");
        c.patches.sizeMicrons = number(root_, "patch_size_um", 110, 1, 10000);
        c.patches.outputPixels = integer(root_, "patch_pixels", 64, 8, 1024);
        c.expression.highlyVariable = integer(root_, "highly_variable_genes", 256, 0, 1000000);
        c.expression.genes = strings(root_, "genes");
        if (const JsonValue* t = root_.find("normalise_to")) {
            if (t->isString() && t->asString() == "median") c.expression.target = ExpressionOptions::Target::Median;
            else if (t->isNumber() && t->asNumber() == 1e4) c.expression.target = ExpressionOptions::Target::TenThousand;
            else fail("normalise_to", "must be \"median\" or 10000");
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
            if (!a->isBool()) fail("augment", "must be true or false");
            c.augment = a->asBool();
        }
        c.seed = static_cast<std::uint64_t>(number(root_, "seed", 0, 0, 9007199254740992.0));
        if (const JsonValue* d = root_.find("device")) {
            if (!d->isString() || (d->asString() != "cpu" && d->asString() != "cuda")) fail("device", "must be \"cpu\" or \"cuda\"");
            c.useCuda = d->asString() == "cuda";
        }
        if (const JsonValue* k = root_.find("checkpoint")) {
            if (!k->isString() || k->asString().empty()) fail("checkpoint", "must be a file path");
            c.checkpoint = resolve(k->asString());
        }
        c.checkpointEvery = integer(root_, "checkpoint_every", 50, 1, 100000000);
        if (const JsonValue* e = root_.find("image_encoder")) {
            if (!e->isString()) fail("image_encoder", "must be \"small_cnn\" or a TorchScript file");
            if (e->asString() != "small_cnn") c.imageScript = resolve(e->asString());
        }
        if (const JsonValue* e = root_.find("gene_encoder")) {
            if (!e->isString()) fail("gene_encoder", "must be \"mlp\" or a TorchScript file");
            if (e->asString() != "mlp") c.geneScript = resolve(e->asString());
        }
        return c;
    }

private:
    const std::string& path_;
    const JsonValue& root_;
};

}  // namespace

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
