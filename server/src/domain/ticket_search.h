#pragma once
// Full-text search over tickets: what is indexed and what a query looks for, pure text
// processing. The query syntax of the index is the storage driver's (storage/dialect.h).
//
// Chinese (and Japanese, Korean) text has no spaces between words, so it is indexed as
// overlapping character bigrams ("数据库" -> "数据 据库 库"); a query of two or more such
// characters becomes the phrase of its bigrams, which matches exactly where the text contains
// it, through the index; a single such character matches the text's bigrams that start with it.
// Other text is indexed as words (case-insensitive) and matched as whole words ("nginx", and
// "CHG-20261121" finds CHG-20261121-0001 since its words are a phrase). Every query word must
// match (AND). A search walks the index newest first and stops at the page's end.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace orderly::domain {

// One UTF-8 encoded character and its code point (invalid bytes pass through one by one).
struct Utf8Char {
    std::string_view bytes;
    uint32_t cp = 0;
};
std::vector<Utf8Char> decode_utf8(std::string_view s);

// The text to index for a ticket field, title or serial number.
std::string search_text(std::string_view text);

// One thing a ticket's indexed text must contain.
struct SearchTerm {
    // Words that must appear one after another: a word as typed (the index splits
    // "CHG-20261121" into its words as it split the text), or the bigrams of a run of CJK
    // characters separated by spaces ("数据 据库").
    std::string phrase;
    // The phrase's last word may be the start of a longer one (a single CJK character).
    bool prefix = false;
    bool operator==(const SearchTerm&) const = default;
};

// The terms of what a user typed, every one of which must match; empty when it has nothing
// searchable (only punctuation or spaces). At most 16 terms.
std::vector<SearchTerm> search_terms(std::string_view q);

}  // namespace orderly::domain
