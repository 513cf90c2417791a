#pragma once
// Enum <-> name tables: a constexpr array of {value, "name"} pairs, searched linearly (the tables
// are a handful of entries).
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace orderly {

template <typename E, size_t N>
std::optional<E> enum_from_name(const std::pair<E, std::string_view> (&table)[N],
                                std::string_view s) {
    for (const auto& [e, name] : table)
        if (name == s) return e;
    return std::nullopt;
}

template <typename E, size_t N>
std::string_view enum_name(const std::pair<E, std::string_view> (&table)[N], E e) {
    for (const auto& [v, name] : table)
        if (v == e) return name;
    return "?";
}

}  // namespace orderly
