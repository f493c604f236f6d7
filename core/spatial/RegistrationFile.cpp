// RegistrationFile: a tiny JSON document; numbers written with 17 digits so
// the transform round-trips exactly.
#include "core/spatial/RegistrationFile.h"

#include "core/io/Json.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace hescape {

namespace fs = std::filesystem;

std::string registrationPathFor(const std::string& datasetPath) {
    std::error_code ec;
    if (fs::is_directory(datasetPath, ec)) return (fs::path(datasetPath) / "hescape.registration.json").string();
    return datasetPath + ".registration.json";
}

namespace {
std::string num(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}
}  // namespace

void saveRegistration(const std::string& path, const Registration& r) {
    std::string slide;  // JSON-escape the few characters a file name may hold
    for (const char c : r.slide) {
        if (c == '"' || c == '\\') slide += '\\';
        if (static_cast<unsigned char>(c) >= 0x20) slide += c;
    }
    std::string text = "{\n  \"version\": 1,\n  \"slide\": \"" + slide + "\",\n  \"affine\": [";
    for (int i = 0; i < 6; ++i) text += (i ? ", " : "") + num(r.transform.m[i]);
    text += "],\n  \"landmarks\": [";
    for (std::size_t i = 0; i < r.landmarks.size(); ++i) {
        const auto& l = r.landmarks[i];
        text += std::string(i ? "," : "") + "\n    {\"dataset\": [" + num(l.dataset.x) + ", " + num(l.dataset.y) +
                "], \"slide\": [" + num(l.slide.x) + ", " + num(l.slide.y) + "]}";
    }
    text += r.landmarks.empty() ? "]\n}\n" : "\n  ]\n}\n";
    const std::string temp = path + ".partial-" + std::to_string(::getpid());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out) throw std::runtime_error(path + ": cannot write the registration (" + temp + " cannot be created)");
        out << text;
        out.flush();
        if (!out) throw std::runtime_error(path + ": writing the registration failed");
    }
    std::error_code ec;
    fs::rename(temp, path, ec);
    if (ec) {
        fs::remove(temp, ec);
        throw std::runtime_error(path + ": cannot move the registration into place");
    }
}

std::optional<Registration> loadRegistration(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return std::nullopt;
    JsonValue json;
    try {
        json = readJsonFile(path);
    } catch (const JsonError& e) {
        throw std::runtime_error(e.what());
    }
    const JsonValue* affine = json.find("affine");
    if (!affine || !affine->isArray() || affine->asArray().size() != 6) {
        throw std::runtime_error(path + ": field 'affine' must be an array of 6 numbers");
    }
    Registration r;
    for (int i = 0; i < 6; ++i) {
        const JsonValue& v = affine->asArray()[static_cast<std::size_t>(i)];
        if (!v.isNumber() || !std::isfinite(v.asNumber())) throw std::runtime_error(path + ": field 'affine' must hold finite numbers");
        r.transform.m[static_cast<std::size_t>(i)] = v.asNumber();
    }
    try {
        static_cast<void>(r.transform.inverse());
    } catch (const std::domain_error&) {
        throw std::runtime_error(path + ": field 'affine' is not invertible");
    }
    if (const JsonValue* slide = json.find("slide"); slide && slide->isString()) r.slide = slide->asString();
    if (const JsonValue* lm = json.find("landmarks"); lm && lm->isArray()) {
        for (const auto& item : lm->asArray()) {
            const JsonValue* d = item.find("dataset");
            const JsonValue* s = item.find("slide");
            auto pt = [&](const JsonValue* p) {
                if (!p || !p->isArray() || p->asArray().size() != 2 || !p->asArray()[0].isNumber() || !p->asArray()[1].isNumber()) {
                    throw std::runtime_error(path + ": each landmark needs 'dataset' and 'slide' as [x, y]");
                }
                return Point2{p->asArray()[0].asNumber(), p->asArray()[1].asNumber()};
            };
            r.landmarks.push_back({pt(d), pt(s)});
        }
    }
    return r;
}

}  // namespace hescape
