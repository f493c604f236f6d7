// parseOmeXml: pugixml over the OME-XML text; element names are compared
// without their namespace prefix because writers use both <OME> and <ome:OME>.
#include "core/slide/OmeXml.h"

#include "core/slide/Slide.h"

#include <pugixml.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace hescape {

namespace {

// Plane counts beyond this are not images a viewer opens (and guard the
// plane table against a declared size).
constexpr long long kMaxPlanes = 1'000'000;

const char* localName(const pugi::xml_node& n) {
    const char* name = n.name();
    const char* colon = std::strrchr(name, ':');
    return colon ? colon + 1 : name;
}

pugi::xml_node child(const pugi::xml_node& parent, const char* name) {
    for (auto c : parent.children())
        if (c.type() == pugi::node_element && std::strcmp(localName(c), name) == 0) return c;
    return {};
}

std::vector<pugi::xml_node> children(const pugi::xml_node& parent, const char* name) {
    std::vector<pugi::xml_node> out;
    for (auto c : parent.children())
        if (c.type() == pugi::node_element && std::strcmp(localName(c), name) == 0) out.push_back(c);
    return out;
}

struct AttributeReader {
    const std::string& path;
    const char* element;

    [[noreturn]] void fail(const char* attr, const std::string& why) const {
        throw SlideError(path + ": OME-XML " + element + " " + attr + " " + why);
    }
    std::optional<long long> integer(const pugi::xml_node& n, const char* attr) const {
        const auto a = n.attribute(attr);
        if (!a) return std::nullopt;
        const char* text = a.value();
        char* end = nullptr;
        errno = 0;
        const long long v = std::strtoll(text, &end, 10);
        if (end == text || *end != '\0' || errno == ERANGE) fail(attr, std::string("is not an integer: '") + text + "'");
        return v;
    }
    long long integer(const pugi::xml_node& n, const char* attr, long long fallback, long long lo, long long hi) const {
        const auto v = integer(n, attr).value_or(fallback);
        if (v < lo || v > hi) fail(attr, "is " + std::to_string(v) + " (must be " + std::to_string(lo) + " to " + std::to_string(hi) + ")");
        return v;
    }
    std::optional<double> number(const pugi::xml_node& n, const char* attr) const {
        const auto a = n.attribute(attr);
        if (!a) return std::nullopt;
        const char* text = a.value();
        char* end = nullptr;
        const double v = std::strtod(text, &end);
        if (end == text || *end != '\0') fail(attr, std::string("is not a number: '") + text + "'");
        return v;
    }
};

bool validDimensionOrder(const std::string& order) {
    static const char* const kOrders[] = {"XYZCT", "XYZTC", "XYCTZ", "XYCZT", "XYTCZ", "XYTZC"};
    for (const char* o : kOrders)
        if (order == o) return true;
    return false;
}

void readPhysicalSize(const pugi::xml_node& pixels, const AttributeReader& attrs, OmePixels& out) {
    const auto sx = attrs.number(pixels, "PhysicalSizeX");
    const auto sy = attrs.number(pixels, "PhysicalSizeY");
    if (!sx && !sy) return;
    const std::string ux = pixels.attribute("PhysicalSizeXUnit").as_string("µm");
    const std::string uy = pixels.attribute("PhysicalSizeYUnit").as_string("µm");
    const auto fx = micronsPerOmeUnit(ux), fy = micronsPerOmeUnit(uy);
    if (!fx || !fy) {
        out.physicalSizeNote = "PhysicalSize unit '" + (fx ? uy : ux) + "' is not a length this reader knows";
        return;
    }
    // One given alone stands for both (square pixels), as Bio-Formats assumes.
    const double x = sx.value_or(*sy) * (sx ? *fx : *fy), y = sy.value_or(*sx) * (sy ? *fy : *fx);
    if (!(x > 0) || !(y > 0) || !std::isfinite(x) || !std::isfinite(y)) {
        out.physicalSizeNote = "PhysicalSizeX/Y are not positive and finite";
        return;
    }
    out.physicalSizeXUm = x;
    out.physicalSizeYUm = y;
}

void readChannels(const pugi::xml_node& pixels, const AttributeReader& attrs, OmePixels& out) {
    for (const auto& c : children(pixels, "Channel")) {
        OmeChannel ch;
        ch.name = c.attribute("Name").as_string(c.attribute("Fluor").as_string(""));
        ch.samplesPerPixel = static_cast<int>(AttributeReader{attrs.path, "Channel"}.integer(c, "SamplesPerPixel", 1, 1, 4));
        // Color is a signed 32-bit RGBA; -1 (opaque white) is Bio-Formats' "unset".
        if (const auto colour = AttributeReader{attrs.path, "Channel"}.integer(c, "Color"); colour && *colour != -1) {
            const auto v = static_cast<std::uint32_t>(static_cast<std::int32_t>(*colour));
            ch.colour = std::array<std::uint8_t, 3>{static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                                                    static_cast<std::uint8_t>(v >> 8)};
        }
        out.channels.push_back(std::move(ch));
    }
    int samples = 0;
    for (const auto& ch : out.channels) samples += ch.samplesPerPixel;
    if (out.channels.empty()) {
        out.channels.resize(static_cast<std::size_t>(out.sizeC));
    } else if (samples != out.sizeC) {
        throw SlideError(attrs.path + ": OME-XML Pixels SizeC is " + std::to_string(out.sizeC) + " but its " +
                         std::to_string(out.channels.size()) + " Channel elements hold " + std::to_string(samples) + " samples");
    }
}

void readTiffData(const pugi::xml_node& pixels, const std::string& path, OmePixels& out) {
    const auto entries = children(pixels, "TiffData");
    if (entries.empty()) return;
    out.planes.assign(static_cast<std::size_t>(out.planeCount()), std::nullopt);
    const AttributeReader attrs{path, "TiffData"};
    const int n = out.planeCount();
    for (const auto& td : entries) {
        const bool positioned = td.attribute("IFD") || td.attribute("FirstC") || td.attribute("FirstZ") || td.attribute("FirstT");
        const auto ifd = attrs.integer(td, "IFD", 0, 0, std::numeric_limits<int>::max());
        const auto c = attrs.integer(td, "FirstC", 0, 0, static_cast<long long>(out.channels.size()) - 1);
        const auto z = attrs.integer(td, "FirstZ", 0, 0, out.sizeZ - 1);
        const auto t = attrs.integer(td, "FirstT", 0, 0, out.sizeT - 1);
        const int first = out.planeIndex(static_cast<int>(c), static_cast<int>(z), static_cast<int>(t));
        const auto count = attrs.integer(td, "PlaneCount", positioned ? 1 : n - first, 0, n - first);
        std::string file;
        if (const auto uuid = child(td, "UUID")) file = uuid.attribute("FileName").as_string("");
        for (long long k = 0; k < count; ++k)
            out.planes[static_cast<std::size_t>(first + k)] = OmePlaneLocation{file, static_cast<int>(ifd + k)};
    }
}

// Bio-Formats copies the source's metadata into OriginalMetadata annotations;
// a PhysicalSizeX there describes the original acquisition, which may have
// been resampled since (Xenium toy data: 0.2125 um there, ~1.7 um in the
// image), so it is only reported, never used as the scale.
void noteOriginalPhysicalSize(const pugi::xml_node& ome, OmePixels& out) {
    const auto annotations = child(ome, "StructuredAnnotations");
    for (const auto& xa : children(annotations, "XMLAnnotation")) {
        const auto om = child(child(xa, "Value"), "OriginalMetadata");
        if (std::strcmp(child(om, "Key").child_value(), "PhysicalSizeX") != 0) continue;
        out.physicalSizeNote = std::string("Pixels has no PhysicalSizeX/Y; OriginalMetadata records PhysicalSizeX = ") +
                               child(om, "Value").child_value() + " for the original acquisition, not used";
        return;
    }
}

}  // namespace

