// A 2-D affine map x' = a*x + b*y + c, y' = d*x + e*y + f: how dataset
// coordinates land on slide level-0 pixels.
#pragma once

#include <array>

namespace hescape {

struct AffineTransform {
    // Row-major 2x3: {a, b, c, d, e, f}; identity by default.
    std::array<double, 6> m{1, 0, 0, 0, 1, 0};

    static AffineTransform scale(double sx, double sy) { return {{sx, 0, 0, 0, sy, 0}}; }
    static AffineTransform translation(double tx, double ty) { return {{1, 0, tx, 0, 1, ty}}; }

    void apply(double x, double y, double& ox, double& oy) const {
        ox = m[0] * x + m[1] * y + m[2];
        oy = m[3] * x + m[4] * y + m[5];
    }
    // (this ∘ other)(p) = this(other(p))
    AffineTransform after(const AffineTransform& o) const {
        return {{m[0] * o.m[0] + m[1] * o.m[3], m[0] * o.m[1] + m[1] * o.m[4], m[0] * o.m[2] + m[1] * o.m[5] + m[2],
                 m[3] * o.m[0] + m[4] * o.m[3], m[3] * o.m[1] + m[4] * o.m[4], m[3] * o.m[2] + m[4] * o.m[5] + m[5]}};
    }
    // Throws std::domain_error for a singular map.
    AffineTransform inverse() const;
    // Mean scale factor (for converting lengths such as spot diameters).
    double meanScale() const;
};

}  // namespace hescape
