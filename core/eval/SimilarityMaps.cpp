// SimilarityMaps: plain loops; a section has at most a few hundred thousand
// spots and a map is one pass over them.
#include "core/eval/SimilarityMaps.h"

#include "core/io/Hdf5File.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

namespace hescape {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

double dot(const float* a, const float* b, std::int64_t n) {
    double s = 0;
    for (std::int64_t k = 0; k < n; ++k) s += static_cast<double>(a[k]) * b[k];
    return s;
}

double norm(const float* a, std::int64_t n) { return std::sqrt(dot(a, a, n)); }

}  // namespace

std::vector<std::string> RunEmbeddings::sections() const {
    std::vector<std::string> out;
    for (const auto& s : section)
        if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    return out;
}

EmbeddingPair readEmbeddingPair(const Hdf5File& f, const std::string& split) {
    const std::string g = "/embeddings/" + split;
    const auto shape = f.shape(g + "/image");
    if (shape.size() != 2 || f.shape(g + "/gene") != shape) throw Hdf5Error(f.where(g) + "image and gene must both be [n, dim]");
    EmbeddingPair p;
    p.rows = shape[0];
    p.dim = shape[1];
    p.image = f.readFloats(g + "/image");
    p.gene = f.readFloats(g + "/gene");
    for (const auto* v : {&p.image, &p.gene})
        for (const float x : *v)
            if (!std::isfinite(x)) throw Hdf5Error(f.where(g + (v == &p.image ? "/image" : "/gene")) + "holds a value that is not finite");
    return p;
}

void RunEmbeddings::append(const std::vector<std::string>& sections, const std::vector<std::string>& names,
                           const std::vector<float>& imageRows, const std::vector<float>& geneRows) {
    section.insert(section.end(), sections.begin(), sections.end());
    obsName.insert(obsName.end(), names.begin(), names.end());
    image.insert(image.end(), imageRows.begin(), imageRows.end());
    gene.insert(gene.end(), geneRows.begin(), geneRows.end());
}

RunEmbeddings readRunEmbeddings(const std::string& path) {
    const Hdf5File f(path);
    if (!f.isGroup("/embeddings")) throw Hdf5Error(f.where("/embeddings") + "is missing (not a run or embeddings file)");
    RunEmbeddings r;
    r.path = path;
    for (const auto& split : f.children("/embeddings")) {
        const std::string g = "/embeddings/" + split;
        const EmbeddingPair pair = readEmbeddingPair(f, split);
        if (r.dim == 0) r.dim = pair.dim;
        if (pair.dim != r.dim) throw Hdf5Error(f.where(g + "/image") + "has another dimension than the other splits");
        const auto section = f.readStrings(g + "/section");
        const auto names = f.readStrings(g + "/obs_name");
        if (static_cast<std::int64_t>(section.size()) != pair.rows || static_cast<std::int64_t>(names.size()) != pair.rows)
            throw Hdf5Error(f.where(g) + "section and obs_name must have one entry per row of image");
        r.append(section, names, pair.image, pair.gene);
    }
    if (r.section.empty()) throw Hdf5Error(f.where("/embeddings") + "holds no embeddings");
    return r;
}

std::vector<std::int64_t> matchObservations(const RunEmbeddings& run, const std::string& section,
                                            const std::vector<std::string>& obsNames) {
    std::unordered_map<std::string, std::int64_t> byName;
    const bool haveSection = std::find(run.section.begin(), run.section.end(), section) != run.section.end();
    bool unique = true;
    for (std::int64_t i = 0; i < run.rows(); ++i) {
        if (haveSection && run.section[static_cast<std::size_t>(i)] != section) continue;
        unique = byName.emplace(run.obsName[static_cast<std::size_t>(i)], i).second && unique;
    }
    std::vector<std::int64_t> rows(obsNames.size(), -1);
    if (!haveSection && !unique) return rows;  // names repeat across sections: no safe match
    for (std::size_t k = 0; k < obsNames.size(); ++k) {
        const auto it = byName.find(obsNames[k]);
        if (it != byName.end()) rows[k] = it->second;
    }
    return rows;
}

std::vector<float> alignmentMap(const RunEmbeddings& run, const std::vector<std::int64_t>& rows) {
    std::vector<float> out(rows.size(), kNaN);
    for (std::size_t k = 0; k < rows.size(); ++k) {
        if (rows[k] < 0) continue;
        const float* a = run.image.data() + rows[k] * run.dim;
        const float* b = run.gene.data() + rows[k] * run.dim;
        const double n = norm(a, run.dim) * norm(b, run.dim);
        out[k] = n > 0 ? static_cast<float>(dot(a, b, run.dim) / n) : kNaN;
    }
    return out;
}