int OmePixels::planeIndex(int c, int z, int t) const {
    const int sc = static_cast<int>(channels.size());
    int index = 0, stride = 1;
    for (std::size_t i = 2; i < dimensionOrder.size() && i < 5; ++i) {
        const char d = dimensionOrder[i];
        const int v = d == 'C' ? c : d == 'Z' ? z : t;
        const int size = d == 'C' ? sc : d == 'Z' ? sizeZ : sizeT;
        index += v * stride;
        stride *= size;
    }
    return index;
}

std::optional<OmePlaneLocation> OmePixels::planeLocation(int c, int z, int t) const {
    const int index = planeIndex(c, z, t);
    if (planes.empty()) return OmePlaneLocation{"", index};
    if (index < 0 || static_cast<std::size_t>(index) >= planes.size()) return std::nullopt;
    return planes[static_cast<std::size_t>(index)];
}

bool looksLikeOmeXml(const std::string& description) {
    return description.find("<OME") != std::string::npos || description.find(":OME ") != std::string::npos ||
           description.find(":OME>") != std::string::npos;
}

std::optional<double> micronsPerOmeUnit(const std::string& unit) {
    // OME-XML's symbols, then the UDUNITS-2 names OME-NGFF axes use.
    if (unit == "µm" || unit == "\u03bcm" || unit == "um" || unit == "micron" || unit == "microns" || unit == "micrometer")
        return 1.0;
    if (unit == "nm" || unit == "nanometer") return 1e-3;
    if (unit == "pm" || unit == "picometer") return 1e-6;
    if (unit == "Å" || unit == "\u212b" || unit == "angstrom") return 1e-4;
    if (unit == "mm" || unit == "millimeter") return 1e3;
    if (unit == "cm" || unit == "centimeter") return 1e4;
    if (unit == "m" || unit == "meter") return 1e6;
    return std::nullopt;
}

