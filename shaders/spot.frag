#version 150 core
// A disc (or a square bin, turned by `angle` with its grid) with a one-pixel
// antialiased edge, coloured through a 256-texel
// colormap texture; the value range is a uniform, so changing it re-uploads
// nothing. NaN values (missing) draw grey.
in vec2 local;
in float spotValue;
in float radiusPx;
uniform sampler2D colormap;
uniform float vmin;
uniform float vmax;
uniform float opacity;
uniform int outline;      // 1: ring only
uniform int categorical;  // 1: value is a category code
uniform int square;       // 1: square bins
uniform float angle;      // squares: radians from the x axis to the grid's columns
out vec4 fragColor;
void main() {
    float d = length(local);
    if (square == 1) {
        vec2 q = vec2(cos(angle) * local.x + sin(angle) * local.y, -sin(angle) * local.x + cos(angle) * local.y);
        d = max(abs(q.x), abs(q.y));
    }
    float alpha = clamp(radiusPx - d + 0.5, 0.0, 1.0);
    if (outline == 1) alpha *= clamp(d - (radiusPx - 2.0) + 0.5, 0.0, 1.0);
    if (alpha <= 0.0) discard;
    vec3 rgb;
    if (isnan(spotValue)) {
        rgb = vec3(0.6);
    } else if (categorical == 1) {
        rgb = texture(colormap, vec2((mod(spotValue, 256.0) + 0.5) / 256.0, 0.5)).rgb;
    } else {
        float t = vmax > vmin ? clamp((spotValue - vmin) / (vmax - vmin), 0.0, 1.0) : 0.5;
        rgb = texture(colormap, vec2((t * 255.0 + 0.5) / 256.0, 0.5)).rgb;
    }
    fragColor = vec4(rgb, alpha * opacity);
}
