#pragma once
// Full-text search over tickets (SQLite FTS5, unicode61 tokenizer), pure text processing.
//
// Chinese (and Japanese, Korean) text has no spaces between words, so it is indexed as
// overlapping character bigrams ("数据库" -> "数据 据库 库"); a query of two or more such
// characters becomes the phrase of its bigrams, which matches exactly where the text contains
// it, through the index; a single such character matches the text's bigrams that start with it.
// Other text is indexed as words (case-insensitive) and matched as whole words ("nginx", and
// "CHG-20261121" finds CHG-20261121-0001 since its words are a phrase). Every query word must
// match (AND). A search walks the index newest first and stops at the page's end.
#include <string>
#include <string_view>

namespace orderly::domain {

// The text to index for a ticket field, title or serial number.
std::string search_text(std::string_view text);

// The FTS5 MATCH expression for what a user typed; empty when it has nothing searchable
// (only punctuation or spaces). At most 16 terms are used.
std::string search_query(std::string_view q);

}  // namespace orderly::domain
