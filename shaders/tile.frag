#version 150 core
// Tiles arrive as straight-alpha RGBA; areas outside the scanned region are
// transparent and blend onto the view background.
in vec2 uv;
uniform sampler2D tile;
uniform float opacity;
out vec4 fragColor;
void main() {
    vec4 c = texture(tile, uv);
    fragColor = vec4(c.rgb, c.a * opacity);
}
