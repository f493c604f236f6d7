// SpatialDataset: the one data model every reader produces and every view and
// the engine consume — observations (spots or cells) x genes, with their
// coordinates, annotations (obs columns) and embeddings (obsm).
#pragma once

#include "core/spatial/AffineTransform.h"
#include "core/spatial/ExpressionMatrix.h"

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace hescape {

// Every reader failure: the message names the file, the field and what was wrong.
class DatasetError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ObsColumn {
    enum class Kind { Numeric, String, Categorical };
    std::string name;
    Kind kind = Kind::Numeric;
    std::vector<double> numbers;          // Numeric (NaN for missing)
    std::vector<std::string> strings;     // String
    std::vector<std::int32_t> codes;      // Categorical (-1 = missing)
    std::vector<std::string> categories;  // Categorical
    bool ordered = false;

    std::size_t size() const;
    // The value of row i as text ("" for missing).
    std::string text(std::size_t i) const;
};

struct Embedding {
    std::int64_t rows = 0;
    std::int64_t dims = 0;
    std::vector<float> values;  // row-major
};

struct Point2 {
    double x = 0;
    double y = 0;
};

// How an observation is drawn: a round spot or cell, or a square bin (Visium HD).
enum class SpotShape { Circle, Square };

// The key of an image in SpatialDataset::toImages: its absolute, lexically
// normal path without a trailing '/'.
std::string imagePathKey(const std::string& path);

class SpatialDataset {
public:
    std::string source;  // the file or folder it was read from
    std::string format;  // "h5ad", "visium", "visium_hd", "xenium", "st"

    std::vector<std::string> obsNames;
    std::vector<std::string> geneNames;
    std::vector<std::string> geneIds;  // may be empty
    ExpressionMatrix expression;
    std::optional<ExpressionMatrix> rawCounts;  // layers/counts when present

    std::vector<ObsColumn> obs;
    std::map<std::string, Embedding> obsm;

    std::vector<Point2> coordinates;  // in dataset units (see coordinateUnits)
    std::string coordinateUnits = "pixels";
    std::optional<double> spotDiameter;  // in dataset units, where the format knows it (a square's side)
    SpotShape spotShape = SpotShape::Circle;
    std::optional<Point2> gridAxis;  // squares: the direction of their columns (a unit vector, dataset units)
    std::map<std::string, double> metadata;  // e.g. Visium scale factors, Xenium pixel size
    // Dataset coordinates -> slide level-0 pixels (the one place the mapping lives).
    AffineTransform toSlide;
    // Formats with several images (SpatialData stores, a Visium folder's
    // CytAssist image): the map onto each one's level-0 pixels, by the
    // image's imagePathKey().
    std::map<std::string, AffineTransform> toImages;
    // By the same key: how the map onto an image in toImages was found, or
    // why an image of the data set has none (then it is not in toImages).
    std::map<std::string, std::string> imageNotes;

    std::int64_t observationCount() const { return static_cast<std::int64_t>(obsNames.size()); }
    std::int64_t geneCount() const { return static_cast<std::int64_t>(geneNames.size()); }

    // Index of a gene by name (or id); empty when absent.
    std::optional<std::int64_t> geneIndex(const std::string& nameOrId) const;
    const ObsColumn* obsColumn(const std::string& name) const;

    // Checks lengths across all parts; throws DatasetError naming `source`.
    void validate() const;

private:
    mutable std::unordered_map<std::string, std::int64_t> geneLookup_;
};

}  // namespace hescape
