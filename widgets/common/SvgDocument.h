// The few lines every hand-written SVG of ours starts with and the one-line
// element writer they all use (the training-curves chart, the slide view's
// figure), on QXmlStreamWriter: no Qt SVG module needed.
#pragma once

#include <QByteArray>
#include <QString>
#include <QXmlStreamWriter>

#include <initializer_list>
#include <utility>

namespace hescape {

// Opens the document and its <svg> element (the caller writes further
// attributes, the content, then ends the element and the document).
inline void startSvgDocument(QXmlStreamWriter& w, const QString& width, const QString& height, const QString& viewBox) {
    w.setAutoFormatting(true);
    w.writeStartDocument();
    w.writeStartElement("svg");
    w.writeDefaultNamespace("http://www.w3.org/2000/svg");
    w.writeAttribute("width", width);
    w.writeAttribute("height", height);
    w.writeAttribute("viewBox", viewBox);
}

// <name attrs...>text</name>, or an empty element without text.
inline void svgElement(QXmlStreamWriter& w, const char* name, std::initializer_list<std::pair<const char*, QString>> attrs,
                       const QString& text = {}) {
    w.writeStartElement(name);
    for (const auto& [k, v] : attrs) w.writeAttribute(k, v);
    if (!text.isEmpty()) w.writeCharacters(text);
    w.writeEndElement();
}

// svgElement bound to one writer, for code that writes many elements:
// `const SvgElementWriter element(w); element("rect", {{"x", "0"}, ...});`
class SvgElementWriter {
public:
    explicit SvgElementWriter(QXmlStreamWriter& w) : w_(w) {}
    void operator()(const char* name, std::initializer_list<std::pair<const char*, QString>> attrs, const QString& text = {}) const {
        svgElement(w_, name, attrs, text);
    }

private:
    QXmlStreamWriter& w_;
};

}  // namespace hescape
