// A small JSON reader (RFC 8259) for configuration and metadata files such as
// Visium's scalefactors_json.json and training configs. Numbers parse without
// locale; errors name the file, line and column.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace hescape {

class JsonError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class JsonValue {
public:
    using Array = std::vector<JsonValue>;
    using Object = std::map<std::string, JsonValue>;

    JsonValue() = default;
    explicit JsonValue(bool b) : v_(b) {}
    explicit JsonValue(double d) : v_(d) {}
    explicit JsonValue(std::string s) : v_(std::move(s)) {}
    explicit JsonValue(Array a) : v_(std::make_shared<Array>(std::move(a))) {}
    explicit JsonValue(Object o) : v_(std::make_shared<Object>(std::move(o))) {}

    bool isNull() const { return std::holds_alternative<std::monostate>(v_); }
    bool isBool() const { return std::holds_alternative<bool>(v_); }
    bool isNumber() const { return std::holds_alternative<double>(v_); }
    bool isString() const { return std::holds_alternative<std::string>(v_); }
    bool isArray() const { return std::holds_alternative<std::shared_ptr<Array>>(v_); }
    bool isObject() const { return std::holds_alternative<std::shared_ptr<Object>>(v_); }

    bool asBool() const { return std::get<bool>(v_); }
    double asNumber() const { return std::get<double>(v_); }
    const std::string& asString() const { return std::get<std::string>(v_); }
    const Array& asArray() const { return *std::get<std::shared_ptr<Array>>(v_); }
    const Object& asObject() const { return *std::get<std::shared_ptr<Object>>(v_); }

    // Member of an object, or nullptr (also when this is not an object).
    const JsonValue* find(const std::string& key) const;
    std::optional<double> number(const std::string& key) const;
    // The strings of member `key` when it is an array (other entries left
    // out); empty when there is no such array.
    std::vector<std::string> strings(const std::string& key) const;

private:
    std::variant<std::monostate, bool, double, std::string, std::shared_ptr<Array>, std::shared_ptr<Object>> v_;
};

// `origin` names the source in error messages (usually the file path).
JsonValue parseJson(const std::string& text, const std::string& origin);
JsonValue readJsonFile(const std::string& path);

}  // namespace hescape
