// ShapeGeometry: a bounds-checked WKB cursor and the shoelace sums.
#include "core/spatial/ShapeGeometry.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <stdexcept>

namespace hescape {

namespace {

class WkbCursor {
public:
    explicit WkbCursor(std::string_view data) : data_(data) {}

    std::size_t remaining() const { return data_.size() - pos_; }
    bool atEnd() const { return pos_ == data_.size(); }

    void byteOrder() {
        need(1);
        const auto b = static_cast<unsigned char>(data_[pos_++]);
        if (b > 1) throw std::invalid_argument("WKB byte order " + std::to_string(b) + " is neither 0 nor 1");
        little_ = b == 1;
    }
    std::uint32_t u32() {
        need(4);
        unsigned char b[4];
        std::memcpy(b, data_.data() + pos_, 4);
        pos_ += 4;
        return little_ ? (b[0] | b[1] << 8 | b[2] << 16 | std::uint32_t(b[3]) << 24) : (b[3] | b[2] << 8 | b[1] << 16 | std::uint32_t(b[0]) << 24);
    }
    double f64() {
        need(8);
        unsigned char b[8];
        std::memcpy(b, data_.data() + pos_, 8);
        pos_ += 8;
        std::uint64_t u = 0;
        for (int i = 0; i < 8; ++i) u |= std::uint64_t(b[little_ ? i : 7 - i]) << (8 * i);
        double d;
        std::memcpy(&d, &u, 8);
        return d;
    }
    // A count of items of at least `minBytes` each, checked against the bytes left before anything is sized by it.
    std::size_t count(std::size_t minBytes, const char* what) {
        const std::uint32_t n = u32();
        if (minBytes && n > remaining() / minBytes)
            throw std::invalid_argument(std::string("WKB ") + what + " count " + std::to_string(n) + " runs past the end of the geometry");
        return n;
    }

private:
    void need(std::size_t n) const {
        if (remaining() < n) throw std::invalid_argument("WKB geometry ends early (truncated)");
    }
    std::string_view data_;
    std::size_t pos_ = 0;
    bool little_ = true;
};

struct GeometryHeader {
    std::uint32_t type = 0;  // 1 point, 3 polygon, 6 multipolygon
    int dims = 2;            // coordinates per point: x, y [, z] [, m]
};

GeometryHeader header(WkbCursor& c) {
    c.byteOrder();
    std::uint32_t code = c.u32();
    GeometryHeader h;
    // EWKB (PostGIS) flags, then ISO's thousands.
    if (code & 0x80000000u) ++h.dims;
    if (code & 0x40000000u) ++h.dims;
    if (code & 0x20000000u) (void)c.u32();  // SRID
    code &= 0x0FFFFFFFu;
    const std::uint32_t iso = code / 1000;
    if (iso > 3) throw std::invalid_argument("WKB geometry type " + std::to_string(code) + " is not known");
    h.dims += iso == 3 ? 2 : iso ? 1 : 0;
    h.type = code % 1000;
    return h;
}

std::vector<double> ring(WkbCursor& c, int dims) {
    const std::size_t n = c.count(std::size_t(dims) * 8, "point");
    std::vector<double> xy;
    xy.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        xy.push_back(c.f64());
        xy.push_back(c.f64());
        for (int d = 2; d < dims; ++d) (void)c.f64();
    }
    return xy;
}

void polygon(WkbCursor& c, int dims, PolygonAccumulator& acc) {
    const std::size_t rings = c.count(4, "ring");
    for (std::size_t r = 0; r < rings; ++r) {
        const auto xy = ring(c, dims);
        acc.addRing(xy.data(), xy.size() / 2, r == 0);
    }
}

}  // namespace

void PolygonAccumulator::addRing(const double* xy, std::size_t count, bool shell) {
    // Shoelace: signed area and first moments of the ring; its sign is the
    // winding, which writers do not agree on, so shells add and holes subtract.
    double a = 0, mx = 0, my = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t j = (i + 1) % count;
        const double cross = xy[2 * i] * xy[2 * j + 1] - xy[2 * j] * xy[2 * i + 1];
        a += cross;
        mx += (xy[2 * i] + xy[2 * j]) * cross;
        my += (xy[2 * i + 1] + xy[2 * j + 1]) * cross;
    }
    const double sign = (a < 0 ? -1.0 : 1.0) * (shell ? 1.0 : -1.0);
    area_ += sign * a / 2;
    sx_ += sign * mx / 6;
    sy_ += sign * my / 6;
}

ShapeCentre PolygonAccumulator::result(ShapeKind kind) const {
    if (!(area_ > 0) || !std::isfinite(area_)) throw std::invalid_argument("the polygon has no area (empty or degenerate)");
    ShapeCentre s;
    s.kind = kind;
    s.x = sx_ / area_;
    s.y = sy_ / area_;
    s.diameter = 2 * std::sqrt(area_ / std::numbers::pi);
    return s;
}

ShapeCentre wkbShapeCentre(std::string_view wkb) {
    WkbCursor c(wkb);
    const GeometryHeader h = header(c);
    ShapeCentre s;
    PolygonAccumulator acc;
    if (h.type == 1) {
        s.x = c.f64();
        s.y = c.f64();
        for (int d = 2; d < h.dims; ++d) (void)c.f64();
    } else if (h.type == 3) {
        polygon(c, h.dims, acc);
        s = acc.result(ShapeKind::Polygon);
    } else if (h.type == 6) {
        const std::size_t parts = c.count(9, "polygon");
        for (std::size_t p = 0; p < parts; ++p) {
            const GeometryHeader part = header(c);
            if (part.type != 3) throw std::invalid_argument("a MULTIPOLYGON part is not a POLYGON");
            polygon(c, part.dims, acc);
        }
        s = acc.result(ShapeKind::MultiPolygon);
    } else {
        throw std::invalid_argument("WKB geometry type " + std::to_string(h.type) +
                                    " is not read (POINT, POLYGON and MULTIPOLYGON are)");
    }
    if (!c.atEnd()) throw std::invalid_argument(std::to_string(c.remaining()) + " bytes follow the WKB geometry");
    return s;
}

}  // namespace hescape
