// Prints format, levels, dimensions, microns per pixel, associated images
// and every property of a slide, as text or JSON.
#include "app/cli/InfoCommand.h"

#include "core/io/JsonWriter.h"
#include "core/slide/Slide.h"
#include "core/spatial/DatasetOpener.h"
#include "core/spatial/HestSample.h"
#include "core/spatial/SpatialDataStore.h"
#include "core/spatial/VisiumFolder.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>

namespace hescape::cli {

namespace {

std::string hexColour(const Rgb8& c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c[0], c[1], c[2]);
    return buf;
}

void printText(const Slide& s) {
    std::cout << "file: " << s.path() << "\n"
              << "format: " << s.format() << "\n"
              << "dimensions: " << s.width() << " x " << s.height() << " px\n"
              << "levels: " << s.levelCount() << "\n";
    for (int i = 0; i < s.levelCount(); ++i) {
        const auto& lv = s.level(i);
        std::cout << "  level " << i << ": " << lv.width << " x " << lv.height << " px, downsample " << lv.downsample
                  << "\n";
    }
    if (const auto mpp = s.micronsPerPixel()) {
        std::cout << "microns per pixel: " << mpp->x << " x " << mpp->y << "\n";
        if (!s.micronsPerPixelSource().empty()) std::cout << "microns per pixel from: " << s.micronsPerPixelSource() << "\n";
    } else {
        std::cout << "microns per pixel: unknown (not recorded in the file)\n";
    }
    if (const auto display = s.channelDisplay()) {
        const auto settings = display->settings();
        std::cout << "channels: " << display->channels().size() << "\n";
        for (std::size_t c = 0; c < settings.size(); ++c) {
            const auto& ch = display->channels()[c];
            const auto& d = settings[c];
            std::cout << "  channel " << c << ": " << ch.name << ", " << ch.bitsPerSample << "-bit, colour " << hexColour(d.colour)
                      << ", automatic window " << ch.autoLow << " - " << ch.autoHigh << "\n";
        }
    } else {
        std::cout << "channels: RGB\n";
    }
    if (const auto p = s.objectivePower()) std::cout << "objective power: " << *p << "x\n";
    else std::cout << "objective power: unknown\n";
    const auto names = s.associatedImageNames();
    std::cout << "associated images:";
    if (names.empty()) std::cout << " none";
    for (const auto& n : names) std::cout << " " << n;
    std::cout << "\nproperties: " << s.properties().size() << "\n";
    for (const auto& [k, v] : s.properties()) std::cout << "  " << k << " = " << v << "\n";
}

void printJson(const Slide& s) {
    std::cout << "{\n  \"file\": " << jsonString(s.path()) << ",\n  \"format\": " << jsonString(s.format())
              << ",\n  \"width\": " << s.width() << ",\n  \"height\": " << s.height() << ",\n  \"levels\": [";
    for (int i = 0; i < s.levelCount(); ++i) {
        const auto& lv = s.level(i);
        std::cout << (i ? ", " : "") << "{\"width\": " << lv.width << ", \"height\": " << lv.height
                  << ", \"downsample\": " << jsonNumber(lv.downsample) << "}";
    }
    std::cout << "],\n  \"mpp\": ";
    if (const auto mpp = s.micronsPerPixel()) {
        std::cout << "{\"x\": " << jsonNumber(mpp->x) << ", \"y\": " << jsonNumber(mpp->y)
                  << ", \"source\": " << jsonString(s.micronsPerPixelSource()) << "}";
    } else {
        std::cout << "null";
    }
    std::cout << ",\n  \"channels\": ";
    if (const auto display = s.channelDisplay()) {
        const auto settings = display->settings();
        std::cout << "[";
        for (std::size_t c = 0; c < settings.size(); ++c) {
            const auto& ch = display->channels()[c];
            std::cout << (c ? ", " : "") << "{\"name\": " << jsonString(ch.name) << ", \"bits\": " << ch.bitsPerSample
                      << ", \"colour\": " << jsonString(hexColour(settings[c].colour)) << ", \"auto_low\": "
                      << jsonNumber(ch.autoLow) << ", \"auto_high\": " << jsonNumber(ch.autoHigh) << "}";
        }
        std::cout << "]";
    } else {
        std::cout << "null";
    }
    std::cout << ",\n  \"objective_power\": ";
    if (const auto p = s.objectivePower()) std::cout << jsonNumber(*p);
    else std::cout << "null";
    std::cout << ",\n  \"associated_images\": [";
    const auto names = s.associatedImageNames();
    for (std::size_t i = 0; i < names.size(); ++i) std::cout << (i ? ", " : "") << jsonString(names[i]);
    std::cout << "],\n  \"properties\": {";
    bool first = true;
    for (const auto& [k, v] : s.properties()) {
        std::cout << (first ? "\n    " : ",\n    ") << jsonString(k) << ": " << jsonString(v);
        first = false;
    }
    std::cout << (first ? "" : "\n  ") << "}\n}\n";
}

const char* layoutName(MatrixLayout l) {
    switch (l) {
        case MatrixLayout::Dense: return "dense";
        case MatrixLayout::Csr: return "csr";
        case MatrixLayout::Csc: return "csc";
    }
    return "?";
}

const char* kindName(ObsColumn::Kind k) {
    switch (k) {
        case ObsColumn::Kind::Numeric: return "numeric";
        case ObsColumn::Kind::String: return "string";
        case ObsColumn::Kind::Categorical: return "categorical";
    }
    return "?";
}

struct Range {
    double x0 = 0, x1 = 0, y0 = 0, y1 = 0;
};

Range coordinateRange(const SpatialDataset& d) {
    Range r;
    if (d.coordinates.empty()) return r;
    r.x0 = r.x1 = d.coordinates[0].x;
    r.y0 = r.y1 = d.coordinates[0].y;
    for (const auto& p : d.coordinates) {
        r.x0 = std::min(r.x0, p.x);
        r.x1 = std::max(r.x1, p.x);
        r.y0 = std::min(r.y0, p.y);
        r.y1 = std::max(r.y1, p.y);
    }
    return r;
}

// A Visium folder's images that can be the slide, and how the spots are
// placed on each (the CytAssist image: or why they are not).
void printVisiumImages(const SpatialDataset& d) {
    const auto images = visiumSlideImages(d);
    if (images.empty()) return;
    std::cout << "images:\n";
    for (const auto& i : images) std::cout << "  " << i.name << ": " << i.path << "\n    " << i.note << '\n';
}

// Gene names given to more than one column: a lookup by name finds the first.
std::vector<std::string> duplicateGeneNames(const SpatialDataset& d) {
    std::map<std::string, int> count;
    for (const auto& g : d.geneNames) ++count[g];
    std::vector<std::string> out;
    for (const auto& [g, n] : count)
        if (n > 1) out.push_back(g);
    return out;
}

// What X holds: counts, other non-negative values, or values that cannot be counts.
std::string valuesText(const SpatialDataset& d, const ExpressionMatrix::ValueSummary& v) {
    if (v.negative > 0) {
        const auto r = static_cast<std::size_t>(v.negativeRow), c = static_cast<std::size_t>(v.negativeCol);
        return std::to_string(v.negative) + " negative values (min " + std::to_string(v.min) + ", first at observation " + d.obsNames[r] +
               ", gene " + d.geneNames[c] + "): not counts; training needs the raw counts";
    }
    return d.expression.integerValued() ? "integer counts" : "non-negative non-integer values";
}

void printDatasetText(const SpatialDataset& d) {
    const Range r = coordinateRange(d);
    std::cout << "source: " << d.source << '\n'
              << "format: " << d.format << '\n'
              << "observations: " << d.observationCount() << '\n'
              << "genes: " << d.geneCount() << '\n'
              << "matrix: " << layoutName(d.expression.layout()) << ", " << d.expression.storedValues()
              << " stored values, " << valuesText(d, d.expression.summariseValues()) << '\n'
              << "raw counts layer: " << (d.rawCounts ? "yes" : "no") << '\n'
              << "coordinates (" << d.coordinateUnits << "): x " << r.x0 << " .. " << r.x1 << ", y " << r.y0
              << " .. " << r.y1 << '\n'
              << "spot diameter: ";
    if (d.spotDiameter)
        std::cout << *d.spotDiameter << ' ' << d.coordinateUnits << (d.spotShape == SpotShape::Square ? " (square bins)" : "") << '\n';
    else std::cout << "unknown\n";
    if (const auto bin = d.metadata.find("bin_size_um"); bin != d.metadata.end()) std::cout << "bin size: " << bin->second << " um\n";
    if (const auto mpp = d.metadata.find("microns_per_pixel"); mpp != d.metadata.end()) {
        const bool derived = d.metadata.count("microns_per_pixel_derived") > 0;
        std::cout << "microns per pixel (full resolution): " << mpp->second
                  << (derived ? " (derived: 55 um Visium spot / spot_diameter_fullres)" : " (recorded)") << '\n';
    }
    printVisiumImages(d);
    std::cout << "obs columns: " << d.obs.size() << '\n';
    for (const auto& c : d.obs) {
        std::cout << "  " << c.name << " (" << kindName(c.kind);
        if (c.kind == ObsColumn::Kind::Categorical) std::cout << ", " << c.categories.size() << " categories";
        std::cout << ")\n";
    }
    std::cout << "embeddings: " << d.obsm.size() << '\n';
    for (const auto& [name, e] : d.obsm) std::cout << "  " << name << " (" << e.rows << " x " << e.dims << ")\n";
    if (const auto dup = duplicateGeneNames(d); !dup.empty())
        std::cout << "warning: " << dup.size() << " gene names are shared by several columns (e.g. " << dup.front()
                  << "); a gene chosen by name is its first column, choose by gene id where there are ids\n";
}

void printDatasetJson(const SpatialDataset& d) {
    const Range r = coordinateRange(d);
    std::cout << "{\n  \"source\": " << jsonString(d.source) << ",\n  \"format\": " << jsonString(d.format)
              << ",\n  \"observations\": " << d.observationCount() << ",\n  \"genes\": " << d.geneCount()
              << ",\n  \"matrix\": {\"layout\": " << jsonString(layoutName(d.expression.layout()))
              << ", \"stored_values\": " << d.expression.storedValues()
              << ", \"integer\": " << (d.expression.integerValued() ? "true" : "false")
              << ", \"negative_values\": " << d.expression.summariseValues().negative << "}"
              << ",\n  \"duplicate_gene_names\": " << duplicateGeneNames(d).size()
              << ",\n  \"raw_counts\": " << (d.rawCounts ? "true" : "false")
              << ",\n  \"coordinates\": {\"units\": " << jsonString(d.coordinateUnits) << ", \"x\": ["
              << jsonNumber(r.x0) << ", " << jsonNumber(r.x1) << "], \"y\": [" << jsonNumber(r.y0) << ", "
              << jsonNumber(r.y1) << "]}"
              << ",\n  \"spot_diameter\": " << (d.spotDiameter ? jsonNumber(*d.spotDiameter) : "null")
              << ",\n  \"spot_shape\": " << jsonString(d.spotShape == SpotShape::Square ? "square" : "circle")
              << ",\n  \"metadata\": {";
    bool firstMeta = true;
    for (const auto& [key, value] : d.metadata) {
        std::cout << (firstMeta ? "" : ", ") << jsonString(key) << ": " << jsonNumber(value);
        firstMeta = false;
    }
    std::cout << "},\n  \"obs\": [";
    for (std::size_t i = 0; i < d.obs.size(); ++i) {
        const auto& c = d.obs[i];
        std::cout << (i ? ", " : "") << "{\"name\": " << jsonString(c.name) << ", \"kind\": " << jsonString(kindName(c.kind));
        if (c.kind == ObsColumn::Kind::Categorical) std::cout << ", \"categories\": " << c.categories.size();
        std::cout << "}";
    }
    std::cout << "],\n  \"embeddings\": {";
    bool first = true;
    for (const auto& [name, e] : d.obsm) {
        std::cout << (first ? "" : ", ") << jsonString(name) << ": [" << e.rows << ", " << e.dims << "]";
        first = false;
    }
    // A Visium folder's images that can be the slide (as in the text output).
    std::cout << "},\n  \"images\": [";
    const auto images = visiumSlideImages(d);
    for (std::size_t i = 0; i < images.size(); ++i)
        std::cout << (i ? ", " : "") << "{\"name\": " << jsonString(images[i].name) << ", \"path\": " << jsonString(images[i].path)
                  << ", \"placed\": " << (images[i].placed ? "true" : "false") << ", \"note\": " << jsonString(images[i].note) << "}";
    std::cout << "]\n}\n";
}

// A HEST-1k folder: its samples first (the data set printed after them is the first sample's).
void printHestSamples(const std::string& folder) {
    const auto ids = hestSampleIds(folder);
    std::cout << "HEST-1k folder: " << ids.size() << " sample(s)\n";
    for (const auto& id : ids) {
        const HestSample s = readHestSample(folder, id);
        std::cout << "  " << id << ": " << (s.technology.empty() ? "?" : s.technology) << ", pixel size "
                  << (s.pixelSize ? std::to_string(*s.pixelSize) + " um (estimated)" : std::string("unknown"))
                  << (s.patches.empty() ? "" : ", patches") << (s.patient.empty() ? "" : ", patient " + s.patient) << '\n';
    }
    if (!ids.empty()) std::cout << "first sample's data set:\n";
}

// A SpatialData store: its elements and coordinate systems (damaged ones with their error).
void printSpatialDataElements(const std::string& path) {
    const SpatialDataListing l = listSpatialDataStore(path);
    std::cout << "SpatialData store (Zarr v" << l.zarrFormat << (l.version.empty() ? "" : ", format " + l.version) << "): "
              << l.elements.size() << " element(s)\n";
    for (const auto& e : l.elements) {
        std::cout << "  " << e.kind << "/" << e.name << ": " << (e.error.empty() ? e.detail : "unreadable: " + e.error);
        for (const auto& t : e.transforms) std::cout << " [-> " << t.coordinateSystem << "]";
        std::cout << '\n';
    }
    std::cout << "coordinate systems:";
    for (const auto& c : l.coordinateSystems) std::cout << ' ' << c;
    std::cout << "\nthe table as a data set:\n";
}

}  // namespace