OmePixels parseOmeXml(const std::string& xml, const std::string& path) {
    pugi::xml_document doc;
    const auto parsed = doc.load_buffer(xml.data(), xml.size());
    if (!parsed) {
        throw SlideError(path + ": the OME-XML is malformed (" + parsed.description() + " at character " +
                         std::to_string(parsed.offset) + ")");
    }
    pugi::xml_node ome;
    for (auto c : doc.children())
        if (c.type() == pugi::node_element && std::strcmp(localName(c), "OME") == 0) ome = c;
    if (!ome) throw SlideError(path + ": the OME-XML has no OME root element");
    const auto images = children(ome, "Image");
    if (images.empty()) throw SlideError(path + ": the OME-XML has no Image element");
    const auto pixels = child(images.front(), "Pixels");
    if (!pixels) throw SlideError(path + ": the OME-XML Image has no Pixels element");

    OmePixels out;
    out.imageCount = static_cast<int>(images.size());
    out.imageName = images.front().attribute("Name").as_string("");
    const AttributeReader attrs{path, "Pixels"};
    if (!pixels.attribute("SizeX") || !pixels.attribute("SizeY")) attrs.fail("SizeX/SizeY", "are missing");
    constexpr long long kMaxSide = std::numeric_limits<std::int32_t>::max();
    out.sizeX = attrs.integer(pixels, "SizeX", 0, 1, kMaxSide);
    out.sizeY = attrs.integer(pixels, "SizeY", 0, 1, kMaxSide);
    out.sizeC = static_cast<int>(attrs.integer(pixels, "SizeC", 1, 1, 4096));
    out.sizeZ = static_cast<int>(attrs.integer(pixels, "SizeZ", 1, 1, 100000));
    out.sizeT = static_cast<int>(attrs.integer(pixels, "SizeT", 1, 1, 100000));
    if (static_cast<long long>(out.sizeC) * out.sizeZ * out.sizeT > kMaxPlanes) attrs.fail("SizeC x SizeZ x SizeT", "is too many planes");
    out.dimensionOrder = pixels.attribute("DimensionOrder").as_string("XYCZT");
    if (!validDimensionOrder(out.dimensionOrder)) attrs.fail("DimensionOrder", "'" + out.dimensionOrder + "' is not one of OME's six orders");
    out.type = pixels.attribute("Type").as_string("");
    readPhysicalSize(pixels, attrs, out);
    if (!out.physicalSizeXUm && out.physicalSizeNote.empty()) noteOriginalPhysicalSize(ome, out);
    readChannels(pixels, attrs, out);
    readTiffData(pixels, path, out);
    return out;
}

}  // namespace hescape
