// Shared by the core/embedding tests: synthetic embeddings (a seeded mixture
// of Gaussians), raw float32 files for the Python side, and a call of
// embedding_reference.py that returns its JSON answer.
#pragma once

#include <QFile>
#include <QJsonDocument>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace hescape::test {

// n points in `dim` dimensions around `clusters` random centres (spread
// `centreScale`), unit noise; row-major.
inline std::vector<float> gaussianMixture(std::int64_t n, std::int64_t dim, int clusters, double centreScale, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> normal;
    std::vector<double> centres(static_cast<std::size_t>(clusters * dim));
    for (auto& c : centres) c = centreScale * normal(rng);
    std::vector<float> x(static_cast<std::size_t>(n * dim));
    for (std::int64_t i = 0; i < n; ++i) {
        const auto c = static_cast<std::int64_t>(i % clusters);
        for (std::int64_t t = 0; t < dim; ++t)
            x[static_cast<std::size_t>(i * dim + t)] = static_cast<float>(centres[static_cast<std::size_t>(c * dim + t)] + normal(rng));
    }
    return x;
}

inline bool writeRaw(const QString& path, const std::vector<float>& v) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return false;
    const auto bytes = static_cast<qint64>(v.size() * sizeof(float));
    return f.write(reinterpret_cast<const char*>(v.data()), bytes) == bytes;
}

inline std::vector<float> readRaw(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) throw std::runtime_error("cannot read " + path.toStdString());
    const QByteArray all = f.readAll();
    std::vector<float> v(static_cast<std::size_t>(all.size()) / sizeof(float));
    std::memcpy(v.data(), all.constData(), v.size() * sizeof(float));
    return v;
}

// Runs embedding_reference.py with `args`; throws with its stderr on failure.
inline QJsonDocument embeddingReference(const QStringList& args, int timeoutMs = 280000) {
    QProcess p;
    p.start(QStringLiteral(HESCAPE_TEST_PYTHON),
            QStringList{QStringLiteral(HESCAPE_SOURCE_DIR "/tests/core/embedding/embedding_reference.py")} + args);
    if (!p.waitForFinished(timeoutMs) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        throw std::runtime_error("embedding_reference.py " + args.join(' ').toStdString() + " failed: " +
                                 p.readAllStandardError().toStdString());
    QJsonParseError error{};
    const auto doc = QJsonDocument::fromJson(p.readAllStandardOutput(), &error);
    if (error.error != QJsonParseError::NoError) throw std::runtime_error("embedding_reference.py printed no JSON");
    return doc;
}

}  // namespace hescape::test
