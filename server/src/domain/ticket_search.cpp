#include "domain/ticket_search.h"

#include <cstdint>
#include <vector>

namespace orderly::domain {

std::vector<Utf8Char> decode_utf8(std::string_view s) {
    std::vector<Utf8Char> out;
    size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        size_t n = b < 0x80           ? 1
                   : (b >> 5) == 0x6  ? 2
                   : (b >> 4) == 0xE  ? 3
                   : (b >> 3) == 0x1E ? 4
                                      : 1;
        if (i + n > s.size()) n = 1;
        uint32_t cp = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
        for (size_t k = 1; k < n; ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        out.push_back({s.substr(i, n), cp});
        i += n;
    }
    return out;
}

using Char = Utf8Char;

namespace {

// Scripts written without spaces between words.
bool unspaced(uint32_t cp) {
    return (cp >= 0x3040 && cp <= 0x30FF) ||  // Hiragana, Katakana
           (cp >= 0x3400 && cp <= 0x4DBF) ||  // CJK extension A
           (cp >= 0x4E00 && cp <= 0x9FFF) ||  // CJK unified ideographs
           (cp >= 0xAC00 && cp <= 0xD7AF) ||  // Hangul syllables
           (cp >= 0xF900 && cp <= 0xFAFF) ||  // CJK compatibility ideographs
           (cp >= 0x20000 && cp <= 0x2FFFF);  // CJK extensions B and later
}

// Runs of characters that are all unspaced, or all not.
std::vector<std::pair<bool, std::vector<Char>>> runs(std::string_view s) {
    std::vector<std::pair<bool, std::vector<Char>>> out;
    for (const Char& c : decode_utf8(s)) {
        const bool u = unspaced(c.cp);
        if (out.empty() || out.back().first != u) out.push_back({u, {}});
        out.back().second.push_back(c);
    }
    return out;
}

std::string bigrams(const std::vector<Char>& run) {
    std::string out;
    for (size_t i = 0; i + 1 < run.size(); ++i) {
        if (!out.empty()) out += ' ';
        out += run[i].bytes;
        out += run[i + 1].bytes;
    }
    return out;
}

// Punctuation and symbols outside ASCII that the tokenizer drops (a term of nothing but these
// would be an empty phrase, which matches nothing).
bool punctuation(uint32_t cp) {
    return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 ||
           (cp >= 0x2000 && cp <= 0x206F) ||  // general punctuation
           (cp >= 0x3000 && cp <= 0x303F) ||  // CJK symbols and punctuation
           (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
           (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65);  // fullwidth
}

bool has_word_character(const std::vector<Char>& run) {
    for (const Char& c : run) {
        if (c.cp >= 0x80) {
            if (!punctuation(c.cp)) return true;
            continue;
        }
        const char ch = static_cast<char>(c.cp);
        if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
            return true;
    }
    return false;
}

}  // namespace

std::string search_text(std::string_view text) {
    std::string out;
    out.reserve(text.size() * 2);
    for (const auto& [u, run] : runs(text)) {
        if (!u) {
            for (const Char& c : run) out += c.bytes;
            continue;
        }
        // "数据库" -> " 数据 据库 库 ": the last character alone too, so that a one-character
        // query (a prefix of a bigram) finds it at the end of a run as well.
        out += ' ';
        if (run.size() > 1) {
            out += bigrams(run);
            out += ' ';
        }
        out += run.back().bytes;
        out += ' ';
    }
    return out;
}

std::vector<SearchTerm> search_terms(std::string_view q) {
    std::vector<SearchTerm> terms;
    std::vector<std::string_view> words;
    size_t start = std::string_view::npos;
    for (size_t i = 0; i <= q.size(); ++i) {
        const bool space =
            i == q.size() || q[i] == ' ' || q[i] == '\t' || q[i] == '\n' || q[i] == '\r';
        if (space && start != std::string_view::npos) {
            words.push_back(q.substr(start, i - start));
            start = std::string_view::npos;
        } else if (!space && start == std::string_view::npos) {
            start = i;
        }
    }
    for (std::string_view w : words) {
        for (const auto& [u, run] : runs(w)) {
            if (terms.size() >= 16) break;
            if (u) {
                if (run.size() == 1)
                    terms.push_back({std::string(run[0].bytes), true});
                else
                    terms.push_back({bigrams(run), false});
            } else if (has_word_character(run)) {
                std::string text;
                for (const Char& c : run) text += c.bytes;
                // Whole words: a prefix query would read every matching word's whole list.
                terms.push_back({std::move(text), false});
            }
        }
    }
    return terms;
}

}  // namespace orderly::domain
