// SessionFile: QJsonDocument in and out; every field is checked for its type
// and range on reading, so restoring never starts on a half-valid session.
#include "app/studio/SessionFile.h"

#include "app/studio/model/SessionNames.h"
#include "core/render/Colormap.h"
#include "core/spatial/ExpressionValues.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QColor>

#include <algorithm>
#include <cmath>

namespace hescape {

namespace {

constexpr int kFormatVersion = 1;

QJsonValue pathValue(const QString& path, const QDir& base) {
    if (path.isEmpty()) return QJsonValue();
    const QString abs = QFileInfo(path).absoluteFilePath();
    return QJsonObject{{"relative", base.relativeFilePath(abs)}, {"absolute", abs}};
}

QJsonArray pointArray(const Point2& p) { return QJsonArray{p.x, p.y}; }

// Reads fields of one JSON object and names the file and the field in errors.
class FieldReader {
public:
    FieldReader(QString file, QString where, QJsonObject o) : file_(std::move(file)), where_(std::move(where)), o_(std::move(o)) {}

    [[noreturn]] void fail(const QString& key, const QString& what) const {
        throw SessionError(QStringLiteral("%1: field %2: %3").arg(file_, name(key), what).toStdString());
    }
    QString name(const QString& key) const { return where_.isEmpty() ? key : where_ + QLatin1Char('.') + key; }
    bool has(const QString& key) const { return o_.contains(key) && !o_.value(key).isNull(); }

