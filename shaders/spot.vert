#version 150 core
// One spot or cell: an instanced quad around its centre (level-0 slide px),
// sized to the spot radius on screen but never below 1.5 px so that spots
// stay visible when zoomed far out. Square bins (Visium HD) may be turned
// with their grid, so their quad covers the square's corners too.
in vec2 corner;   // quad corner in [-1, 1]^2 (per vertex)
in vec2 center;   // level-0 slide pixels (per instance)
in float value;   // colour value (per instance)
uniform vec2 viewCenter;    // level-0 px at the widget centre
uniform float downsample;   // level-0 px per widget px
uniform vec2 viewportSize;  // widget px
uniform float radius;       // level-0 px (a square's half side)
uniform int square;         // 1: square bins
out vec2 local;             // widget px from the spot centre
out float spotValue;
out float radiusPx;
void main() {
    radiusPx = max(radius / downsample, 1.5);
    float reach = square == 1 ? radiusPx * 1.41422 : radiusPx;
    local = corner * (reach + 1.0);  // one extra pixel for the antialiased edge
    vec2 p = (center - viewCenter) / downsample + local;
    spotValue = value;
    gl_Position = vec4(p.x / (0.5 * viewportSize.x), -p.y / (0.5 * viewportSize.y), 0.0, 1.0);
}