int runInfo(const std::vector<std::string>& args) {
    bool json = false;
    std::string path;
    for (const auto& a : args) {
        if (a == "--json") json = true;
        else if (a == "-h" || a == "--help") {
            std::cout << "usage: hescape info SLIDE|DATASET [--json]\n\n"
                         "For a slide: format, pyramid levels, dimensions, microns per pixel,\n"
                         "objective power, associated images and all properties.\n"
                         "For a spatial data set (.h5ad, Visium, Visium HD, Xenium or HEST-1k folder, SpatialData .zarr,\n"
                         "ST *_counts.tsv.gz):\n"
                         "observations, genes, matrix format, obs columns, coordinate range, spot size and\n"
                         "shape, bin size and pixel size where the format records them, embeddings.\n";
            return 0;
        } else if (!a.empty() && a[0] == '-') {
            std::cerr << "hescape info: unknown option '" << a << "'\n";
            return 2;
        } else if (path.empty()) path = a;
        else {
            std::cerr << "hescape info: only one file at a time ('" << a << "' is extra)\n";
            return 2;
        }
    }
    if (path.empty()) {
        std::cerr << "usage: hescape info SLIDE|DATASET [--json]\n";
        return 2;
    }
    try {
        if (isHestFolder(path)) printHestSamples(path);
        if (isSpatialDataStore(path)) printSpatialDataElements(path);
        if (!detectDatasetFormat(path).empty()) {
            const SpatialDataset dataset = openSpatialDataset(path);
            if (json) printDatasetJson(dataset);
            else printDatasetText(dataset);
            return 0;
        }
        const std::unique_ptr<Slide> slide = openSlide(path);
        applyCompanionPixelSize(*slide);  // Xenium's experiment.xenium, Visium's scale factors
        if (json) printJson(*slide);
        else printText(*slide);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "hescape info: error: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace hescape::cli
