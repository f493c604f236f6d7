#version 150 core
// One slide tile: a unit quad placed at `rect` (x0, y0, x1, y1 in clip space).
in vec2 corner;           // (0,0) .. (1,1)
uniform vec4 rect;
uniform vec4 texRect;     // (u0, v0, u1, v1): the part of the texture to show
out vec2 uv;
void main() {
    uv = mix(texRect.xy, texRect.zw, corner);
    gl_Position = vec4(mix(rect.xy, rect.zw, corner), 0.0, 1.0);
}
