#pragma once
// Secret masking for what an execution stores: its output (LogFilter, as a stream), and the
// argument vector and variables it ran with (masked_argv, masked_variables).
#include <string>
#include <string_view>
#include <vector>

namespace orderly {

// Makes process output fit for the stored log, as a stream: invalid UTF-8 becomes U+FFFD (a
// sequence split across reads is kept until it completes), and every secret is replaced by
// "******", also when it arrives split across reads (the bytes that may begin a secret are held
// back until it is decided). Longest secret wins where several match.
class LogFilter {
  public:
    explicit LogFilter(std::vector<std::string> secrets);
    // Returns the filtered text that is final so far.
    std::string feed(std::string_view raw);
    // Returns what was held back, filtered; the stream ends.
    std::string finish();

  private:
    std::string sanitize(std::string_view raw, bool final);
    std::string mask(std::string_view text, bool final);
    std::vector<std::string> secrets_;  // longest first
    bool first_byte_[256] = {};
    std::string utf8_carry_;
    std::string mask_carry_;
};

// A UTF-8 continuation byte (10xxxxxx): a cut before it would split a character.
inline bool is_utf8_continuation(unsigned char c) {
    return (c & 0xC0) == 0x80;
}

// The argument vector as a JSON array of strings, each secret masked.
std::string masked_argv(const std::vector<std::string>& argv,
                        const std::vector<std::string>& secrets);
// A JSON object of variable values with every string in it (keys included) masked; "{}" when
// `text` is empty or not a JSON object.
std::string masked_variables(const std::string& text, const std::vector<std::string>& secrets);

}  // namespace orderly