    QString string(const QString& key, const QString& fallback = {}) const {
        if (!has(key)) return fallback;
        if (!o_.value(key).isString()) fail(key, QStringLiteral("expected a string"));
        return o_.value(key).toString();
    }
    bool boolean(const QString& key, bool fallback) const {
        if (!has(key)) return fallback;
        if (!o_.value(key).isBool()) fail(key, QStringLiteral("expected true or false"));
        return o_.value(key).toBool();
    }
    double number(const QString& key, double fallback) const {
        if (!has(key)) return fallback;
        if (!o_.value(key).isDouble() || !std::isfinite(o_.value(key).toDouble())) fail(key, QStringLiteral("expected a finite number"));
        return o_.value(key).toDouble();
    }
    qint64 integer(const QString& key, qint64 fallback, qint64 lo) const {
        const double v = number(key, static_cast<double>(fallback));
        if (v != std::floor(v) || v < static_cast<double>(lo) || v > 9.0e15) fail(key, QStringLiteral("expected an integer >= %1").arg(lo));
        return static_cast<qint64>(v);
    }
    QStringList strings(const QString& key) const {
        QStringList out;
        if (!has(key)) return out;
        if (!o_.value(key).isArray()) fail(key, QStringLiteral("expected an array of strings"));
        for (const auto& v : o_.value(key).toArray()) {
            if (!v.isString()) fail(key, QStringLiteral("expected an array of strings"));
            out << v.toString();
        }
        return out;
    }
    QJsonArray array(const QString& key) const {
        if (!has(key)) return {};
        if (!o_.value(key).isArray()) fail(key, QStringLiteral("expected an array"));
        return o_.value(key).toArray();
    }
    FieldReader object(const QString& key) const {
        if (has(key) && !o_.value(key).isObject()) fail(key, QStringLiteral("expected an object"));
        return FieldReader(file_, name(key), o_.value(key).toObject());
    }
    Point2 point(const QJsonValue& v, const QString& key) const {
        const QJsonArray a = v.toArray();
        if (!v.isArray() || a.size() != 2 || !a[0].isDouble() || !a[1].isDouble() || !std::isfinite(a[0].toDouble()) ||
            !std::isfinite(a[1].toDouble()))
            fail(key, QStringLiteral("expected [x, y] with finite numbers"));
        return {a[0].toDouble(), a[1].toDouble()};
    }
    // A path written by pathValue: the relative one when it exists (the
    // folder moved with the session), else the absolute one.
    QString path(const QString& key, const QDir& base) const {
        if (!has(key)) return {};
        const FieldReader p = object(key);
        const QString rel = p.string(QStringLiteral("relative"));
        const QString abs = p.string(QStringLiteral("absolute"));
        if (rel.isEmpty() && abs.isEmpty()) fail(key, QStringLiteral("names no file"));
        if (!rel.isEmpty() && QFileInfo::exists(base.absoluteFilePath(rel))) return QFileInfo(base.absoluteFilePath(rel)).absoluteFilePath();
        return abs.isEmpty() ? base.absoluteFilePath(rel) : abs;
    }
    const QJsonObject& json() const { return o_; }

private:
    QString file_, where_;
    QJsonObject o_;
};

void checkOneOf(const FieldReader& r, const QString& key, const QString& value, const QStringList& allowed) {
    if (!allowed.contains(value)) r.fail(key, QStringLiteral("\"%1\" is not one of %2").arg(value, allowed.join(QStringLiteral(", "))));
}

// Windows are checked against each channel's sample range when applied
// (ChannelsDock::applySettings): only the slide knows its bit depth.
std::vector<ChannelDisplay> readChannels(const FieldReader& r) {
    std::vector<ChannelDisplay> out;
    const QJsonArray list = r.array(QStringLiteral("channels"));
    for (int i = 0; i < list.size(); ++i) {
        const QString key = QStringLiteral("channels[%1]").arg(i);
        if (!list[i].isObject()) r.fail(key, QStringLiteral("expected an object"));
        ChannelDisplay d;
        const auto fail = [&](const QString& what) { r.fail(key, what); };
        const QJsonObject o = list[i].toObject();
        if (o.contains("visible") && !o.value("visible").isBool()) fail(QStringLiteral("visible: expected true or false"));
        d.visible = o.value("visible").toBool(true);
        const QColor colour(o.value("colour").toString());
        if (!o.value("colour").isString() || !colour.isValid()) fail(QStringLiteral("colour: expected \"#rrggbb\""));
        d.colour = {static_cast<std::uint8_t>(colour.red()), static_cast<std::uint8_t>(colour.green()), static_cast<std::uint8_t>(colour.blue())};
        for (auto [name, value] : {std::pair{"low", &d.low}, std::pair{"high", &d.high}, std::pair{"gamma", &d.gamma}}) {
            if (!o.value(name).isDouble() || !std::isfinite(o.value(name).toDouble())) fail(QStringLiteral("%1: expected a finite number").arg(name));
            *value = o.value(name).toDouble();
        }
        if (!(d.high > d.low)) fail(QStringLiteral("expected low < high"));
        if (!(d.gamma > 0)) fail(QStringLiteral("gamma: expected a positive number"));
        out.push_back(d);
    }
    return out;
}

}  // namespace

void writeSession(const QString& path, const Session& s) {
    const QDir base = QFileInfo(path).absoluteDir();
    QJsonObject o;
    o["hescape_session"] = kFormatVersion;
    o["slide"] = pathValue(s.slide, base);
    o["dataset"] = pathValue(s.dataset, base);
    o["run"] = pathValue(s.run, base);
    if (s.registration) {
        QJsonArray pairs;
        for (const auto& p : s.registration->landmarks)
            pairs.append(QJsonObject{{"dataset", pointArray(p.dataset)}, {"slide", pointArray(p.slide)}});
        QJsonArray m;
        for (const double v : s.registration->transform.m) m.append(v);
        o["registration"] = QJsonObject{{"transform", m}, {"landmarks", pairs}, {"slide", QString::fromStdString(s.registration->slide)}};
    }
    const SessionColoring& c = s.coloring;
    o["coloring"] = QJsonObject{{"source", c.source},       {"genes", QJsonArray::fromStringList(c.genes)},
                                {"annotation", c.annotation}, {"normalisation", c.normalisation},
                                {"colormap", c.colormap},     {"auto_range", c.autoRange},
                                {"vmin", c.vmin},             {"vmax", c.vmax},
                                {"outline", c.outline}};
    o["layers"] = QJsonObject{{"slide", QJsonObject{{"visible", s.slideLayer.visible}, {"opacity", s.slideLayer.opacity}}},
                              {"spots", QJsonObject{{"visible", s.spotsLayer.visible}, {"opacity", s.spotsLayer.opacity}}}};
    o["similarity_map"] = QJsonObject{{"mode", s.similarityMap}, {"gene", s.similarityGene}, {"query", s.queryObservation}};
    QJsonArray selection;
    for (const qint64 i : s.selection) selection.append(i);
    o["selection"] = selection;
    o["embedding"] = QJsonObject{{"method", s.embedding.method},
                                 {"points", s.embedding.points},
                                 {"dims", s.embedding.dims},
                                 {"color_by", s.embedding.colorBy},
                                 {"seed", static_cast<double>(s.embedding.seed)}};
    o["view"] = QJsonObject{{"center", QJsonArray{s.viewCenter.x(), s.viewCenter.y()}},
                            {"downsample", s.viewDownsample},
                            {"minimap", s.minimap},
                            {"scale_bar", s.scaleBar}};

    QJsonArray channels;
    for (const ChannelDisplay& d : s.channels) {
        channels.append(QJsonObject{{"visible", d.visible},
                                    {"colour", QColor(d.colour[0], d.colour[1], d.colour[2]).name()},
                                    {"low", d.low},
                                    {"high", d.high},
                                    {"gamma", d.gamma}});
    }
    if (!channels.isEmpty()) o["channels"] = channels;

    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) throw SessionError(QStringLiteral("%1: cannot write: %2").arg(path, f.errorString()).toStdString());
    f.write(QJsonDocument(o).toJson(QJsonDocument::Indented));
    if (!f.commit()) throw SessionError(QStringLiteral("%1: cannot write: %2").arg(path, f.errorString()).toStdString());
}