std::vector<float> queryMap(const RunEmbeddings& run, const std::vector<std::int64_t>& rows, std::int64_t queryObs, bool imageToGene) {
    if (queryObs < 0 || queryObs >= static_cast<std::int64_t>(rows.size())) return std::vector<float>(rows.size(), kNaN);
    return queryRowMap(run, rows, rows[static_cast<std::size_t>(queryObs)], imageToGene);
}

std::vector<float> queryRowMap(const RunEmbeddings& run, const std::vector<std::int64_t>& rows, std::int64_t queryRow, bool imageToGene) {
    std::vector<float> out(rows.size(), kNaN);
    if (queryRow < 0 || queryRow >= run.rows()) return out;
    const auto& from = imageToGene ? run.image : run.gene;
    const auto& to = imageToGene ? run.gene : run.image;
    const float* q = from.data() + queryRow * run.dim;
    const double qn = norm(q, run.dim);
    for (std::size_t k = 0; k < rows.size(); ++k) {
        if (rows[k] < 0 || rows[k] >= run.rows()) continue;
        const float* c = to.data() + rows[k] * run.dim;
        const double n = qn * norm(c, run.dim);
        out[k] = n > 0 ? static_cast<float>(dot(q, c, run.dim) / n) : kNaN;
    }
    return out;
}

std::vector<float> geneDirectionMap(const RunEmbeddings& run, const std::vector<std::int64_t>& rows,
                                    const std::vector<float>& expression, double quantile) {
    std::vector<float> out(rows.size(), kNaN);
    if (expression.size() != rows.size()) return out;
    std::vector<float> matched;
    for (std::size_t k = 0; k < rows.size(); ++k)
        if (rows[k] >= 0 && std::isfinite(expression[k])) matched.push_back(expression[k]);
    if (matched.size() < 2) return out;
    std::sort(matched.begin(), matched.end());
    const float cut = matched[std::min(matched.size() - 1, static_cast<std::size_t>(quantile * static_cast<double>(matched.size())))];
    std::vector<double> high(static_cast<std::size_t>(run.dim), 0.0), all(static_cast<std::size_t>(run.dim), 0.0);
    std::int64_t nHigh = 0, nAll = 0;
    for (std::size_t k = 0; k < rows.size(); ++k) {
        if (rows[k] < 0 || !std::isfinite(expression[k])) continue;
        const float* g = run.gene.data() + rows[k] * run.dim;
        const bool isHigh = expression[k] >= cut && expression[k] > matched.front();
        for (std::int64_t d = 0; d < run.dim; ++d) {
            all[static_cast<std::size_t>(d)] += g[d];
            if (isHigh) high[static_cast<std::size_t>(d)] += g[d];
        }
        nHigh += isHigh;
        ++nAll;
    }
    if (nHigh == 0 || nHigh == nAll) return out;  // the gene does not vary here
    std::vector<float> direction(static_cast<std::size_t>(run.dim));
    for (std::size_t d = 0; d < direction.size(); ++d)
        direction[d] = static_cast<float>(high[d] / static_cast<double>(nHigh) - all[d] / static_cast<double>(nAll));
    const double dn = norm(direction.data(), run.dim);
    if (dn == 0) return out;
    for (std::size_t k = 0; k < rows.size(); ++k) {
        if (rows[k] < 0) continue;
        const float* im = run.image.data() + rows[k] * run.dim;
        const double n = norm(im, run.dim) * dn;
        out[k] = n > 0 ? static_cast<float>(dot(im, direction.data(), run.dim) / n) : kNaN;
    }
    return out;
}

std::vector<std::int64_t> topK(const std::vector<float>& values, int k) {
    std::vector<std::int64_t> idx;
    for (std::size_t i = 0; i < values.size(); ++i)
        if (std::isfinite(values[i])) idx.push_back(static_cast<std::int64_t>(i));
    const auto n = std::min<std::size_t>(idx.size(), static_cast<std::size_t>(std::max(0, k)));
    std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(n), idx.end(), [&](std::int64_t a, std::int64_t b) {
        return values[static_cast<std::size_t>(a)] > values[static_cast<std::size_t>(b)] ||
               (values[static_cast<std::size_t>(a)] == values[static_cast<std::size_t>(b)] && a < b);
    });
    idx.resize(n);
    return idx;
}

std::vector<std::int64_t> observationsOfRows(const std::vector<std::int64_t>& rowOfObs, const std::vector<std::int64_t>& rows,
                                             std::int64_t runRows) {
    std::vector<char> chosen(static_cast<std::size_t>(std::max<std::int64_t>(0, runRows)), 0);
    for (const auto r : rows)
        if (r >= 0 && r < runRows) chosen[static_cast<std::size_t>(r)] = 1;
    std::vector<std::int64_t> obs;
    for (std::size_t i = 0; i < rowOfObs.size(); ++i)
        if (rowOfObs[i] >= 0 && rowOfObs[i] < runRows && chosen[static_cast<std::size_t>(rowOfObs[i])]) obs.push_back(static_cast<std::int64_t>(i));
    return obs;
}

}  // namespace hescape
