// placeCytAssistImage: feature_slice.h5's matrices composed as spatialdata-io
// composes them (readers/visium_hd.py: projective1 @ projective0, divided by
// its [2, 2]), or the size rule of a CytAssist-only Visium run.
#include "core/spatial/VisiumCytAssist.h"

#include "core/io/Hdf5File.h"
#include "core/io/Json.h"
#include "core/slide/ImageDecoder.h"
#include "core/slide/Slide.h"
#include "core/spatial/SpatialDataset.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <vector>

namespace hescape {

namespace fs = std::filesystem;

namespace {

using Matrix3 = std::array<double, 9>;  // row-major

// spatialdata-io's _projective_matrix_is_affine: np.allclose(P[2, :2], [0, 0]), whose absolute tolerance is 1e-8.
constexpr double kAffineTolerance = 1e-8;
// A composed matrix whose determinant is this small beside the product of its
// rows' lengths (Hadamard's bound) maps the image onto a line.
constexpr double kSingularRatio = 1e-12;

const char* const kFromCytAssist = "cytassist_colrow_to_spot_colrow";
const char* const kToMicroscope = "spot_colrow_to_microscope_colrow";

// Six significant digits: for messages.
std::string text(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

CytAssistPlacement notPlaced(const std::string& image, const std::string& why) { return {image, std::nullopt, 0, "not placed: " + why, {}}; }

// Where Space Ranger writes feature_slice.h5: the folder that holds
// binned_outputs/ for a bin folder, else the data folder itself.
fs::path outputRoot(const std::string& folder) {
    const fs::path f(imagePathKey(folder));
    return f.parent_path().filename() == "binned_outputs" ? f.parent_path().parent_path() : f;
}

// feature_slice.h5, else every <prefix>_feature_slice.h5 (spatialdata-io's _get_filename_prefix), by name.
std::vector<fs::path> featureSliceFiles(const fs::path& root) {
    std::error_code ec;
    if (fs::is_regular_file(root / "feature_slice.h5", ec)) return {root / "feature_slice.h5"};
    std::vector<fs::path> out;
    for (const auto& entry : fs::directory_iterator(root, ec))
        if (entry.is_regular_file(ec) && entry.path().filename().string().ends_with("_feature_slice.h5")) out.push_back(entry.path());
    std::sort(out.begin(), out.end());
    return out;
}

// transform_matrices[key]: nine numbers, flat or as three rows (numpy's reshape(3, 3) takes both).
Matrix3 matrixOf(const JsonValue& matrices, const std::string& where, const char* key) {
    const std::string field = where + "transform_matrices." + key;
    const JsonValue* m = matrices.find(key);
    if (!m) throw DatasetError(field + ": missing");
    if (!m->isArray()) throw DatasetError(field + ": expected 9 numbers (a row-major 3 x 3 matrix)");
    std::vector<const JsonValue*> flat;
    for (const JsonValue& e : m->asArray()) {
        if (!e.isArray()) flat.push_back(&e);
        else
            for (const JsonValue& x : e.asArray()) flat.push_back(&x);
    }
    if (flat.size() != 9) throw DatasetError(field + ": has " + std::to_string(flat.size()) + " numbers, expected 9 (a row-major 3 x 3 matrix)");
    Matrix3 out{};
    for (std::size_t i = 0; i < 9; ++i) {
        if (!flat[i]->isNumber() || !std::isfinite(flat[i]->asNumber()))
            throw DatasetError(field + ": entry " + std::to_string(i) + " is not a finite number");
        out[i] = flat[i]->asNumber();
    }
    return out;
}

Matrix3 multiply(const Matrix3& a, const Matrix3& b) {
    Matrix3 out{};
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c)
            for (int k = 0; k < 3; ++k) out[r * 3 + c] += a[r * 3 + k] * b[k * 3 + c];
    return out;
}

bool singular(const Matrix3& p) {
    const double det = p[0] * (p[4] * p[8] - p[5] * p[7]) - p[1] * (p[3] * p[8] - p[5] * p[6]) + p[2] * (p[3] * p[7] - p[4] * p[6]);
    double bound = 1;
    for (int r = 0; r < 3; ++r) bound *= std::hypot(p[r * 3], p[r * 3 + 1], p[r * 3 + 2]);
    return !std::isfinite(det) || !(std::abs(det) > kSingularRatio * bound);
}

// metadata_json, the root attribute, parsed.
JsonValue readMetadata(const std::string& file) {
    std::optional<std::string> text;
    try {
        text = Hdf5File(file).attributeString("/", "metadata_json");
    } catch (const Hdf5Error& e) {
        throw DatasetError(e.what());
    }
    if (!text) throw DatasetError(file + ": metadata_json: missing (the root attribute that holds transform_matrices)");
    try {
        return parseJson(*text, file + ": metadata_json");
    } catch (const JsonError& e) {
        throw DatasetError(std::string(e.what()) + " (not valid JSON)");
    }
}

CytAssistPlacement placeByFeatureSlice(const fs::path& file, const std::string& image) {
    const std::string name = file.string();
    const JsonValue meta = readMetadata(name);
    const JsonValue* matrices = meta.find("transform_matrices");
    if (!matrices || !matrices->isObject()) throw DatasetError(name + ": metadata_json: transform_matrices: missing, or not an object");
    const std::string where = name + ": metadata_json: ";
    Matrix3 p = multiply(matrixOf(*matrices, where, kToMicroscope), matrixOf(*matrices, where, kFromCytAssist));
    const std::string field = where + "transform_matrices: " + kToMicroscope + " x " + kFromCytAssist;
    const double corner = p[8];
    if (!(std::abs(corner) > 0)) throw DatasetError(field + ": its [2][2] is 0, so it cannot be normalised");
    for (double& v : p) v /= corner;
    if (singular(p)) throw DatasetError(field + ": is singular (it maps the CytAssist image onto a line or a point)");
    if (std::abs(p[6]) > kAffineTolerance || std::abs(p[7]) > kAffineTolerance) {
        return notPlaced(image, file.filename().string() + "'s CytAssist-to-microscope transform is projective (its last row is " +
                                    text(p[6]) + ", " + text(p[7]) +
                                    ", 1), and data sets are placed by affine maps only; register it by landmarks instead");
    }
    const AffineTransform toMicroscope{{p[0], p[1], p[2], p[3], p[4], p[5]}};
    return {image, toMicroscope.inverse(), toMicroscope.meanScale(),
            "placed by the inverse of " + file.filename().string() + "'s CytAssist-to-microscope transform (affine)", name};
}

// A CytAssist-only Visium run: the CytAssist image is the full-resolution
// image exactly when tissue_hires_image.png is it scaled by tissue_hires_scalef.
CytAssistPlacement placeBySize(const fs::path& folder, const std::string& image) {
    const fs::path hires = folder / "spatial" / "tissue_hires_image.png";
    const fs::path factors = folder / "spatial" / "scalefactors_json.json";
    std::error_code ec;
    if (!fs::exists(hires, ec) || !fs::exists(factors, ec))
        return notPlaced(image, "no feature_slice.h5, and no tissue_hires_image.png with scalefactors_json.json to compare its size with");
    std::optional<double> scale;
    try {
        scale = readJsonFile(factors.string()).number("tissue_hires_scalef");
    } catch (const JsonError& e) {
        throw DatasetError(e.what());
    }
    if (!scale || !(*scale > 0)) return notPlaced(image, "no feature_slice.h5, and no tissue_hires_scalef in scalefactors_json.json");
    ImageInfo own, tissue;
    try {
        own = probeImage(image);
        tissue = probeImage(hires.string());
    } catch (const SlideError& e) {
        return notPlaced(image, std::string("cannot read the images' sizes: ") + e.what());
    }
    const double w = own.width * *scale, h = own.height * *scale;
    const std::string sizes = std::to_string(own.width) + " x " + std::to_string(own.height) + " px times tissue_hires_scalef " +
                              text(*scale) + " is " + text(w) + " x " + text(h) + ", ";
    const std::string hiresSize = std::to_string(tissue.width) + " x " + std::to_string(tissue.height);
    if (std::abs(w - tissue.width) <= 1 && std::abs(h - tissue.height) <= 1)
        return {image, AffineTransform{}, 1, "placed as the full-resolution image itself (no feature_slice.h5; its " + sizes + "tissue_hires_image.png's " + hiresSize + ")", {}};
    return notPlaced(image, "no feature_slice.h5, and its " + sizes + "not tissue_hires_image.png's " + hiresSize +
                                ", so it is not the full-resolution image; register it by landmarks instead");
}

}  // namespace

std::string cytAssistImageOf(const std::string& folder) {
    const fs::path image = fs::path(folder) / "spatial" / kCytAssistImageName;
    std::error_code ec;
    return fs::is_regular_file(image, ec) ? image.string() : std::string();
}

CytAssistPlacement placeCytAssistImage(const std::string& folder) {
    const std::string image = cytAssistImageOf(folder);
    if (image.empty()) return {};
    const auto slices = featureSliceFiles(outputRoot(folder));
    if (slices.size() > 1)
        return notPlaced(image, "several *_feature_slice.h5 in " + outputRoot(folder).string() + ", and which one belongs is not clear");
    if (slices.size() == 1) return placeByFeatureSlice(slices.front(), image);
    return placeBySize(folder, image);
}

}  // namespace hescape