Session readSession(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) throw SessionError(QStringLiteral("%1: cannot read: %2").arg(path, f.errorString()).toStdString());
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &err);
    if (err.error != QJsonParseError::NoError)
        throw SessionError(QStringLiteral("%1: not valid JSON at byte %2: %3").arg(path).arg(err.offset).arg(err.errorString()).toStdString());
    if (!doc.isObject()) throw SessionError(QStringLiteral("%1: expected a JSON object").arg(path).toStdString());
    const FieldReader r(path, QString(), doc.object());
    if (!r.has(QStringLiteral("hescape_session"))) r.fail(QStringLiteral("hescape_session"), QStringLiteral("missing: not a HEScape session"));
    if (r.integer(QStringLiteral("hescape_session"), 0, 1) > kFormatVersion)
        r.fail(QStringLiteral("hescape_session"), QStringLiteral("made by a newer HEScape Studio (format %1; this one reads %2)")
                                                       .arg(r.integer(QStringLiteral("hescape_session"), 0, 1))
                                                       .arg(kFormatVersion));

    const QDir base = QFileInfo(path).absoluteDir();
    Session s;
    s.slide = r.path(QStringLiteral("slide"), base);
    s.dataset = r.path(QStringLiteral("dataset"), base);
    s.run = r.path(QStringLiteral("run"), base);
    if (s.slide.isEmpty()) r.fail(QStringLiteral("slide"), QStringLiteral("missing: a session starts from a slide"));

    if (r.has(QStringLiteral("registration"))) {
        const FieldReader g = r.object(QStringLiteral("registration"));
        Registration reg;
        const QJsonArray m = g.array(QStringLiteral("transform"));
        if (m.size() != 6) g.fail(QStringLiteral("transform"), QStringLiteral("expected 6 numbers (a, b, c, d, e, f)"));
        for (int i = 0; i < 6; ++i) {
            if (!m[i].isDouble() || !std::isfinite(m[i].toDouble())) g.fail(QStringLiteral("transform"), QStringLiteral("expected finite numbers"));
            reg.transform.m[static_cast<std::size_t>(i)] = m[i].toDouble();
        }
        // A map of zeros, or of 1e308s, is finite but places every spot at one point or at infinity.
        const auto& t = reg.transform.m;
        const double det = t[0] * t[4] - t[1] * t[3];
        if (!std::isfinite(det) || std::abs(det) < 1e-12 || std::any_of(t.begin(), t.end(), [](double v) { return std::abs(v) > 1e12; }))
            g.fail(QStringLiteral("transform"), QStringLiteral("not an invertible map of sensible scale (determinant %1; entries must be below 1e12)").arg(det));
        const QJsonArray pairs = g.array(QStringLiteral("landmarks"));
        for (int i = 0; i < pairs.size(); ++i) {
            const QString key = QStringLiteral("landmarks[%1]").arg(i);
            if (!pairs[i].isObject()) g.fail(key, QStringLiteral("expected {\"dataset\": [x, y], \"slide\": [x, y]}"));
            const QJsonObject p = pairs[i].toObject();
            reg.landmarks.push_back({g.point(p.value(QStringLiteral("dataset")), key + QStringLiteral(".dataset")),
                                     g.point(p.value(QStringLiteral("slide")), key + QStringLiteral(".slide"))});
        }
        reg.slide = g.string(QStringLiteral("slide")).toStdString();
        s.registration = std::move(reg);
    }

    const FieldReader c = r.object(QStringLiteral("coloring"));
    s.coloring.source = c.string(QStringLiteral("source"), QStringLiteral("gene"));
    checkOneOf(c, QStringLiteral("source"), s.coloring.source, {QStringLiteral("gene"), QStringLiteral("annotation")});
    s.coloring.genes = c.strings(QStringLiteral("genes"));
    s.coloring.annotation = c.string(QStringLiteral("annotation"));
    s.coloring.normalisation = c.string(QStringLiteral("normalisation"));
    if (!s.coloring.normalisation.isEmpty()) {
        QStringList names;
        for (const auto n : {Normalisation::Raw, Normalisation::Log1p, Normalisation::CountsPer10kLog1p}) names << QString::fromStdString(normalisationName(n));
        checkOneOf(c, QStringLiteral("normalisation"), s.coloring.normalisation, names);
    }
    s.coloring.colormap = c.string(QStringLiteral("colormap"));
    if (!s.coloring.colormap.isEmpty()) {
        QStringList names;
        for (const auto id : allColormaps()) names << QString::fromStdString(colormapName(id));
        checkOneOf(c, QStringLiteral("colormap"), s.coloring.colormap, names);
    }
    s.coloring.autoRange = c.boolean(QStringLiteral("auto_range"), true);
    s.coloring.vmin = c.number(QStringLiteral("vmin"), 0);
    s.coloring.vmax = c.number(QStringLiteral("vmax"), 1);
    if (!s.coloring.autoRange && !(s.coloring.vmax > s.coloring.vmin))
        c.fail(QStringLiteral("vmax"), QStringLiteral("must be greater than vmin (%1) when auto_range is false").arg(s.coloring.vmin));
    s.coloring.outline = c.boolean(QStringLiteral("outline"), false);

    const FieldReader layers = r.object(QStringLiteral("layers"));
    for (auto [key, layer] : {std::pair{QStringLiteral("slide"), &s.slideLayer}, std::pair{QStringLiteral("spots"), &s.spotsLayer}}) {
        const FieldReader l = layers.object(key);
        layer->visible = l.boolean(QStringLiteral("visible"), true);
        layer->opacity = l.number(QStringLiteral("opacity"), 1.0);
        if (layer->opacity < 0 || layer->opacity > 1) l.fail(QStringLiteral("opacity"), QStringLiteral("expected a number in [0, 1]"));
    }

    const FieldReader m = r.object(QStringLiteral("similarity_map"));
    s.similarityMap = m.string(QStringLiteral("mode"), QStringLiteral("off"));
    checkOneOf(m, QStringLiteral("mode"), s.similarityMap, mapModeNames());
    s.similarityGene = m.string(QStringLiteral("gene"));
    s.queryObservation = m.integer(QStringLiteral("query"), -1, -1);

    for (const auto& v : r.array(QStringLiteral("selection"))) {
        // Checked before the cast: a double past qint64's range makes it undefined.
        if (!v.isDouble() || v.toDouble() < 0 || v.toDouble() > 9.0e15 || v.toDouble() != std::floor(v.toDouble()))
            r.fail(QStringLiteral("selection"), QStringLiteral("expected observation indices (integers >= 0)"));
        s.selection.push_back(static_cast<qint64>(v.toDouble()));
    }

    const FieldReader e = r.object(QStringLiteral("embedding"));
    s.embedding.method = e.string(QStringLiteral("method"));
    checkOneOf(e, QStringLiteral("method"), s.embedding.method, QStringList{QString()} + layoutMethodNames());
    s.embedding.points = e.string(QStringLiteral("points"), QStringLiteral("image"));
    checkOneOf(e, QStringLiteral("points"), s.embedding.points, embeddingPointsNames());
    const qint64 dims = e.integer(QStringLiteral("dims"), 2, 2);  // checked before narrowing to int
    if (dims > 3) e.fail(QStringLiteral("dims"), QStringLiteral("expected 2 or 3"));
    s.embedding.dims = static_cast<int>(dims);
    s.embedding.colorBy = e.string(QStringLiteral("color_by"));
    s.embedding.seed = static_cast<std::uint64_t>(e.integer(QStringLiteral("seed"), 42, 0));

    const FieldReader v = r.object(QStringLiteral("view"));
    if (v.has(QStringLiteral("center"))) {
        const Point2 p = v.point(v.json().value(QStringLiteral("center")), QStringLiteral("center"));
        s.viewCenter = QPointF(p.x, p.y);
    }
    s.viewDownsample = v.number(QStringLiteral("downsample"), 0);
    if (s.viewDownsample < 0) v.fail(QStringLiteral("downsample"), QStringLiteral("expected a number >= 0"));
    s.minimap = v.boolean(QStringLiteral("minimap"), true);
    s.scaleBar = v.boolean(QStringLiteral("scale_bar"), true);
    s.channels = readChannels(r);
    return s;
}

}  // namespace hescape
